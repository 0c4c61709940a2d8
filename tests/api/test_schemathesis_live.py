"""Schemathesis against the LIVE app (a real HTTP server on a free port, the suite's database and
Redis), as the party committee, as an ordinary miner and anonymously: every built-in check, in
both positive and negative generation modes, through the examples, coverage, fuzzing and
stateful phases — zero failures (issue 9 #17 and the OpenAPI document's truthfulness).

Issue 19 item 15: the identity's token survives its own operations (a logout is followed by a
fresh login and the case is sent again; nobody can mark themselves left or unbind themselves),
each run prints per operation the statuses it got (`pytest -s`), and fails when an operation
the identity may use gets fewer than FLOOR 2xx answers to schema-valid cases (the exempted
operations and why are listed at EXEMPT_ALL / EXEMPT_OF), or when answers are token_revoked,
person_left or not_bound: a run that tests a revoked token does not pass.

The run is repeatable: the seed and the example count are fixed (in .ci/run, and as the
defaults below). On PostgreSQL and MariaDB each role runs 20 examples per operation and
generation mode; on the embedded SQLite backend 6 (SQLite serialises writers; that run is the
smoke run of the three). 80 examples on PostgreSQL and 40 on MariaDB found nothing more.

Two things are tuned, and only these:
- positive_data_acceptance also expects 422, because some refusals of well-formed input are
  business rules no schema can state (a roster entry that does not match, a campaign that ends
  before it starts, an image that is not one). The added check below keeps the point of the
  built-in one: a schema-valid request may never get a *field* error (`validation_error`), a
  malformed-body 400 or a `body_required`.
- `date-time` strings are generated within 2000…2100 (the documented pattern), because
  Hypothesis cannot intersect a format with a pattern and would filter out nearly everything.
"""

from __future__ import annotations

import collections
import json
import os
import re
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
import requests
import schemathesis
from hypothesis import strategies as st
from schemathesis.config import SchemathesisConfig
from schemathesis.engine import events, from_schema
from werkzeug.serving import make_server

from models import db
from tests.support.ids import restart_ids

# The CI script (.ci/run) sets both, per backend, so a run is repeatable; these defaults are the
# same values, for a run by hand. Raise FRONTLINE_ST_EXAMPLES to look further (e.g. 200).
SEED = int(os.environ.get("FRONTLINE_ST_SEED", "20261122"))
SERVER_EXAMPLES = 20
EMBEDDED_EXAMPLES = 6
EXAMPLES_OVERRIDE = os.environ.get("FRONTLINE_ST_EXAMPLES")
PHASES = ("examples", "coverage", "fuzzing", "stateful")
FIELD_ERROR_REASONS = {"validation_error", "malformed_json", "body_required"}

_ZONES = [UTC, timezone(timedelta(hours=8)), timezone(timedelta(hours=-5, minutes=-30))]
schemathesis.openapi.format(
    "date-time",
    st.datetimes(
        min_value=datetime(2000, 1, 1),
        max_value=datetime(2100, 12, 31, 23, 59, 59),
        timezones=st.sampled_from(_ZONES),
    ).map(lambda d: d.isoformat()),
)


@schemathesis.check
def schema_valid_input_gets_no_field_error(ctx: Any, response: Any, case: Any) -> bool | None:
    """In positive mode, a 400 or a 422 whose reason is a field error means the document
    promised something the server refuses."""
    meta = case.meta
    if meta is None or not meta.generation.mode.is_positive:
        return None
    if response.status_code not in (400, 422):
        return None
    try:
        reason = json.loads(response.content).get("reason")
    except (ValueError, AttributeError):
        reason = None
    if reason in FIELD_ERROR_REASONS and _only_bad_key_names(response.content):
        # A free-form object's keys (the consent report's template ids) with a character the
        # boundary refuses everywhere (control characters, lone surrogates): OpenAPI 3.0 has no
        # key pattern that schemathesis honours, so the document cannot promise otherwise.
        return None
    if response.status_code == 400 or reason in FIELD_ERROR_REASONS:
        raise AssertionError(
            f"schema-valid input refused with {response.status_code} {reason}: "
            f"{response.content[:300]!r}"
        )
    return None


def _only_bad_key_names(content: bytes) -> bool:
    """Whether every field error of the answer is the boundary's refusal of a key's name."""
    try:
        errors = json.loads(content).get("errors") or {}
    except (ValueError, AttributeError):
        return False
    messages = [m for ms in errors.values() if isinstance(ms, list) for m in ms]
    return (
        bool(messages)
        and len(messages) == sum(len(v) for v in errors.values())
        and all(m == "字段名含有无效字符" for m in messages)
    )


@pytest.fixture
def live(app) -> Iterator[str]:
    """The demo mine in the suite's database, served over HTTP on a free port."""
    from demo.assessments import seed_assessments
    from demo.honours import seed_honours
    from demo.meetings import seed_meetings
    from demo.pairings import seed_pairing_duties, seed_pairings
    from demo.people import seed_people
    from demo.points import seed_points
    from demo.votes import seed_votes
    from demo.wishes import seed_wishes
    from demo.zones import seed_zones

    with app.app_context():
        restart_ids()
        seed_people()
        seed_pairings()
        seed_pairing_duties()
        seed_wishes()
        seed_votes()
        seed_points()
        seed_zones()
        seed_assessments()
        seed_meetings()
        seed_honours()
        db.session.commit()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(10)


def _examples(app) -> int:
    if EXAMPLES_OVERRIDE:
        return int(EXAMPLES_OVERRIDE)
    uri = app.config["SQLALCHEMY_DATABASE_URI"]
    return EMBEDDED_EXAMPLES if uri.startswith("sqlite") else SERVER_EXAMPLES


class Run:
    """What one run saw: checks run, failures, and per operation the answers' statuses (all
    cases, and those generated in positive mode)."""

    def __init__(self) -> None:
        self.ran = 0
        self.failures: dict[tuple[str, str], list[str]] = collections.defaultdict(list)
        self.statuses: dict[str, collections.Counter] = collections.defaultdict(collections.Counter)
        self.positive: dict[str, collections.Counter] = collections.defaultdict(collections.Counter)
        self.logins = 0
        self.reasons: collections.Counter = collections.Counter()

    def table(self) -> str:
        """Per operation: how many answers of each status (positive-mode 2xx share)."""
        lines = []
        for op in sorted(self.statuses):
            counts = self.statuses[op]
            pos = self.positive[op]
            share = _share_2xx(pos)
            codes = " ".join(f"{code}×{n}" for code, n in sorted(counts.items()))
            lines.append(f"{op:<70} 2xx {share:5.0%} of {sum(pos.values()):4} positive | {codes}")
        return "\n".join(lines)


def _share_2xx(counts: collections.Counter) -> float:
    total = sum(counts.values())
    return sum(n for code, n in counts.items() if 200 <= code < 300) / total if total else 0.0


def run_schemathesis(base: str, who: str | None, examples: int) -> Run:
    """Run every phase and check as `who` (a demo login) or anonymously.

    The identity's token is its own operations' to destroy (POST /auth/logout revokes it): the
    auth provider logs in again when an answer is 401 and schemathesis sends that case again
    with the fresh token, so a logout in the stateful phase does not turn the rest of the run
    into a test of a revoked token. Marking oneself left is refused by the app (409), and the
    last committee member cannot be removed, and nobody unbinds their own account (409)."""
    config = SchemathesisConfig.from_dict(
        {
            "seed": SEED,
            "workers": 1,
            "generation": {"mode": "all", "max-examples": examples, "database": "none"},
            "phases": {name: {"enabled": True} for name in PHASES},
            "checks": {
                "enabled": True,
                "positive_data_acceptance": {
                    # 415: schemathesis's files are random bytes, and a file that is not a JPEG,
                    # PNG or WebP is refused as unsupported_media_type (docs/API.md).
                    "expected-statuses": [
                        "2xx",
                        "3xx",
                        "401",
                        "403",
                        "404",
                        "409",
                        "415",
                        "422",
                        "429",
                    ]
                },
            },
        }
    )
    schema = schemathesis.openapi.from_url(f"{base}/api/v1/openapi.json", config=config)
    run = Run()
    if who is not None:

        @schema.auth()
        class DemoLogin:
            def get(self, case: Any, ctx: Any) -> str:
                run.logins += 1
                r = requests.post(
                    f"{base}/api/v1/auth/login", json={"code": f"demo:{who}"}, timeout=10
                )
                return r.json()["token"]

            def set(self, case: Any, token: str, ctx: Any) -> None:
                case.headers = {**(case.headers or {}), "Authorization": f"Bearer {token}"}

    for event in from_schema(schema).execute():
        if isinstance(event, events.ScenarioFinished):
            for case_id, interaction in event.recorder.interactions.items():
                node = event.recorder.cases.get(case_id)
                if node is None or interaction.response is None:
                    continue
                case = node.value
                op = case.operation.label
                status = interaction.response.status_code
                run.statuses[op][status] += 1
                if status in (401, 403):
                    try:
                        reason = json.loads(interaction.response.content or b"{}").get("reason")
                    except (ValueError, AttributeError):
                        reason = None
                    run.reasons[(status, reason)] += 1
                if case.meta is not None and case.meta.generation.mode.is_positive:
                    run.positive[op][status] += 1
            for case_id, nodes in event.recorder.checks.items():
                for node in nodes:
                    run.ran += 1
                    if node.status.name != "FAILURE":
                        continue
                    case = event.recorder.cases[case_id].value
                    info = node.failure_info
                    text = info.failure.message if info else ""
                    run.failures[(event.label or "?", node.name)].append(
                        f"{text[:200]} | body={str(case.body)[:200]} query={case.query}"
                    )
        elif isinstance(event, events.NonFatalError):
            run.failures[(event.label, "error")].append(str(event.value)[:300])
        elif isinstance(event, events.FatalError):
            run.failures[("engine", "fatal")].append(repr(event.exception)[:300])
    return run


# The 2xx floor: of the answers to schema-valid (positive-mode) cases of each operation that the
# identity may use, at least FLOOR must be 2xx, once the operation got MIN_CASES of them. A run
# whose token was revoked or whose identity was marked left (issue 19 item 15: 2,912
# token_revoked, then 8,248 × 403) is far below it on every operation. Observed on SQLite with
# 6 examples: the floored operations answer 2xx 40–100 % of the time.
FLOOR = 0.15
MIN_CASES = 4

# Operations kept out of the floor, and why. A schema cannot say which ids exist or which state
# a campaign or wish is in, so an operation whose success needs an existing id in a given state
# is mostly 404/409 however well the run goes; each is covered by its domain's own tests.
EXEMPT_ALL = {
    r"POST /api/v1/auth/login$": "random codes are no WeChat codes (401); the auth provider's "
    "own logins are all 200",
    r"POST /api/v1/auth/bind$": "the identity is bound already (409), failures rate-limited (429)",
    r" /api/v1/wechat/push$": "the push is not configured in the suite (404): tests/wechat",
    r" /api/v1/console-logins/": "tickets are 24 random characters: tests/console",
    r"GET /api/v1/campaign-photos/": "random photo names",
    r"GET /api/v1/campaigns/\{campaign_id\}/candidates/\{candidate_id\}/qrcode$": (
        "a candidate of that very campaign (random id pairs are 404): tests/votes"
    ),
    r"GET /api/v1/uploads/\{upload_id\}/content$": "needs a signed link of a stored upload",
    r"GET /api/v1/campaigns/\{campaign_id\}/results$": "409 until the campaign is published",
    r"POST /api/v1/wishes/\{wish_id\}/(claim|confirm|fulfil|release|review|withdraw|close)$": (
        "a wish in the right state and relation to the caller: tests/wishes"
    ),
    r"POST /api/v1/campaigns/\{campaign_id\}/(objections|votes)$": "an open campaign or its 公示",
    r" /api/v1/admin/campaigns": "campaign steps depend on its state and dates: tests/votes",
    r" /api/v1/admin/(ballots|objections)/": "an existing ballot or objection: tests/votes",
    r" /api/v1/pairing-reviews/": "reviews exist after a transfer only: tests/roster",
    r"POST /api/v1/admin/points": "an existing 工号 / request of another member: tests/points",
    r"POST /api/v1/admin/(roster|grants)$": "a roster workbook / an existing 工号: tests/roster",
    r"POST /api/v1/admin/photos/": "an upload waiting for review: tests/media",
    r"(POST|PUT) /api/v1/talks": "writes need a pairing of the caller's: tests/pairings",
    r"(POST|DELETE) /api/v1/pairings": "a member and employee of the caller's branch",
    r"PUT /api/v1/employees/": "an employee paired with the caller",
    # 必访必谈 and 传帮带 (the live fixture seeds a few): writes are the branch secretary's, the
    # paired member's or the assignee's, and reads of one record need an id of the caller's.
    r"POST /api/v1/care-events": "the secretary or the paired member; closing: the assignee",
    r"GET /api/v1/care-events/\{event_id\}$": "an event the caller may read: tests/pairings",
    r"PUT /api/v1/admin/care-event-kinds/": "one of twelve kind names (random strings 404)",
    r"POST /api/v1/mentorships": "the branch secretary; sessions the mentor: tests/pairings",
    r"GET /api/v1/mentorships/\{mentorship_id\}$": "a pair the caller may see: tests/pairings",
    r"POST /api/v1/inbox/\{": "an inbox item of the caller's: tests/notifications",
    r"POST /api/v1/dangers$": "text or a photo, and a zone or a place, are needed (rules no "
    "schema states): tests/zones",
    r"POST /api/v1/dangers/\{danger_id\}/": "a danger in the right state and relation to the "
    "caller: tests/zones",
    r"POST /api/v1/assessments/(months|deductions|objections)/": "a month in the right step "
    "and an office of the caller's: tests/assessments",
    r"POST /api/v1/assessments/visits$": "a 包保 unit of the caller's office: tests/assessments",
    r"POST /api/v1/assessments/leader-nominations$": "a 班组 of a 区队 the caller leads: "
    "tests/assessments",
    r"POST /api/v1/admin/assessments/": "steps that depend on the month's state (open, "
    "submitted, locked), and templates whose items must add up to 100: tests/assessments",
    r"POST /api/v1/zones/\{zone_id\}/patrols$": "a zone the caller holds, items from its "
    "checklist: tests/zones",
    r"POST /api/v1/people/\{person_id\}/photo$": "oneself or a person of the caller's branch, "
    "and an upload of the caller's not yet used: tests/zones",
    # 三会一课: the fixture seeds the demo quarter (13 meetings), but an operation on one needs
    # a meeting of the caller's branch in the right state (on now, ahead, not closed) and,
    # for a sign-in, the code of the moment; their 2xx paths are in tests/meetings.
    r" /api/v1/meetings/\{meeting_id\}": "a meeting of the caller's in the right state",
    r"POST /api/v1/meetings$": "a branch of the caller's, an end within 12 h of its start",
    r"POST /api/v1/admin/pledges/\{pledge_id\}/review$": "another member's pledge, not yet "
    "reviewed at that stage: tests/meetings",
    r"POST /api/v1/admin/rulebook$": "a new code, or a new day for one, of a source without "
    "a rule: tests/points",
    r"POST /api/v1/admin/deeds$": "a wish_id, when given, of a fulfilled wish not yet a deed "
    "(the demo's is one already): tests/meetings",
    # Issue 22: the live fixture seeds the demo roll (honours 1–18, one revoked) and a campaign
    # taking nominations; what needs a secretary, a pending nomination or a matching id pair
    # is covered by tests/votes (test_nominations, test_poster) and tests/honours.
    r"GET /api/v1/campaigns/\{campaign_id\}/candidates/\{candidate_id\}/poster$": (
        "a candidate of that very campaign (random id pairs are 404): tests/votes"
    ),
    r"POST /api/v1/campaigns/\{campaign_id\}/nominations$": "a secretary, in the window",
    r" /api/v1/(admin/)?nominations/\{": "an existing nomination in the right state",
    r"POST /api/v1/admin/honours/\{honour_id\}/(revoke|restore)$": (
        "an honour standing (revoke) or revoked (restore): tests/honours"
    ),
}
EXEMPT_OF = {
    "committee": {},
    # An ordinary miner (not a party member): the managers' and members' operations are 403
    # by design, which the built-in checks already hold them to.
    "miner": {
        r" /api/v1/admin/": "committee only",
        r" /api/v1/branches/": "secretary or committee only",
        r" /api/v1/employees/": "party members paired with the employee",
        r"(GET|PUT) /api/v1/(pairings|points|pledges)/mine(/rank)?$": "party members only",
        r"GET /api/v1/meetings$": "secretary or committee only",
        r"GET /api/v1/talks/\{talk_id\}$": "a miner has no talks of their own to read",
        r" /api/v1/zones": "zones are party members' and their managers'",
        r" /api/v1/violations": "三违 are recorded by party members, seen by the committee",
        r" /api/v1/assessments/": "the assessment is the offices' and the committee's",
        r"GET /api/v1/care-event": "party members, secretaries and committee only",
        r" /api/v1/(nominations/campaigns|campaigns/\{campaign_id\}/nominations)": (
            "secretaries and the committee only"
        ),
    },
}


def below_floor(run: Run, who: str) -> list[str]:
    """Operations of this identity whose positive-mode answers are under the 2xx floor."""
    exempt = {**EXEMPT_ALL, **EXEMPT_OF[who]}
    low = []
    for op, counts in sorted(run.positive.items()):
        if any(re.search(pattern, op) for pattern in exempt):
            continue
        if sum(counts.values()) >= MIN_CASES and _share_2xx(counts) < FLOOR:
            low.append(f"{op}: {_share_2xx(counts):.0%} 2xx of {dict(counts)}")
    return low


# Defects this run found once its token stayed alive, fixed by issue 19 item 14 on another
# branch (approve accepts 0/1/"true"; unknown multipart fields accepted; 415 for a file the
# spec allows, an empty one included). Reported (printed) but not failed on until that
# branch is merged: the lead empties this set at the merge.
PENDING_ITEM_14: tuple[tuple[str, str], ...] = ()


def _pending(failures: dict) -> dict:
    """The failures left once those of PENDING_ITEM_14 are set aside (and printed)."""
    left: dict = collections.defaultdict(list)
    for (operation, check), details in failures.items():
        for d in details:
            if any(check == c and text in d for c, text in PENDING_ITEM_14):
                print(f"pending item 14: {operation} — {check}: {d[:160]}")
            else:
                left[(operation, check)].append(d)
    return left


def _report(failures: dict) -> str:
    lines = []
    for (operation, check), details in sorted(failures.items()):
        lines.append(f"{operation} — {check}: {len(details)}")
        lines.extend(f"    {d}" for d in details[:2])
    return "\n".join(lines)


@pytest.mark.parametrize("who", ["committee", "miner"])
def test_schemathesis_finds_nothing_as(app, live, who):
    """issue 9 #17: all checks, positive and negative, zero failures, on the live app."""
    run = run_schemathesis(live, who, _examples(app))
    print(f"\nschemathesis as {who}: {run.ran} checks, {run.logins} logins\n{run.table()}")
    print("401/403 reasons:", run.reasons.most_common())
    assert run.ran > 1000, run.ran
    failures = _pending(run.failures)
    assert not failures, _report(failures)
    # the identity stayed alive: a revoked token is renewed (and the case sent again)
    answers = sum(sum(c.values()) for c in run.statuses.values())
    assert run.reasons[(401, "token_revoked")] <= answers // 100, run.reasons
    assert run.reasons[(403, "person_left")] + run.reasons[(403, "not_bound")] == 0, run.reasons
    low = below_floor(run, who)
    assert not low, "under the 2xx floor:\n" + "\n".join(low)


def test_schemathesis_finds_nothing_anonymously(app, live):
    """Without a token: every protected operation is a 401 in the API's shape, whatever is sent."""
    run = run_schemathesis(live, None, 3)
    print(f"\nschemathesis anonymously: {run.ran} checks\n{run.table()}")
    assert run.ran > 200, run.ran
    assert not run.failures, _report(run.failures)
