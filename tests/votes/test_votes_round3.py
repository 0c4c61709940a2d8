"""issue 18: the seven ways the count could still drift, and the reconciler.

One test (or more) per numbered item of the issue; faults are injected as in
test_votes_faults.py: a Redis server of our own, a held transaction, a process that dies
between the vote script and the COMMIT (an exception no handler catches)."""

from __future__ import annotations

import io
import logging
import threading
import time

import pytest
from sqlalchemy.exc import OperationalError

from models import Campaign, Person, db, get_redis
from tests.support.concurrency import fire_at_once
from votes import ballots, live

pytestmark = pytest.mark.usefixtures("fresh_vote_path")


def _raw_tally(app, campaign_id: int) -> dict[int, int]:
    with app.app_context():
        return {k: v for k, v in live.raw_state(campaign_id)["tally"].items() if v}


# --- item 7: verify-tallies and the eviction policy ---------------------------------------------


def test_issue18_7_verify_tallies_on_a_missing_campaign(app):
    result = app.test_cli_runner().invoke(args=["votes", "verify-tallies", "--campaign", "999999"])
    assert result.exit_code == 1, result.output
    assert not isinstance(result.exception, AttributeError)
    assert "campaign 999999: no such campaign" in result.output


def test_issue18_7_not_built_is_one_line(app, client, world, new_campaign, cast_vote):
    setup = new_campaign()
    s0 = setup.candidates["safety"][0]
    assert cast_vote(setup, world.headers(world.person(setup.branch)), s0).status_code == 201
    with app.app_context():
        get_redis().flushdb()  # a Redis restarted without its data
    result = app.test_cli_runner().invoke(
        args=["votes", "verify-tallies", "--campaign", str(setup.campaign_id)]
    )
    assert result.exit_code == 1
    assert "not built" in result.output
    assert "!=" not in result.output  # no per-candidate lines against a Redis that is not built


@pytest.mark.parametrize("production", [False, True])
def test_issue18_7_eviction_policy_checked_at_start_up(
    app, caplog, production, use_redis, start_redis
):
    from votes.live import policy

    server = start_redis()
    saved = app.config["PRODUCTION"]
    try:
        with use_redis(server.client()), app.app_context():
            app.config["PRODUCTION"] = production
            policy.check_eviction_policy(app)  # noeviction: fine either way
            server.client().config_set("maxmemory-policy", "allkeys-lru")
            caplog.clear()
            if production:
                with pytest.raises(RuntimeError, match="noeviction"):
                    policy.check_eviction_policy(app)
            else:
                with caplog.at_level(logging.WARNING):
                    policy.check_eviction_policy(app)
                assert "noeviction" in caplog.text
    finally:
        app.config["PRODUCTION"] = saved
        server.stop()


# --- item 5: points frozen at 公示 ----------------------------------------------------------------


def _sheet(setup, points: dict[int, float]) -> bytes:
    rows = [f"{setup.candidate_people[c].employee_no},{p}" for c, p in points.items()]
    return ("工号,积分\n" + "\n".join(rows) + "\n").encode()


def test_issue18_5_no_points_sheet_from_notice_on(
    app, client, world, new_campaign, end_notice, decide_ties
):
    setup = new_campaign(categories=("reform",), weights={"votes": 0, "points": 1})
    a, b = setup.candidates["reform"]
    admin = setup.committee_headers
    base = f"/api/v1/admin/campaigns/{setup.campaign_id}"
    # Filed before 公示, decided during it.
    r = client.post(
        f"{base}/points-sheet",
        data={"file": (io.BytesIO(_sheet(setup, {a: 10, b: 90})), "s.csv")},
        headers=admin,
    )
    assert r.status_code == 201
    early = r.json["id"]
    client.post(f"{base}/close", headers=admin)
    assert client.post(f"{base}/notice", json={"days": 1}, headers=admin).status_code == 200
    r = client.post(
        f"{base}/points-sheet",
        data={"file": (io.BytesIO(_sheet(setup, {a: 10, b: 90})), "s.csv")},
        headers=admin,
    )
    assert r.status_code == 409 and r.json["reason"] == "campaign_locked", r.json
    r = client.post(
        f"{base}/points-sheets/{early}/decide",
        json={"approve": True, "reason": "与考核表一致"},
        headers=world.headers(world.committee()),
    )
    assert r.status_code == 409 and r.json["reason"] == "campaign_locked", r.json
    end_notice(setup.campaign_id)
    decide_ties(setup)  # no points, no votes: everyone tied
    assert client.post(f"{base}/publish", headers=admin).status_code == 200
    res = client.get(f"/api/v1/campaigns/{setup.campaign_id}/results", headers=admin).json
    assert res["points_source"] == "ledger"


def test_issue18_5_cli_import_refused_from_notice_on(app, client, world, tmp_path, new_campaign):
    setup = new_campaign(categories=("reform",))
    a, b = setup.candidates["reform"]
    admin = setup.committee_headers
    base = f"/api/v1/admin/campaigns/{setup.campaign_id}"
    client.post(f"{base}/close", headers=admin)
    assert client.post(f"{base}/notice", json={"days": 1}, headers=admin).status_code == 200
    path = tmp_path / "s.csv"
    path.write_bytes(_sheet(setup, {a: 1, b: 2}))
    result = app.test_cli_runner().invoke(
        args=["votes", "import-points", str(setup.campaign_id), str(path)]
    )
    assert result.exit_code != 0 and "campaign_locked" in result.output
    with app.app_context():
        assert db.session.get(Campaign, setup.campaign_id).points_source == "ledger"


# --- item 4: database-path ballots on MariaDB do not deadlock ------------------------------------


def test_issue18_4_database_path_burst_without_503(
    app, client, world, new_campaign, redis_down, ballot_count, read_board, db_board, cast_vote
):
    setup = new_campaign(categories=("safety",), per_category=2)
    s0, s1 = setup.candidates["safety"]
    voters = [world.headers(world.person(setup.branch)) for _ in range(24)]
    with redis_down():
        answers = fire_at_once(
            len(voters),
            lambda i: cast_vote(setup, voters[i], (s0, s1)[i % 2], via=app.test_client()),
        )
    assert [r.status_code for r in answers] == [201] * len(voters), [
        (r.status_code, r.json) for r in answers if r.status_code != 201
    ]
    assert ballot_count(setup.campaign_id, path="db") == len(voters)
    assert read_board(setup, voters[0]) == db_board(setup) == {s0: 12, s1: 12}


# --- item 1: a rebuild cannot install a count missing an uncommitted database-path ballot --------


def test_issue18_1_rebuild_waits_for_an_uncommitted_database_ballot(
    app, client, world, monkeypatch, new_campaign, db_board, read_board, cast_vote
):
    setup = new_campaign(categories=("safety",))
    s0, s1 = setup.candidates["safety"]
    h = [world.headers(world.person(setup.branch)) for _ in range(3)]
    assert cast_vote(setup, h[0], s0).status_code == 201
    assert cast_vote(setup, h[1], s1).status_code == 201
    with app.app_context():
        live.mark_stale_quietly(setup.campaign_id)  # the flag is already true

    reached, release = threading.Event(), threading.Event()
    real_redis_path, real_mark = ballots._cast_via_redis, live.mark_stale

    def redis_path(*args, **kwargs):
        if threading.current_thread().name == "db-voter":
            raise live.RedisDown()
        return real_redis_path(*args, **kwargs)

    def held_mark(campaign_id):
        real_mark(campaign_id)
        if threading.current_thread().name == "db-voter":
            reached.set()
            assert release.wait(30)  # the ballot's COMMIT is held here

    monkeypatch.setattr(ballots, "_cast_via_redis", redis_path)
    monkeypatch.setattr(live, "mark_stale", held_mark)
    answers: list = []
    voter = threading.Thread(
        target=lambda: answers.append(cast_vote(setup, h[2], s1, via=app.test_client())),
        name="db-voter",
    )
    voter.start()
    assert reached.wait(30)
    outcome: list = []

    def rebuild() -> None:
        with app.app_context():
            try:
                outcome.append(live.rebuild(setup.campaign_id))
            except Exception as exc:  # noqa: BLE001 - the test looks at it
                outcome.append(exc)
            finally:
                db.session.remove()

    rebuilder = threading.Thread(target=rebuild, name="rebuilder")
    rebuilder.start()
    time.sleep(1.5)
    release.set()
    voter.join(30)
    rebuilder.join(30)
    assert answers[0].status_code == 201, answers[0].json
    assert not isinstance(outcome[0], Exception), outcome
    assert db_board(setup) == {s0: 1, s1: 2}
    assert read_board(setup, h[0]) == {s0: 1, s1: 2}
    result = app.test_cli_runner().invoke(
        args=["votes", "verify-tallies", "--campaign", str(setup.campaign_id)]
    )
    assert result.exit_code == 0, result.output


# --- items 2 and 3: no "already voted" without a ballot ------------------------------------------


class Killed(BaseException):
    """The worker dies between the vote script and the COMMIT (no handler runs)."""


@pytest.mark.parametrize("revote_other_days", [True, False])
def test_issue18_2_failed_commits_do_not_leave_uses_behind(
    app,
    client,
    world,
    monkeypatch,
    revote_other_days,
    new_campaign,
    ballot_count,
    cast_vote,
    read_board,
    db_board,
):
    setup = new_campaign(categories=("safety",), rules={"revote_other_days": revote_other_days})
    s0 = setup.candidates["safety"][0]
    voters = [world.headers(world.person(setup.branch)) for _ in range(6)]
    barrier = threading.Barrier(len(voters), timeout=2)

    def failing_store(row):
        try:
            barrier.wait()  # all six passed vote.lua (SQLite serialises requests: it cannot)
        except threading.BrokenBarrierError:
            pass
        # Another in-flight vote failed first and marked the campaign for rebuild, so this
        # vote's undo finds another picture of Redis and does nothing.
        live.invalidate(row.campaign_id)
        raise OperationalError("COMMIT", {}, Exception("server closed the connection"))

    monkeypatch.setattr(ballots, "_store", failing_store)
    monkeypatch.setattr(ballots, "_landed_anyway", lambda row: None)
    answers = fire_at_once(
        len(voters), lambda i: cast_vote(setup, voters[i], s0, via=app.test_client())
    )
    assert {r.status_code for r in answers} == {503}
    monkeypatch.undo()
    assert ballot_count(setup.campaign_id) == 0
    retries = [cast_vote(setup, headers, s0) for headers in voters]
    assert [r.status_code for r in retries] == [201] * 6, [r.json for r in retries]
    s1 = setup.candidates["safety"][1]
    assert read_board(setup, voters[0]) == db_board(setup) == {s0: 6, s1: 0}


def test_issue18_3_worker_killed_mid_vote(
    app,
    client,
    world,
    monkeypatch,
    new_campaign,
    cast_vote,
    ballot_count,
    db_counts,
    close_and_publish,
):
    setup = new_campaign(categories=("safety",))
    s0, s1 = setup.candidates["safety"]
    a = world.headers(world.person(setup.branch))
    b_person = world.person(setup.branch)
    b = world.headers(b_person)
    assert cast_vote(setup, a, s0).status_code == 201

    def killed(row):
        raise Killed()

    monkeypatch.setattr(ballots, "_store", killed)
    with app.app_context():
        person = db.session.get(Person, b_person.id)
        with pytest.raises(Killed):
            ballots.cast_vote(setup.campaign_id, s1, person, None, ballots.ClientInfo())
        db.session.rollback()
    monkeypatch.undo()
    assert ballot_count(setup.campaign_id) == 1
    assert _raw_tally(app, setup.campaign_id) == {s0: 1, s1: 1}  # counted, no ballot

    # The voter's retry is answered from the database: the use was never committed.
    r = cast_vote(setup, b, s1)
    assert r.status_code == 201, r.json
    # The reconciler sees the phantom vote and repairs through the fenced rebuild.
    from votes import reconcile

    with app.app_context():
        report = reconcile.reconcile_all(settle_seconds=0.2)
    assert report.repaired == [setup.campaign_id]
    assert _raw_tally(app, setup.campaign_id) == db_counts(setup.campaign_id) == {s0: 1, s1: 1}
    with app.app_context():
        assert reconcile.repairs(setup.campaign_id) == 1
        # A second pass finds nothing more.
        assert reconcile.reconcile_all(settle_seconds=0.2).repaired == []
    assert close_and_publish(setup).status_code == 200


# --- item 6: a tie at the 名额 boundary is never broken silently ---------------------------------


def _tied_campaign(new_campaign, cast_vote, app, client, world, rules=None):
    """Three candidates, one place (名额 1), votes only: a 2, b 2, c 1 (a's votes first)."""
    setup = new_campaign(
        categories=("safety",), per_category=3, rules=rules, weights={"votes": 1, "points": 0}
    )
    a, b, c = setup.candidates["safety"]
    for i, candidate in enumerate((a, a, b, b, c)):
        headers = world.headers(world.person(setup.branch))
        assert cast_vote(setup, headers, candidate).status_code == 201
        time.sleep(1.1 if i == 1 else 0.01)  # MariaDB keeps whole seconds: a's last vote earlier
    base = f"/api/v1/admin/campaigns/{setup.campaign_id}"
    client.post(f"{base}/close", headers=setup.committee_headers)
    r = client.post(f"{base}/notice", json={"days": 1}, headers=setup.committee_headers)
    assert r.status_code == 200, r.json
    return setup, (a, b, c), base


def test_issue18_6_tie_goes_to_the_committee_by_default(
    app, client, world, end_notice, new_campaign, cast_vote
):
    setup, (a, b, c), base = _tied_campaign(new_campaign, cast_vote, app, client, world)
    admin = setup.committee_headers
    employee = world.headers(world.person(setup.branch))
    notice = client.get(f"/api/v1/campaigns/{setup.campaign_id}/notice", headers=employee).json
    shown = {w["candidate_id"]: w.get("tied") for w in notice["winners"]}
    assert shown == {a: True, b: True}  # both go to 公示, marked tied
    end_notice(setup.campaign_id)
    r = client.post(f"{base}/publish", headers=admin)
    assert r.status_code == 409 and r.json["reason"] == "tie_undecided"
    r = client.post(
        f"{base}/tie",
        json={"category": "safety", "candidate_ids": [a, c], "reason": "c 不在并列中"},
        headers=admin,
    )
    assert r.status_code == 422
    r = client.post(
        f"{base}/tie",
        json={"category": "safety", "candidate_ids": [b], "reason": "b 的安全监督事迹更突出"},
        headers=admin,
    )
    assert r.status_code == 200, r.json
    assert client.post(f"{base}/publish", headers=admin).status_code == 200
    res = client.get(f"/api/v1/campaigns/{setup.campaign_id}/results", headers=employee).json
    category = res["categories"][0]
    assert {e["candidate_id"] for e in category["entries"] if e["honoured"]} == {b}
    assert category["tie"]["broken_by"] == "committee"
    assert category["tie"]["decision"]["reason"] == "b 的安全监督事迹更突出"
    r = client.get(f"{base}/export.xlsx", headers=admin)
    assert r.status_code == 200
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(r.data))["评选结果"]
    text = " ".join(str(v) for row in sheet.iter_rows(values_only=True) for v in row if v)
    assert "名额末位并列" in text and "b 的安全监督事迹更突出" in text


def test_issue18_6_tie_broken_by_the_earlier_last_vote(
    app, client, world, end_notice, new_campaign, cast_vote
):
    setup, (a, b, c), base = _tied_campaign(
        new_campaign, cast_vote, app, client, world, rules={"tie_rule": "earlier"}
    )
    end_notice(setup.campaign_id)
    assert client.post(f"{base}/publish", headers=setup.committee_headers).status_code == 200
    res = client.get(
        f"/api/v1/campaigns/{setup.campaign_id}/results", headers=setup.committee_headers
    ).json
    category = res["categories"][0]
    assert {e["candidate_id"] for e in category["entries"] if e["honoured"]} == {a}
    assert category["tie"]["candidates"] == sorted([a, b])
    assert category["tie"]["broken_by"] == "earlier"


# --- the reconciler as the scheduler runs it ------------------------------------------------------


def test_issue18_reconciler_job_runs_from_the_schedule(
    app, client, world, new_campaign, db_counts, cast_vote
):
    from jobs import get_queue, rq_connection
    from jobs.schedule import PERIODIC, build_scheduler
    from tests.support.jobs import run_worker
    from votes import reconcile

    assert any(p.name == "votes-reconcile" and p.every == 60 for p in PERIODIC)
    setup = new_campaign(categories=("safety",))
    s0 = setup.candidates["safety"][0]
    assert cast_vote(setup, world.headers(world.person(setup.branch)), s0).status_code == 201
    with app.app_context():
        get_redis().zincrby(live.tally_key(setup.campaign_id), 2, str(s0))  # a phantom count
        scheduler = build_scheduler(rq_connection(app), app.config["RQ_QUEUE"])
        enqueued = scheduler.enqueue_jobs()
        assert "votes-reconcile" in {j.name for j in enqueued}
        queue = get_queue(app)
        job_ids = queue.get_job_ids()
    run_worker(app)
    with app.app_context():
        results = {queue.fetch_job(j).func_name: queue.fetch_job(j).return_value() for j in job_ids}
        assert results["votes.jobs.reconcile_job"]["repaired"] == [setup.campaign_id]
        assert reconcile.repairs(setup.campaign_id) == 1
    assert _raw_tally(app, setup.campaign_id) == db_counts(setup.campaign_id) == {s0: 1}
