"""Issue 9: arbitrary Unicode text in every text field of every POST (and PUT/PATCH) never gets a
5xx, nothing stored holds a character the boundary refuses, and every export still opens.

The targets are read from the OpenAPI document (every string property of every JSON request
body that is not an enum or a date-time), so a text field added later is fed too; a target
without a scenario below fails the test rather than being skipped.
"""

from __future__ import annotations

import io
import json
from datetime import timedelta
from types import SimpleNamespace
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from miniapp_api.fields import NEVER_ALLOWED
from models import Unit, Upload, db, utcnow

EXAMPLES = 15
# Any code point, lone surrogates and controls included (JSON carries them as \u escapes).
TEXT = st.text(st.characters(exclude_categories=()), max_size=80) | st.sampled_from(
    ["", " ", "\x00", "\ud800", "=1+1", "\u202e", "\ufeff", "a" * 6000, "\U0001fffe", "\r\n"]
)


def text_targets(spec: dict) -> set[tuple[str, str, str]]:
    """(METHOD, path template, dotted field) for every free-text property of a JSON body."""
    schemas = spec["components"]["schemas"]

    def resolve(s: dict) -> dict:
        return schemas[s["$ref"].split("/")[-1]] if "$ref" in s else s

    found: set[tuple[str, str, str]] = set()
    for path, operations in spec["paths"].items():
        for method, op in operations.items():
            if method not in ("post", "put", "patch"):
                continue
            body = op.get("requestBody", {}).get("content", {}).get("application/json")
            if body is None:
                continue
            stack = [(resolve(body["schema"]), "")]
            while stack:
                schema, prefix = stack.pop()
                for name, prop in schema.get("properties", {}).items():
                    prop = resolve(prop)
                    if "properties" in prop:
                        stack.append((prop, f"{prefix}{name}."))
                    elif prop.get("type") == "string" and "enum" not in prop:
                        if prop.get("format") not in ("date-time", "binary"):
                            found.add((method.upper(), path, prefix + name))
    return found


def _is_text(column) -> bool:
    try:
        return column.type.python_type is str
    except NotImplementedError:
        return False


def set_field(body: dict, dotted: str, value: str) -> dict:
    body = json.loads(json.dumps(body))
    *parents, last = dotted.split(".")
    node = body
    for p in parents:
        node = node.setdefault(p, {})
    node[last] = value
    return body


def feed(client, method: str, url: str, headers: dict, base: dict, field: str) -> None:
    """Arbitrary text in one field of an otherwise valid body: never a 5xx, always JSON."""

    @settings(
        max_examples=EXAMPLES,
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(text=TEXT)
    def send(text: str) -> None:
        body = json.dumps(set_field(base, field, text))  # ASCII: surrogates as \u escapes
        r = client.open(
            url, method=method, data=body, headers={**headers, "Content-Type": "application/json"}
        )
        assert r.status_code < 500, (method, url, field, repr(text), r.get_data()[:200])
        assert json.loads(r.get_data()) is not None

    send()


@pytest.fixture
def wishes_unlimited(app):
    """Posting limits out of the way: the scenarios post many wishes."""
    app.config["WISH_POST_LIMITS"] = "100000 per hour"
    yield
    app.config["WISH_POST_LIMITS"] = "20 per hour;50 per day"


@pytest.mark.usefixtures("wishes_unlimited")
def test_issue9_arbitrary_text_in_every_field_never_breaks_anything(
    app,
    client,
    world,
    new_team,
    new_pairing,
    log_talk,
    new_campaign,
    cast_vote,
    new_wish,
    upload_wish_photo,
    assessment_text_fields,
    meeting_text_fields,
    pairing_text_fields,
):
    team = new_team(members=2, employees=2)
    member, employee = team.members[0], team.employees[0]
    new_pairing(team, member, employee)
    talk = log_talk(team.h(member), employee)
    committee, second = world.committee(), world.committee()
    boss, boss2 = world.headers(committee), world.headers(second)
    setup = new_campaign(per_category=1, categories=("safety",))
    candidate_id = setup.candidates["safety"][0]
    ballot = cast_vote(setup, world.headers(world.person(setup.branch)), candidate_id).json
    draft = new_campaign(per_category=1, categories=("reform",), open_it=False)
    draft_candidate = draft.candidates["reform"][0]
    wisher = world.person(team.branch)

    scene = SimpleNamespace(h=team.h, secretary=team.secretary, wisher=wisher)
    wish_id = new_wish(scene)
    claimed = new_wish(scene)
    client.post(f"/api/v1/wishes/{claimed}/claim", headers=team.h(member))
    photo = upload_wish_photo(scene, member).json["id"]
    requested = client.post(
        "/api/v1/admin/points",
        json={"employee_no": team.members[1].employee_no, "delta": 3, "reason": "加分"},
        headers=team.sec,
    ).json["id"]
    sheet_csv = f"工号,积分\n{setup.candidate_people[candidate_id].employee_no},80\n".encode()
    sheet = client.post(
        f"/api/v1/admin/campaigns/{setup.campaign_id}/points-sheet",
        data={"file": (io.BytesIO(sheet_csv), "s.csv")},
        headers=setup.committee_headers,
    ).json["id"]
    token = client.post("/api/v1/auth/login", json={"code": "demo:text-binder"}).json["token"]
    # 公示: a closed campaign in its notice period, one objection waiting for an answer.
    notice = new_campaign(per_category=1, categories=("emergency",))
    winner = notice.candidates["emergency"][0]
    objector = world.headers(world.person(notice.branch))
    assert cast_vote(notice, objector, winner).status_code == 201
    admin = f"/api/v1/admin/campaigns/{notice.campaign_id}"
    client.post(f"{admin}/close", headers=notice.committee_headers)
    r = client.post(f"{admin}/notice", json={"days": 3}, headers=notice.committee_headers)
    assert r.status_code == 200, r.json
    r = client.post(
        f"/api/v1/campaigns/{notice.campaign_id}/objections",
        json={"candidate_id": winner, "reason": "该候选人事迹与实际不符"},
        headers=world.headers(world.person(notice.branch)),
    )
    assert r.status_code == 201, r.json
    objection = r.json["id"]
    # A tie at the 名额 boundary in 公示 (no votes: both candidates at 0), for the committee.
    tied = new_campaign(per_category=2, categories=("publicity",))
    tied_admin = f"/api/v1/admin/campaigns/{tied.campaign_id}"
    client.post(f"{tied_admin}/close", headers=tied.committee_headers)
    r = client.post(f"{tied_admin}/notice", json={"days": 3}, headers=tied.committee_headers)
    assert r.status_code == 200, r.json
    # A photo WeChat could not judge, waiting for a person.
    review_photo = upload_wish_photo(scene, wisher).json["id"]
    with app.app_context():
        db.session.execute(
            db.update(Upload).where(Upload.id == review_photo).values(check_status="review")
        )
        db.session.commit()
    future = (utcnow() + timedelta(days=30)).isoformat()
    later = (utcnow() + timedelta(days=31)).isoformat()
    talk_body = {"talked_at": talk["talked_at"], "mode": "phone", "topics": "谈心"}
    # 党员责任区: a zone of the team's 区队, a danger fixed (to verify) and one assigned (to fix).
    with app.app_context():
        unit_id = db.session.scalar(db.select(Unit.id).where(Unit.branch_id == team.branch.id))
    zone_body = {"unit_id": unit_id, "name": "工作面", "place": "机巷", "member_id": member.id}
    zone = client.post("/api/v1/zones", json=zone_body, headers=team.sec).json["id"]
    fixer = team.employees[1]
    danger_base = {"level": "general", "place": "主井口", "description": "隐患"}

    def danger_to(state: str) -> int:
        danger = client.post("/api/v1/dangers", json=danger_base, headers=team.h(employee)).json
        client.post(
            f"/api/v1/dangers/{danger['id']}/assign", json={"fixer_id": fixer.id}, headers=team.sec
        )
        if state == "fixed":
            fix_photo = upload_wish_photo(scene, fixer).json["id"]
            r = client.post(
                f"/api/v1/dangers/{danger['id']}/fix",
                json={"photo_ids": [fix_photo]},
                headers=team.h(fixer),
            )
            assert r.status_code == 200, r.json
        return danger["id"]

    to_fix, to_verify = danger_to("assigned"), danger_to("fixed")
    fix_photos = [upload_wish_photo(scene, fixer).json["id"]]

    # (headers, concrete path, base body) for each operation with text fields.
    scenarios: dict[tuple[str, str], tuple[dict[str, str], str, dict[str, Any]]] = {
        ("POST", "/api/v1/auth/login"): ({}, "/api/v1/auth/login", {"code": "demo:x"}),
        ("POST", "/api/v1/auth/bind"): (
            {"Authorization": f"Bearer {token}"},
            "/api/v1/auth/bind",
            {"employee_no": "1", "name": "张", "phone_tail": "1234"},
        ),
        ("POST", "/api/v1/admin/grants"): (
            boss,
            "/api/v1/admin/grants",
            {"employee_no": member.employee_no, "role": "secretary", "branch": "x"},
        ),
        ("POST", "/api/v1/admin/campaigns"): (
            boss,
            "/api/v1/admin/campaigns",
            {"title": "评选", "starts_at": future, "ends_at": later},
        ),
        ("PATCH", "/api/v1/admin/campaigns/{campaign_id}"): (
            draft.committee_headers,
            f"/api/v1/admin/campaigns/{draft.campaign_id}",
            {"title": "评选"},
        ),
        ("POST", "/api/v1/admin/campaigns/{campaign_id}/candidates"): (
            draft.committee_headers,
            f"/api/v1/admin/campaigns/{draft.campaign_id}/candidates",
            {"employee_no": team.members[1].employee_no, "category": "reform", "story": "x"},
        ),
        ("PATCH", "/api/v1/admin/campaigns/{campaign_id}/candidates/{candidate_id}"): (
            draft.committee_headers,
            f"/api/v1/admin/campaigns/{draft.campaign_id}/candidates/{draft_candidate}",
            {"story": "x"},
        ),
        ("POST", "/api/v1/admin/ballots/{ballot_id}/void"): (
            setup.committee_headers,
            f"/api/v1/admin/ballots/{ballot['ballot_id']}/void",
            {"reason": "刷票"},
        ),
        ("POST", "/api/v1/wishes"): (
            team.h(wisher),
            "/api/v1/wishes",
            {"title": "书包", "content": "内容", "category": "study"},
        ),
        ("POST", "/api/v1/wishes/{wish_id}/review"): (
            team.sec,
            f"/api/v1/wishes/{wish_id}/review",
            {"approve": False, "reason": "x"},
        ),
        ("POST", "/api/v1/wishes/{wish_id}/release"): (
            team.h(member),
            f"/api/v1/wishes/{claimed}/release",
            {"reason": "x"},
        ),
        ("POST", "/api/v1/wishes/{wish_id}/fulfil"): (
            team.h(member),
            f"/api/v1/wishes/{claimed}/fulfil",
            {"note": "x", "photo_ids": [photo]},
        ),
        ("POST", "/api/v1/wishes/{wish_id}/confirm"): (
            team.h(wisher),
            f"/api/v1/wishes/{claimed}/confirm",
            {"rating": 5, "thanks": "x"},
        ),
        ("POST", "/api/v1/wishes/{wish_id}/withdraw"): (
            team.h(wisher),
            f"/api/v1/wishes/{wish_id}/withdraw",
            {"reason": "x"},
        ),
        ("POST", "/api/v1/wishes/{wish_id}/close"): (
            team.sec,
            f"/api/v1/wishes/{wish_id}/close",
            {"reason": "x"},
        ),
        ("PUT", "/api/v1/employees/{person_id}/care-flags"): (
            team.sec,
            f"/api/v1/employees/{employee.id}/care-flags",
            {"flags": ["hardship"], "note": "x"},
        ),
        ("POST", "/api/v1/talks"): (
            team.h(member),
            "/api/v1/talks",
            {**talk_body, "employee_id": employee.id},
        ),
        ("PUT", "/api/v1/talks/{talk_id}"): (
            team.h(member),
            f"/api/v1/talks/{talk['id']}",
            talk_body,
        ),
        ("POST", "/api/v1/talks/{talk_id}/corrections"): (
            team.h(member),
            f"/api/v1/talks/{talk['id']}/corrections",
            talk_body,
        ),
        ("POST", "/api/v1/talks/{talk_id}/wish"): (
            team.h(member),
            f"/api/v1/talks/{talk['id']}/wish",
            {"title": "书包", "content": "内容", "category": "study"},
        ),
        ("POST", "/api/v1/admin/points"): (
            team.sec,
            "/api/v1/admin/points",
            {
                "employee_no": team.members[1].employee_no,
                "delta": 1,
                "reason": "x",
                "evidence": "x",
            },
        ),
        ("POST", "/api/v1/campaigns/{campaign_id}/objections"): (
            objector,
            f"/api/v1/campaigns/{notice.campaign_id}/objections",
            {"candidate_id": winner, "reason": "该候选人事迹与实际不符"},
        ),
        ("POST", "/api/v1/admin/objections/{objection_id}/answer"): (
            notice.committee_headers,
            f"/api/v1/admin/objections/{objection}/answer",
            {"upheld": False, "reason": "经核实，事迹属实"},
        ),
        ("POST", "/api/v1/admin/campaigns/{campaign_id}/tie"): (
            tied.committee_headers,
            f"{tied_admin}/tie",
            {"category": "publicity", "candidate_ids": tied.candidates["publicity"][:1]},
        ),
        ("POST", "/api/v1/admin/photos/{upload_id}/judge"): (
            team.sec,
            f"/api/v1/admin/photos/{review_photo}/judge",
            {"approve": True, "reason": "x"},
        ),
        ("POST", "/api/v1/admin/campaigns/{campaign_id}/points-sheets/{sheet_id}/decide"): (
            boss2,
            f"/api/v1/admin/campaigns/{setup.campaign_id}/points-sheets/{sheet}/decide",
            {"approve": True, "reason": "x"},
        ),
        ("POST", "/api/v1/admin/points/requests/{request_id}/decide"): (
            boss2,
            f"/api/v1/admin/points/requests/{requested}/decide",
            {"approve": True, "reason": "x"},
        ),
        ("POST", "/api/v1/zones"): (team.sec, "/api/v1/zones", zone_body),
        ("PATCH", "/api/v1/zones/{zone_id}"): (team.sec, f"/api/v1/zones/{zone}", {"name": "x"}),
        ("POST", "/api/v1/zones/{zone_id}/patrols"): (
            team.h(member),
            f"/api/v1/zones/{zone}/patrols",
            {"patrolled_at": talk["talked_at"], "findings": "x"},
        ),
        ("POST", "/api/v1/dangers"): (team.h(employee), "/api/v1/dangers", danger_base),
        ("POST", "/api/v1/dangers/{danger_id}/fix"): (
            team.h(fixer),
            f"/api/v1/dangers/{to_fix}/fix",
            {"note": "x", "photo_ids": fix_photos},
        ),
        ("POST", "/api/v1/dangers/{danger_id}/verify"): (
            team.h(employee),
            f"/api/v1/dangers/{to_verify}/verify",
            {"accept": False, "note": "x"},
        ),
        ("POST", "/api/v1/violations"): (
            team.h(member),
            "/api/v1/violations",
            {"offender_name": "张某", "kind": "operation", "rule": "x", "action_taken": "y"},
        ),
        ("POST", "/api/v1/subscriptions"): (
            team.h(member),
            "/api/v1/subscriptions",
            {"request_id": "req-1", "results": {"TPL-UNKNOWN": "accept"}},
        ),
    }
    with app.app_context():
        from accounts.console_tickets import new_ticket

        ticket = new_ticket("127.0.0.1", user_agent="test")
        ticket_id, code = ticket.id, ticket.code
        db.session.commit()
    scenarios[("POST", "/api/v1/console-logins/{ticket}/confirm")] = (
        team.sec,
        f"/api/v1/console-logins/{ticket_id}/confirm",
        {"code": code},
    )
    scenarios.update(assessment_text_fields())
    scenarios.update(meeting_text_fields())
    scenarios.update(pairing_text_fields(team))
    scenarios.update(honour_scenarios(app, client, world, team, new_campaign))
    targets = text_targets(client.get("/api/v1/openapi.json").json)
    missing = {(m, p) for m, p, _ in targets} - set(scenarios)
    assert not missing, f"text fields without a scenario: {sorted(missing)}"

    for method, path, field in sorted(targets):
        headers, url, base = scenarios[(method, path)]
        feed(client, method, url, headers, base, field)

    # Nothing stored holds a character the boundary refuses...
    with app.app_context():
        for table in db.metadata.sorted_tables:
            texts = [c for c in table.columns if _is_text(c)]
            for row in db.session.execute(db.select(*texts)) if texts else []:
                for value in row:
                    assert not (isinstance(value, str) and NEVER_ALLOWED.search(value)), (
                        table.name,
                        value,
                    )
    # ...and every ledger still opens.
    for url, headers in (
        ("/api/v1/admin/wishes/export.xlsx", boss),
        (f"/api/v1/admin/campaigns/{setup.campaign_id}/export.xlsx", setup.committee_headers),
        (f"/api/v1/admin/campaigns/{draft.campaign_id}/export.xlsx", draft.committee_headers),
        (f"/api/v1/branches/{team.branch.id}/talks/export.xlsx?month={talk['month']}", team.sec),
        ("/api/v1/admin/points/export.xlsx?period=all", boss),
        (
            f"/api/v1/admin/talks/export.xlsx?month={talk['month']}",
            world.headers(world.committee(world.default_mine())),
        ),
        (f"/api/v1/branches/{team.branch.id}/mentorships/export.xlsx", team.sec),
    ):
        r = client.get(url, headers=headers)
        assert r.status_code == 200, url
        load_workbook(io.BytesIO(r.data))


def honour_scenarios(app, client, world, team, new_campaign) -> dict:
    """Nominations (a campaign in its window, one pending nomination) and honours (one standing,
    one revoked) for the text fields of issue 22's endpoints."""
    from datetime import date

    from models import Honour

    nominating = new_campaign(per_category=0, open_it=False)
    base = f"/api/v1/admin/campaigns/{nominating.campaign_id}"
    ends = (utcnow() + timedelta(days=3)).isoformat()
    r = client.post(
        f"{base}/nominations/window", json={"ends_at": ends}, headers=nominating.committee_headers
    )
    assert r.status_code == 200, r.json
    story = "十年如一日坚守采煤一线，带头排查隐患。"
    r = client.post(
        f"/api/v1/campaigns/{nominating.campaign_id}/nominations",
        json={"person_id": team.members[0].id, "category": "safety", "story": story},
        headers=team.sec,
    )
    assert r.status_code == 201, r.json
    pending = r.json["id"]
    with app.app_context():
        mine_id = team.branch.mine_id
        rows = [
            Honour(
                mine_id=mine_id,
                kind="person",
                person_id=team.members[0].id,
                category="safety",
                title="2024 年度“安全生产监督员”",
                year=2024,
                citation="事迹",
                awarded_on=date(2025, 1, 15),
                revoked_at=utcnow() if revoked else None,
                revoke_reason="违纪" if revoked else None,
            )
            for revoked in (False, True)
        ]
        db.session.add_all(rows)
        db.session.commit()
        standing, revoked = rows[0].id, rows[1].id
    committee = world.headers(world.committee())
    return {
        ("POST", "/api/v1/campaigns/{campaign_id}/nominations"): (
            team.sec,
            f"/api/v1/campaigns/{nominating.campaign_id}/nominations",
            {"person_id": team.members[1].id, "category": "safety", "story": story},
        ),
        ("POST", "/api/v1/admin/nominations/{nomination_id}/review"): (
            nominating.committee_headers,
            f"/api/v1/admin/nominations/{pending}/review",
            {"accept": False, "reason": "x"},
        ),
        ("POST", "/api/v1/admin/honours/{honour_id}/revoke"): (
            committee,
            f"/api/v1/admin/honours/{standing}/revoke",
            {"reason": "违纪处分"},
        ),
        ("POST", "/api/v1/admin/honours/{honour_id}/restore"): (
            committee,
            f"/api/v1/admin/honours/{revoked}/restore",
            {"reason": "误撤销"},
        ),
    }
