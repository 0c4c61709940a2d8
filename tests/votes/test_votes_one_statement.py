"""issue 28 #4: the accepted vote's gate and INSERT as one statement (PostgreSQL), in autocommit
when the request holds no connection yet. The refusals of the rare path (the statement inserted
nothing: the two-statement gate tells why; the self-vote refusal is in test_self_vote.py), a
close racing the ballot, the gate's stale mark
reaching `settle`, and a lost reply to the autocommit statement - on every backend, each
exercising whichever store path the backend takes."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta

import pytest

from app import create_app
from models import Ballot, Campaign, Candidate, db, get_redis
from votes import ballots, live

pytestmark = pytest.mark.usefixtures("fresh_vote_path")


def _behind_redis(app, campaign_id: int, candidate_id: int | None = None, **values) -> None:
    """Change the campaign (or a candidate) in the database only: Redis is not told, so vote.lua
    still says yes and the commit-time gate has to refuse."""
    with app.app_context():
        table, key = (Candidate, candidate_id) if candidate_id else (Campaign, campaign_id)
        db.session.execute(db.update(table).where(table.id == key).values(**values))
        db.session.commit()


@pytest.mark.parametrize(
    ("change", "status", "reason"),
    [
        ({"status": "closed"}, 409, "campaign_not_open"),
        ({"ends_at": datetime.now(UTC) - timedelta(minutes=1)}, 409, "campaign_not_open"),
        ({"withdrawn_at": datetime.now(UTC)}, 404, "candidate_not_found"),
    ],
    ids=["closed", "window-ended", "withdrawn"],
)
def test_gate_refusals_on_the_rare_path(
    app, client, world, change, status, reason, new_campaign, cast_vote, ballot_count, redis_counts
):
    setup = new_campaign()
    s0 = setup.candidates["safety"][0]
    headers = world.headers(world.person(setup.branch))
    assert cast_vote(setup, headers, setup.candidates["reform"][0]).status_code == 201
    on_candidate = "withdrawn_at" in change
    _behind_redis(app, setup.campaign_id, s0 if on_candidate else None, **change)

    # The same voter's next vote (principal cached: on PostgreSQL the autocommit statement).
    r = cast_vote(setup, headers, s0)
    assert r.status_code == status and r.json["reason"] == reason
    assert ballot_count(setup.campaign_id) == 1
    # The use and the tally point were given back, and Redis is marked for rebuild.
    with app.app_context():
        assert get_redis().hget(live.meta_key(setup.campaign_id), "built") != "1"
    assert s0 not in redis_counts(setup.campaign_id)


def _hold_campaign_row(app, campaign_id: int, held: threading.Event, done: threading.Event, then):
    """A committee change in flight: the campaign row FOR UPDATE (SQLite: BEGIN IMMEDIATE) until
    `done`, then `then(conn)` in the same transaction and its commit."""

    def work() -> None:
        with app.app_context():
            with db.engine.connect() as conn, conn.begin():
                conn.execute(
                    db.select(Campaign.id).where(Campaign.id == campaign_id).with_for_update()
                )
                held.set()
                assert done.wait(30)
                then(conn)

    t = threading.Thread(target=work, name="committee")
    t.start()
    return t


@pytest.mark.parametrize("closes", [True, False], ids=["close-commits", "change-rolled-back"])
def test_a_vote_waits_for_a_close_in_flight_and_sees_its_outcome(
    app, client, world, closes, new_campaign, cast_vote, ballot_count, redis_counts, db_counts
):
    """The ballot's statement waits for the campaign row a close holds FOR UPDATE, and then sees
    what the close committed: refused after a close, stored when the change came to nothing."""
    setup = new_campaign()
    s0 = setup.candidates["safety"][0]
    headers = world.headers(world.person(setup.branch))
    assert cast_vote(setup, headers, setup.candidates["reform"][0]).status_code == 201
    held, done = threading.Event(), threading.Event()

    def then(conn) -> None:
        if closes:
            conn.execute(
                db.update(Campaign)
                .where(Campaign.id == setup.campaign_id)
                .values(status="closed", closed_at=datetime.now(UTC))
            )

    committee = _hold_campaign_row(app, setup.campaign_id, held, done, then)
    assert held.wait(30)
    answers: list = []
    voter = threading.Thread(
        target=lambda: answers.append(cast_vote(setup, headers, s0, via=app.test_client())),
        name="voter",
    )
    voter.start()
    time.sleep(0.5)
    assert voter.is_alive(), "the ballot must wait for the campaign row the close holds"
    done.set()
    committee.join(30)
    voter.join(30)
    if closes:
        assert answers[0].status_code == 409 and answers[0].json["reason"] == "campaign_not_open"
        assert ballot_count(setup.campaign_id) == 1
    else:
        assert answers[0].status_code == 201, answers[0].json
        assert ballot_count(setup.campaign_id) == 2
        assert redis_counts(setup.campaign_id) == db_counts(setup.campaign_id)


def test_the_gates_stale_mark_has_redis_rebuilt_after_the_commit(
    app, client, world, new_campaign, cast_vote
):
    """The one statement returns the gate's stale mark and config version: a database that asks
    for a rebuild has Redis marked after the ballot's commit, as the two statements did."""
    setup = new_campaign()
    s0 = setup.candidates["safety"][0]
    headers = world.headers(world.person(setup.branch))
    assert cast_vote(setup, headers, setup.candidates["reform"][0]).status_code == 201
    with app.app_context():
        assert get_redis().hget(live.meta_key(setup.campaign_id), "built") == "1"
        live.mark_stale(setup.campaign_id)  # the database asks for a rebuild; Redis is not told
        db.session.commit()
    r = cast_vote(setup, headers, s0)
    assert r.status_code == 201, r.json
    with app.app_context():
        assert get_redis().hget(live.meta_key(setup.campaign_id), "built") == "0"
        stored = db.session.get(Ballot, r.json["ballot_id"])
        assert (stored.candidate_id, stored.category, stored.path) == (s0, "safety", "redis")


def test_a_lost_reply_to_the_ballots_statement_still_counts(
    app,
    client,
    world,
    base_config,
    new_campaign,
    cast_vote,
    ballot_count,
    redis_counts,
    db_counts,
    database_proxy,
):
    """The ballot's commit lands and its answer is lost on a visit's later vote (PostgreSQL: the
    one autocommit statement is the commit): the ballot is found, 201, tallies equal the
    database."""
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    if url.startswith("sqlite"):
        pytest.skip("no network between the app and SQLite to cut (test_issue8_4 fakes it)")
    from sqlalchemy.engine import make_url

    setup = new_campaign()
    s0, s1 = setup.candidates["safety"]
    headers = world.headers(world.person(setup.branch))
    target = make_url(url)
    proxy, proxied = database_proxy()
    other = create_app({**base_config, "SQLALCHEMY_DATABASE_URI": proxied})
    other.extensions["redis"] = app.extensions["redis"]
    try:
        assert cast_vote(setup, headers, s0, via=other.test_client()).status_code == 201
        proxy.cut_commit_after(
            b"INSERT INTO vote_ballots", autocommit=target.get_backend_name() == "postgresql"
        )
        r = cast_vote(setup, headers, s1, via=other.test_client())
        assert r.status_code == 201, r.json
        assert proxy.cuts == 1
        assert ballot_count(setup.campaign_id) == 2
        assert redis_counts(setup.campaign_id) == db_counts(setup.campaign_id)
    finally:
        proxy.close()
        with other.app_context():
            db.engine.dispose()


def test_the_one_statement_is_used_on_postgresql(
    app, client, world, monkeypatch, new_campaign, redis_counts, db_counts, cast_vote
):
    """PostgreSQL stores an accepted ballot with one statement (no separate gate read); the
    other backends gate with their own read first."""
    setup = new_campaign()
    headers = world.headers(world.person(setup.branch))
    calls = {"gate": 0, "one": 0}
    real_gate, real_one = ballots._gate, ballots._insert_gated

    def gate(*args, **kwargs):
        calls["gate"] += 1
        return real_gate(*args, **kwargs)

    def one(*args, **kwargs):
        calls["one"] += 1
        return real_one(*args, **kwargs)

    monkeypatch.setattr(ballots, "_gate", gate)
    monkeypatch.setattr(ballots, "_insert_gated", one)
    for candidate in (setup.candidates["safety"][0], setup.candidates["reform"][0]):
        assert cast_vote(setup, headers, candidate).status_code == 201
    with app.app_context():
        postgres = db.engine.dialect.name == "postgresql"
    assert calls == ({"gate": 0, "one": 2} if postgres else {"gate": 2, "one": 0})
    assert redis_counts(setup.campaign_id) == db_counts(setup.campaign_id)
