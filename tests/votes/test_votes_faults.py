"""issue 8: the vote stays exactly right through races, Redis restarts and database faults.

One test per numbered defect; faults come from a redis-server the test starts itself, a TCP
proxy it controls, or a database connection it kills - never the shared servers."""

from __future__ import annotations

import threading
import time
from datetime import datetime, timedelta

import pytest
from sqlalchemy.exc import OperationalError

from accounts.principal import principal_for_person
from app import create_app
from models import Ballot, Campaign, Person, db, get_redis
from tests.support.concurrency import fire_at_once
from votes import ballots, campaigns, clock, live

pytestmark = pytest.mark.usefixtures("fresh_vote_path")


class _PauseScript:
    """Holds one named Lua script call (in one thread) until released."""

    def __init__(self, monkeypatch, name: str, thread_name: str) -> None:
        self.reached, self.release = threading.Event(), threading.Event()
        real = live.scripts.run

        def run(script_name, keys, args):
            if script_name == name and threading.current_thread().name == thread_name:
                if not self.reached.is_set():
                    self.reached.set()
                    assert self.release.wait(30)
            return real(script_name, keys, args)

        monkeypatch.setattr(live.scripts, "run", run)


def _rebuild_in_thread(app, campaign_id: int, name: str, outcome: list) -> threading.Thread:
    def work() -> None:
        with app.app_context():
            try:
                outcome.append(live.rebuild(campaign_id))
            except Exception as exc:  # noqa: BLE001 - the test looks at it
                outcome.append(exc)
            finally:
                db.session.remove()

    t = threading.Thread(target=work, name=name)
    t.start()
    return t


def test_issue8_1_close_while_a_rebuild_runs_is_not_lost(
    app, client, world, monkeypatch, new_campaign, cast_vote, ballot_count
):
    """issue 8 #1: a close made while a rebuild counts must not be overwritten by the rebuild."""
    setup = new_campaign()
    headers = world.headers(world.person(setup.branch))
    assert cast_vote(setup, headers, setup.candidates["safety"][0]).status_code == 201

    pause = _PauseScript(monkeypatch, "install", "rebuilder")
    outcome: list = []
    t = _rebuild_in_thread(app, setup.campaign_id, "rebuilder", outcome)
    assert pause.reached.wait(30)  # counted, not yet installed
    r = client.post(
        f"/api/v1/admin/campaigns/{setup.campaign_id}/close", headers=setup.committee_headers
    )
    assert r.status_code == 200
    pause.release.set()
    t.join(30)

    r = cast_vote(setup, world.headers(world.person(setup.branch)), setup.candidates["reform"][0])
    assert r.status_code == 409 and r.json["reason"] == "campaign_not_open"
    with app.app_context():
        meta, _ = live.board(setup.campaign_id)
    assert meta["status"] == "closed"
    assert ballot_count(setup.campaign_id) == 1


def test_issue8_2_failed_commit_leaves_redis_as_it_was(
    app, client, world, new_campaign, kill_own_connection, cast_vote
):
    """issue 8 #2: committee changes reach Redis only after their commit; an un-hide or a close
    whose commit fails changes nothing in Redis."""
    setup = new_campaign(rules={"hide_tallies": True})
    headers = world.headers(world.person(setup.branch))
    assert cast_vote(setup, headers, setup.candidates["safety"][0]).status_code == 201
    with app.app_context():
        committee = principal_for_person(db.session.get(Person, setup.committee.id))
        campaign = db.session.get(Campaign, setup.campaign_id)
        campaigns.update_campaign(campaign, committee, {"rules": {"hide_tallies": False}})
        kill_own_connection()
        with pytest.raises(Exception):  # noqa: B017 - whatever the driver raises for a dead link
            db.session.commit()
        db.session.rollback()
        db.session.remove()
    with app.app_context():
        assert get_redis().hget(live.meta_key(setup.campaign_id), "hide") == "1"
    r = client.get(
        f"/api/v1/campaigns/{setup.campaign_id}/leaderboard?category=safety", headers=headers
    )
    assert r.status_code == 403 and r.json["reason"] == "tallies_hidden"

    with app.app_context():
        committee = principal_for_person(db.session.get(Person, setup.committee.id))
        campaign = db.session.get(Campaign, setup.campaign_id)
        campaigns.close_campaign(campaign, committee)
        kill_own_connection()
        with pytest.raises(Exception):  # noqa: B017
            db.session.commit()
        db.session.rollback()
        db.session.remove()
    with app.app_context():
        assert db.session.get(Campaign, setup.campaign_id).status == "open"
        assert get_redis().hget(live.meta_key(setup.campaign_id), "status") == "open"


def test_issue8_3_redis_restarted_from_an_older_snapshot(
    app, client, world, use_redis, new_campaign, cast_vote, read_board, db_board, start_redis
):
    """issue 8 #3: a Redis back from an older RDB says "built" with old tallies; it is noticed
    (another run_id) and the campaign rebuilt, so the leaderboard equals the database."""
    server = start_redis()
    try:
        with use_redis(server.client()):
            setup = new_campaign()
            s0 = setup.candidates["safety"][0]
            voters = [world.headers(world.person(setup.branch)) for _ in range(4)]
            assert cast_vote(setup, voters[0], s0).status_code == 201
            server.client().save()  # the snapshot: one vote
            for h in voters[1:]:
                assert cast_vote(setup, h, s0).status_code == 201
            server.stop()
            server.start()  # loads the older snapshot: built, one vote
            with app.app_context():
                assert get_redis().zscore(live.tally_key(setup.campaign_id), str(s0)) == 1
            assert read_board(setup, voters[0]) == db_board(setup)
            assert db_board(setup)[s0] == 4
            # Today's uses came back too: the same vote is refused.
            r = cast_vote(setup, voters[1], s0)
            assert r.status_code == 409 and r.json["reason"] == "already_voted"
    finally:
        server.stop()


def test_issue8_4_commit_landed_reply_lost(
    app,
    client,
    world,
    base_config,
    monkeypatch,
    new_campaign,
    cast_vote,
    ballot_count,
    read_board,
    db_board,
    redis_counts,
    db_counts,
    database_proxy,
):
    """issue 8 #4: the ballot's COMMIT lands but its answer is lost: the voter gets 201 (the
    vote counts) and the tallies equal the database; with the database out of reach after
    that, 503 - and the tallies are rebuilt from the database, not left one short."""
    setup = new_campaign()
    s0, s1 = setup.candidates["safety"]
    voter_a, voter_b = world.person(setup.branch), world.person(setup.branch)
    ha, hb = world.headers(voter_a), world.headers(voter_b)
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    if url.startswith("sqlite"):
        # No network to cut: the driver's COMMIT succeeds and then reports a lost connection.
        proxy, other = None, app
        real_commit = db.session.commit
        state = {"armed": False}
        real_insert = ballots._insert

        def insert(*args, **kwargs):
            state["armed"] = True
            return real_insert(*args, **kwargs)

        def commit():
            real_commit()
            if state["armed"]:
                state["armed"] = False
                raise OperationalError("COMMIT", {}, Exception("disk I/O error"))

        monkeypatch.setattr(ballots, "_insert", insert)
        monkeypatch.setattr(db.session, "commit", commit)
    else:
        from sqlalchemy.engine import make_url

        target = make_url(url)
        proxy, proxied = database_proxy()
        other = create_app({**base_config, "SQLALCHEMY_DATABASE_URI": proxied})
        other.extensions["redis"] = app.extensions["redis"]
        # PostgreSQL may store the ballot in one autocommit statement: that is its commit.
        autocommit = target.get_backend_name() == "postgresql"
        proxy.cut_commit_after(b"INSERT INTO vote_ballots", autocommit=autocommit)
    try:
        r = cast_vote(setup, ha, s0, via=other.test_client())
        assert r.status_code == 201, r.json
        assert proxy is None or proxy.cuts == 1
        assert ballot_count(setup.campaign_id) == 1
        assert read_board(setup, ha) == db_board(setup) == {s0: 1, s1: 0}

        # Now the COMMIT lands and the database is out of reach right after.
        if proxy is None:
            monkeypatch.setattr(ballots, "_landed_anyway", lambda *a: None)
        else:
            proxy.cut_commit_after(b"INSERT INTO vote_ballots", autocommit=autocommit)
            real_landed = ballots._landed_anyway

            def unreachable(*args):
                proxy.refuse = True
                with other.app_context():
                    db.engine.dispose()
                try:
                    return real_landed(*args)
                finally:
                    proxy.refuse = False

            monkeypatch.setattr(ballots, "_landed_anyway", unreachable)
        r = cast_vote(setup, hb, s1, via=other.test_client())
        assert r.status_code == 503 and r.json["reason"] == "database_unavailable"
        assert proxy is None or proxy.cuts == 2
        # It counts: the COMMIT reached the server before the cut (on a loaded machine the
        # server may run it a moment after the client gave up, so wait for it, bounded).
        deadline = time.monotonic() + 10
        while ballot_count(setup.campaign_id) < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert ballot_count(setup.campaign_id) == 2
        assert read_board(setup, hb) == db_board(setup) == {s0: 1, s1: 1}
        # The retry is answered from the database: already voted, nothing counted twice.
        r = cast_vote(setup, hb, s1)
        assert r.status_code == 409 and r.json["reason"] == "already_voted"
        assert redis_counts(setup.campaign_id) == db_counts(setup.campaign_id)
    finally:
        if proxy is not None:
            proxy.close()


def test_issue8_5_rebuild_that_outlived_its_lock_cannot_install(
    app, client, world, monkeypatch, new_campaign, redis_counts, db_counts, cast_vote
):
    """issue 8 #5: a rebuild whose lock expired while it counted must not install its older
    counts over a newer rebuild and the votes accepted since."""
    setup = new_campaign()
    s0 = setup.candidates["safety"][0]
    assert cast_vote(setup, world.headers(world.person(setup.branch)), s0).status_code == 201

    pause = _PauseScript(monkeypatch, "install", "slow-rebuilder")
    outcome: list = []
    t = _rebuild_in_thread(app, setup.campaign_id, "slow-rebuilder", outcome)
    assert pause.reached.wait(30)
    with app.app_context():
        get_redis().delete(live.lock_key(setup.campaign_id))  # its lock ran out meanwhile
        live.rebuild(setup.campaign_id)  # a second rebuild, complete
    for _ in range(3):
        assert cast_vote(setup, world.headers(world.person(setup.branch)), s0).status_code == 201
    pause.release.set()
    t.join(30)

    assert isinstance(outcome[0], live.RebuildBusy)
    assert redis_counts(setup.campaign_id) == db_counts(setup.campaign_id) == {s0: 4}


def test_issue8_6_leaderboard_after_a_partition_equals_the_database(
    app, client, world, new_campaign, read_board, redis_down, db_board, cast_vote, close_and_publish
):
    """issue 8 #6: after votes decided by the database during a Redis partition, every read
    path honours the stale mark: the leaderboard, verify-tallies, and the winner after publish."""
    setup = new_campaign(categories=("safety",))
    s0, s1 = setup.candidates["safety"]
    h = [world.headers(world.person(setup.branch)) for _ in range(4)]
    assert cast_vote(setup, h[0], s0).status_code == 201
    assert read_board(setup, h[0]) == {s0: 1, s1: 0}
    with redis_down():
        for headers in h[1:]:
            assert cast_vote(setup, headers, s1).status_code == 201
    runner = app.test_cli_runner()
    result = runner.invoke(args=["votes", "verify-tallies", "--campaign", str(setup.campaign_id)])
    assert result.exit_code == 1 and "stale" in result.output

    assert read_board(setup, h[0]) == db_board(setup) == {s0: 1, s1: 3}
    result = runner.invoke(args=["votes", "verify-tallies", "--campaign", str(setup.campaign_id)])
    assert result.exit_code == 0, result.output

    # A difference names the candidate.
    with app.app_context():
        get_redis().zadd(live.tally_key(setup.campaign_id), {str(s0): 7})
    result = runner.invoke(args=["votes", "verify-tallies", "--campaign", str(setup.campaign_id)])
    assert result.exit_code == 1 and f"candidate {s0}" in result.output
    with app.app_context():
        live.rebuild(setup.campaign_id)

    with redis_down():
        assert cast_vote(setup, world.headers(world.person(setup.branch)), s0).status_code == 201
    assert close_and_publish(setup).status_code == 200
    results = client.get(f"/api/v1/campaigns/{setup.campaign_id}/results", headers=h[0]).json
    frozen = {e["candidate_id"]: e["votes"] for e in results["categories"][0]["entries"]}
    assert read_board(setup, h[0]) == frozen == {s0: 2, s1: 3}


def test_issue8_7_redis_answering_oom_or_readonly_falls_back(
    app,
    client,
    world,
    use_redis,
    new_campaign,
    cast_vote,
    read_board,
    db_board,
    ballot_count,
    start_redis,
):
    """issue 8 #7: a full Redis (noeviction: an OOM error reply) and a READONLY replica are
    treated like an unreachable Redis: votes and the leaderboard go to the database, no 500."""
    server = start_redis()
    master = start_redis()
    try:
        with use_redis(server.client()):
            setup = new_campaign()
            s0 = setup.candidates["safety"][0]
            h = [world.headers(world.person(setup.branch)) for _ in range(3)]
            assert cast_vote(setup, h[0], s0).status_code == 201

            server.client().config_set("maxmemory", "1")  # every write is refused: OOM
            r = cast_vote(setup, h[1], s0)
            assert r.status_code == 201, r.json
            assert read_board(setup, h[1]) == db_board(setup)
            server.client().config_set("maxmemory", "0")

            live.reset_circuit()
            server.client().replicaof("127.0.0.1", master.port)  # a replica: READONLY
            r = cast_vote(setup, h[2], s0)
            assert r.status_code == 201, r.json
            assert read_board(setup, h[2]) == db_board(setup)
            assert ballot_count(setup.campaign_id, path="db") == 2
    finally:
        server.stop()
        master.stop()


def test_issue8_8_vote_accepted_before_close_cannot_commit_after_it(
    app, client, world, monkeypatch, new_campaign, ballot_count, close_and_publish, cast_vote
):
    """issue 8 #8: a vote vote.lua accepted just before close reaches the database after close
    and publish: the gate refuses it, so no ballot is later than the close."""
    setup = new_campaign()
    s0 = setup.candidates["safety"][0]
    headers = world.headers(world.person(setup.branch))
    reached, release = threading.Event(), threading.Event()
    real_store = ballots._store

    def slow_store(*args, **kwargs):
        # Held before the gate (on PostgreSQL the gate is part of the INSERT statement).
        if threading.current_thread().name == "late-voter":
            reached.set()
            assert release.wait(30)
        return real_store(*args, **kwargs)

    monkeypatch.setattr(ballots, "_store", slow_store)
    answers: list = []
    t = threading.Thread(
        target=lambda: answers.append(cast_vote(setup, headers, s0, via=app.test_client())),
        name="late-voter",
    )
    t.start()
    assert reached.wait(30)  # Redis said yes; the ballot is not in the database yet
    assert close_and_publish(setup).status_code == 200
    release.set()
    t.join(30)

    assert answers[0].status_code == 409 and answers[0].json["reason"] == "campaign_not_open"
    assert ballot_count(setup.campaign_id) == 0
    results = client.get(f"/api/v1/campaigns/{setup.campaign_id}/results", headers=headers).json
    assert all(e["votes"] == 0 for c in results["categories"] for e in c["entries"])


def test_issue8_8_votes_racing_a_close_all_land_before_it(
    app, client, world, new_campaign, ballot_count, cast_vote, close_and_publish
):
    """issue 8 #8 (race): voters and a close released together: every stored ballot is before
    the close, and the frozen results count exactly the ballots."""
    setup = new_campaign(categories=("safety",))
    s0 = setup.candidates["safety"][0]
    voters = [world.headers(world.person(setup.branch)) for _ in range(24)]
    close_url = f"/api/v1/admin/campaigns/{setup.campaign_id}/close"

    def act(i: int):
        if i == len(voters):
            return app.test_client().post(close_url, headers=setup.committee_headers)
        return cast_vote(setup, voters[i], s0, via=app.test_client())

    results = fire_at_once(len(voters) + 1, act)
    assert results[-1].status_code == 200
    assert {r.status_code for r in results[:-1]} <= {201, 409}
    with app.app_context():
        closed_at = db.session.get(Campaign, setup.campaign_id).closed_at
        last = db.session.scalar(
            db.select(db.func.max(Ballot.cast_at)).where(Ballot.campaign_id == setup.campaign_id)
        )
    assert last is None or last <= closed_at
    stored = ballot_count(setup.campaign_id)
    assert stored == sum(r.status_code == 201 for r in results[:-1])
    assert close_and_publish(setup).status_code in (200, 409)
    admin = setup.committee_headers
    res = client.get(f"/api/v1/campaigns/{setup.campaign_id}/results", headers=admin).json
    assert res["categories"][0]["entries"][0]["votes"] == stored


def test_issue8_9_stuck_rebuild_lock_does_not_stall_votes(
    app, client, world, new_campaign, cast_vote, ballot_count, read_board, db_board
):
    """issue 8 #9: a rebuild lock left by a rebuilder that lost Redis mid-way (not renewed) must
    not make every vote wait and fail: votes take the database path at once."""
    setup = new_campaign()
    s0 = setup.candidates["safety"][0]
    with app.app_context():
        r = get_redis()
        r.hset(live.meta_key(setup.campaign_id), "built", "0")
        r.set(
            live.lock_key(setup.campaign_id),
            "dead-rebuilder",
            px=live.LOCK_MS - live.STUCK_MS - 1000,
        )
    headers = world.headers(world.person(setup.branch))
    r = cast_vote(setup, headers, s0)
    assert r.status_code == 201, r.json
    assert ballot_count(setup.campaign_id, path="db") == 1
    assert read_board(setup, headers) == db_board(setup)


def test_issue8_10_per_account_limit_holds_without_redis(
    app, client, world, new_campaign, redis_down, ballot_count, cast_vote
):
    """issue 8 #10: with Redis unreachable the per-account vote limit still holds."""
    setup = new_campaign(per_category=8, categories=("safety",), rules={"per_category_per_day": 8})
    app.config["VOTE_ACCOUNT_PER_MINUTE"] = 5
    headers = world.headers(world.person(setup.branch))
    with redis_down():
        answers = [cast_vote(setup, headers, c) for c in setup.candidates["safety"]]
    assert [r.status_code for r in answers[:5]] == [201] * 5
    assert {r.status_code for r in answers[5:]} == {429}
    assert answers[5].json["reason"] == "rate_limited" and "Retry-After" in answers[5].headers
    assert ballot_count(setup.campaign_id) == 5


def _lock_conflict_error(app) -> OperationalError:
    dialect = db.engine.dialect.name
    if dialect == "postgresql":

        class Deadlock(Exception):
            sqlstate = "40P01"

        return OperationalError("INSERT", {}, Deadlock("deadlock detected"))
    if dialect == "sqlite":
        return OperationalError("INSERT", {}, Exception("database is locked"))
    return OperationalError("INSERT", {}, Exception(1213, "Deadlock found when trying to get lock"))


def test_issue8_11_deadlock_on_the_redis_path_is_retried(
    app, client, world, monkeypatch, new_campaign, cast_vote, redis_counts, db_counts
):
    """issue 8 #11: a deadlock on the Redis path's INSERT is tried again (as on the database
    path), not answered 503 with a forced rebuild."""
    setup = new_campaign()
    s0 = setup.candidates["safety"][0]
    failures = {"left": 2}

    def failing(real):
        def insert(*args, **kwargs):
            if failures["left"]:
                failures["left"] -= 1
                with app.app_context():
                    raise _lock_conflict_error(app)
            return real(*args, **kwargs)

        return insert

    # The plain INSERT after the gate, and PostgreSQL's one statement that gates and inserts.
    monkeypatch.setattr(ballots, "_insert", failing(ballots._insert))
    monkeypatch.setattr(ballots, "_insert_gated", failing(ballots._insert_gated))
    r = cast_vote(setup, world.headers(world.person(setup.branch)), s0)
    assert r.status_code == 201, r.json
    assert failures["left"] == 0
    with app.app_context():
        assert get_redis().hget(live.meta_key(setup.campaign_id), "built") == "1"
    assert redis_counts(setup.campaign_id) == db_counts(setup.campaign_id) == {s0: 1}


def test_issue8_12_day_slots_come_from_vote_day_only(
    app, client, world, new_campaign, redis_down, ballot_count
):
    """issue 8 #12: a ballot cast at 23:59:59.9 that the database stored as 00:00:00 of the next
    day (MySQL rounds fractional seconds) still counts for its vote day."""
    setup = new_campaign(starts_at=datetime.now(clock.SHANGHAI) - timedelta(days=3))
    s0 = setup.candidates["safety"][0]
    voter = world.person(setup.branch)
    headers = world.headers(voter)
    day = clock.vote_day(clock.now()) - timedelta(days=1)
    late = datetime(day.year, day.month, day.day, 23, 59, 59, 900000, tzinfo=clock.SHANGHAI)
    with redis_down():
        with app.app_context():
            person = db.session.get(Person, voter.id)
            ballots.cast_vote(setup.campaign_id, s0, person, None, ballots.ClientInfo(), now=late)
            db.session.execute(  # what the rounding does to cast_at
                db.update(Ballot)
                .where(Ballot.campaign_id == setup.campaign_id)
                .values(cast_at=late + timedelta(milliseconds=100))
            )
            db.session.commit()
            person = db.session.get(Person, voter.id)
            with pytest.raises(ballots.AlreadyVoted):
                ballots.cast_vote(
                    setup.campaign_id, s0, person, None, ballots.ClientInfo(), now=late
                )
            db.session.rollback()
    assert ballot_count(setup.campaign_id) == 1
    assert headers


def test_issue8_13_no_void_after_publish(
    app, client, world, new_campaign, read_board, db_board, cast_vote, close_and_publish
):
    """issue 8 #13: a ballot cannot be voided once the results are in 公示 or published."""
    setup = new_campaign()
    headers = world.headers(world.person(setup.branch))
    ballot_id = cast_vote(setup, headers, setup.candidates["safety"][0]).json["ballot_id"]
    assert close_and_publish(setup).status_code == 200
    r = client.post(
        f"/api/v1/admin/ballots/{ballot_id}/void",
        json={"reason": "刷票"},
        headers=setup.committee_headers,
    )
    assert r.status_code == 409 and r.json["reason"] == "campaign_locked"
    assert read_board(setup, headers) == db_board(setup)
    with app.app_context():
        assert db.session.get(Ballot, ballot_id).voided_at is None


def test_issue8_14_invisible_campaign_is_404_for_every_verb(
    app, client, world, new_campaign, redis_down, cast_vote
):
    """issue 8 #14: a draft, or another mine's campaign, is 404 to every verb."""
    draft = new_campaign(open_it=False)
    outsider = world.headers(world.person(world.branch(world.mine())))
    insider = world.headers(world.person(draft.branch))
    c = draft.candidates["safety"][0]
    base = f"/api/v1/campaigns/{draft.campaign_id}"
    for headers in (insider, outsider):
        assert cast_vote(draft, headers, c).status_code == 404
        assert client.get(f"{base}/leaderboard?category=safety", headers=headers).status_code == 404
        assert client.get(f"{base}/notice", headers=headers).status_code == 404
        r = client.post(
            f"{base}/objections",
            json={"candidate_id": c, "reason": "不符合条件的人选"},
            headers=headers,
        )
        assert r.status_code == 404
    with redis_down():
        assert cast_vote(draft, insider, c).status_code == 404
        assert cast_vote(draft, outsider, c).status_code == 404
