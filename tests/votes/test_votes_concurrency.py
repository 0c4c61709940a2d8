"""The vote path under concurrency and failures, on real Redis and the real database."""

from __future__ import annotations

from collections import Counter

import pytest
from sqlalchemy.exc import OperationalError

from models import Campaign, db, get_redis
from tests.support.concurrency import fire_at_once
from votes import ballots, live


def _statuses(results) -> Counter:
    return Counter(r.status_code for r in results)


def _reasons(results) -> Counter:
    return Counter(r.json.get("reason") for r in results if r.status_code != 201)


def test_fifty_threads_one_voter_one_candidate_make_one_ballot(
    app, client, world, new_campaign, ballot_count, redis_counts, db_counts, cast_vote
):
    setup = new_campaign()
    headers = world.headers(world.person(setup.branch))
    candidate = setup.candidates["safety"][0]

    results = fire_at_once(
        50, lambda i: cast_vote(setup, headers, candidate, via=app.test_client())
    )

    assert _statuses(results) == {201: 1, 409: 49}, _reasons(results)
    assert {r.json["reason"] for r in results if r.status_code == 409} == {"already_voted"}
    assert ballot_count(setup.campaign_id) == 1
    assert redis_counts(setup.campaign_id) == {candidate: 1} == db_counts(setup.campaign_id)


def test_fifty_threads_fifty_candidates_limit_three_make_three(
    app, client, world, new_campaign, ballot_count, redis_counts, db_counts, cast_vote
):
    setup = new_campaign(per_category=50, categories=("safety",), rules={"per_category_per_day": 3})
    headers = world.headers(world.person(setup.branch))
    ids = setup.candidates["safety"]

    results = fire_at_once(50, lambda i: cast_vote(setup, headers, ids[i], via=app.test_client()))

    assert _statuses(results) == {201: 3, 409: 47}
    assert {r.json["reason"] for r in results if r.status_code == 409} == {"daily_quota_used"}
    assert sorted(r.json["remaining_today"] for r in results if r.status_code == 201) == [0, 1, 2]
    assert ballot_count(setup.campaign_id) == 3
    assert redis_counts(setup.campaign_id) == db_counts(setup.campaign_id)
    assert sum(db_counts(setup.campaign_id).values()) == 3


def test_many_voters_at_once_all_count(
    app, client, world, new_campaign, redis_counts, db_counts, cast_vote
):
    setup = new_campaign(categories=("safety",))
    voters = [world.headers(world.person(setup.branch)) for _ in range(30)]
    candidate = setup.candidates["safety"][1]

    results = fire_at_once(
        30, lambda i: cast_vote(setup, voters[i], candidate, via=app.test_client())
    )

    assert _statuses(results) == {201: 30}
    assert redis_counts(setup.campaign_id) == {candidate: 30} == db_counts(setup.campaign_id)


def test_redis_flushed_mid_campaign_rebuilds_tallies_and_uses(
    app, client, world, new_campaign, cast_vote, redis_counts, db_counts
):
    setup = new_campaign()
    a, b = (world.headers(world.person(setup.branch)) for _ in range(2))
    s0, s1 = setup.candidates["safety"]
    r0 = setup.candidates["reform"][0]
    for h, c in ((a, s0), (a, s1), (b, s0), (b, r0)):
        assert cast_vote(setup, h, c).status_code == 201

    with app.app_context():
        get_redis().flushdb()  # a restart without persistence

    # The leaderboard notices by itself and rebuilds from the database.
    board = client.get(
        f"/api/v1/campaigns/{setup.campaign_id}/leaderboard?category=safety", headers=a
    ).json
    assert {row["candidate_id"]: row["votes"] for row in board} == {s0: 2, s1: 1}
    assert redis_counts(setup.campaign_id) == db_counts(setup.campaign_id)
    # Today's uses came back too: the same votes are refused, in Redis.
    r = cast_vote(setup, a, s0)
    assert r.status_code == 409 and r.json["reason"] == "already_voted"
    r = cast_vote(setup, a, setup.candidates["reform"][1])
    assert r.status_code == 201
    assert redis_counts(setup.campaign_id) == db_counts(setup.campaign_id)


def test_flush_then_fifty_threads_still_one_ballot(
    app, client, world, new_campaign, ballot_count, redis_counts, cast_vote
):
    setup = new_campaign()
    headers = world.headers(world.person(setup.branch))
    candidate = setup.candidates["reform"][0]
    assert cast_vote(setup, headers, candidate).status_code == 201
    with app.app_context():
        get_redis().flushdb()

    results = fire_at_once(
        50, lambda i: cast_vote(setup, headers, candidate, via=app.test_client())
    )

    assert _statuses(results) == {409: 50}
    assert ballot_count(setup.campaign_id) == 1
    assert redis_counts(setup.campaign_id) == {candidate: 1}


def test_lost_usage_is_caught_by_the_database_and_answered_right(
    app, client, world, new_campaign, cast_vote, redis_counts, db_counts
):
    """Redis forgot one voter's uses but kept the campaign: the unique constraint refuses the
    duplicate, the use is undone, and the answer is the right 409 — no phantom in the tally."""
    setup = new_campaign()
    voter = world.person(setup.branch)
    headers = world.headers(voter)
    s0, s1 = setup.candidates["safety"]
    assert cast_vote(setup, headers, s0).status_code == 201
    with app.app_context():
        get_redis().delete(*get_redis().keys(f"{live.tag(setup.campaign_id)}:u:*"))

    r = cast_vote(setup, headers, s0)
    assert r.status_code == 409 and r.json["reason"] == "already_voted"
    assert redis_counts(setup.campaign_id) == {s0: 1}
    # A different candidate gets the next free slot, not the one already used.
    r = cast_vote(setup, headers, s1)
    assert r.status_code == 201 and r.json["remaining_today"] == 1  # slot 2 of 3
    assert redis_counts(setup.campaign_id) == db_counts(setup.campaign_id)


def test_database_failure_after_redis_accepted_leaves_no_phantom(
    app, client, world, monkeypatch, new_campaign, cast_vote, redis_counts, ballot_count, db_counts
):
    setup = new_campaign()
    headers = world.headers(world.person(setup.branch))
    candidate = setup.candidates["safety"][0]
    real_inserts = ballots._insert, ballots._insert_gated

    def broken_insert(*args, **kwargs):
        raise OperationalError("INSERT", {}, Exception("server closed the connection"))

    # The plain INSERT after the gate, and PostgreSQL's one statement that gates and inserts.
    monkeypatch.setattr(ballots, "_insert", broken_insert)
    monkeypatch.setattr(ballots, "_insert_gated", broken_insert)
    r = cast_vote(setup, headers, candidate)
    assert r.status_code == 503 and r.json["reason"] == "database_unavailable"
    assert redis_counts(setup.campaign_id) == {}
    assert ballot_count(setup.campaign_id) == 0

    monkeypatch.setattr(ballots, "_insert", real_inserts[0])
    monkeypatch.setattr(ballots, "_insert_gated", real_inserts[1])
    # The use was given back: the same vote now goes through, and only once.
    r = cast_vote(setup, headers, candidate)
    assert r.status_code == 201 and r.json["remaining_today"] == 2
    assert redis_counts(setup.campaign_id) == {candidate: 1} == db_counts(setup.campaign_id)


def test_redis_down_fifty_threads_same_vote_one_ballot(
    app, client, world, new_campaign, cast_vote, redis_down, ballot_count, redis_counts, db_counts
):
    setup = new_campaign()
    headers = world.headers(world.person(setup.branch))
    candidate = setup.candidates["safety"][0]
    assert cast_vote(setup, headers, setup.candidates["reform"][0]).status_code == 201

    with redis_down():
        results = fire_at_once(
            50, lambda i: cast_vote(setup, headers, candidate, via=app.test_client())
        )
        assert _statuses(results) == {201: 1, 409: 49}
        assert {r.json["reason"] for r in results if r.status_code == 409} == {"already_voted"}
        # Campaign details still work, from the database.
        detail = client.get(f"/api/v1/campaigns/{setup.campaign_id}", headers=headers)
        assert detail.status_code == 200
        assert detail.json["my_remaining"] == {"safety": 2, "reform": 2}
        board = client.get(
            f"/api/v1/campaigns/{setup.campaign_id}/leaderboard?category=safety", headers=headers
        )
        assert board.status_code == 200 and board.json[0]["candidate_id"] == candidate

    assert ballot_count(setup.campaign_id) == 2
    assert ballot_count(setup.campaign_id, path="db") == 1
    with app.app_context():
        assert db.session.get(Campaign, setup.campaign_id).tallies_stale is True
    # Redis is back: the next read rebuilds the tallies from the database...
    client.get(f"/api/v1/campaigns/{setup.campaign_id}", headers=headers)
    assert redis_counts(setup.campaign_id) == db_counts(setup.campaign_id)
    # ...and the ballot written without Redis still blocks a duplicate.
    r = cast_vote(setup, headers, candidate)
    assert r.status_code == 409 and r.json["reason"] == "already_voted"


def test_redis_down_fifty_candidates_limit_three(
    app, client, world, new_campaign, cast_vote, redis_down, ballot_count, redis_counts, db_counts
):
    setup = new_campaign(per_category=50, categories=("reform",))
    headers = world.headers(world.person(setup.branch))
    ids = setup.candidates["reform"]

    with redis_down():
        results = fire_at_once(
            50, lambda i: cast_vote(setup, headers, ids[i], via=app.test_client())
        )

    statuses = _statuses(results)
    assert statuses[201] == 3, statuses
    assert set(statuses) <= {201, 409}
    assert ballot_count(setup.campaign_id) == 3
    # Back on Redis, the voter's quota is still spent (the DB constraint re-seeds Redis).
    r = cast_vote(setup, headers, next(i for i in ids if i not in db_counts(setup.campaign_id)))
    assert r.status_code == 409 and r.json["reason"] == "daily_quota_used"
    client.get(f"/api/v1/campaigns/{setup.campaign_id}", headers=headers)
    assert redis_counts(setup.campaign_id) == db_counts(setup.campaign_id)


def test_committee_change_while_redis_is_down_reaches_redis_later(
    app, client, world, new_campaign, cast_vote, redis_down, ballot_count
):
    """Committee changes commit first and reach Redis after; with Redis down the close still
    holds (the database gate), and once Redis is back it learns the change before serving."""
    setup = new_campaign()
    headers = world.headers(world.person(setup.branch))
    with redis_down():
        r = client.post(
            f"/api/v1/admin/campaigns/{setup.campaign_id}/close", headers=setup.committee_headers
        )
        assert r.status_code == 200
        r = cast_vote(setup, headers, setup.candidates["safety"][0])
        assert r.status_code == 409 and r.json["reason"] == "campaign_not_open"
    with app.app_context():
        assert db.session.get(Campaign, setup.campaign_id).status == "closed"
    # Redis still says "open", but is behind the database's config version: refused, rebuilt.
    r = cast_vote(setup, headers, setup.candidates["safety"][0])
    assert r.status_code == 409 and r.json["reason"] == "campaign_not_open"
    assert ballot_count(setup.campaign_id) == 0
    with app.app_context():
        meta, _ = live.board(setup.campaign_id)
        assert meta["status"] == "closed"


def test_rebuild_tallies_command(app, client, world, new_campaign, redis_counts, cast_vote):
    setup = new_campaign()
    headers = world.headers(world.person(setup.branch))
    candidate = setup.candidates["safety"][0]
    assert cast_vote(setup, headers, candidate).status_code == 201
    with app.app_context():
        get_redis().zadd(live.tally_key(setup.campaign_id), {str(candidate): 99})

    runner = app.test_cli_runner()
    assert runner.invoke(args=["votes", "verify-tallies"]).exit_code == 1
    result = runner.invoke(args=["votes", "rebuild-tallies", "--campaign", str(setup.campaign_id)])
    assert result.exit_code == 0, result.output
    assert "1 counted ballots" in result.output
    assert redis_counts(setup.campaign_id) == {candidate: 1}
    assert runner.invoke(args=["votes", "verify-tallies"]).exit_code == 0


@pytest.fixture(autouse=True)
def _circuit_closed():
    live.reset_circuit()
    yield
    live.reset_circuit()


@pytest.fixture(autouse=True)
def _generous_limits(app):
    """These tests are about the vote path; the rate limits have their own test."""
    saved = app.config["VOTE_ACCOUNT_PER_MINUTE"]
    app.config["VOTE_ACCOUNT_PER_MINUTE"] = 10000
    yield
    app.config["VOTE_ACCOUNT_PER_MINUTE"] = saved
