"""A refused repeat costs one Redis call and no SQL once the voter's earlier use is settled
(issue 28 item 3; the brushing storm fell from 0.155 × to 0.046 × a bare app when issue 18
checked every refusal against the database). A refusal that may rest on a use whose ballot
never committed is still checked (issue 18 #2, #3: tests/votes/test_votes_round3.py)."""

from __future__ import annotations

import contextlib

import pytest
from sqlalchemy import event

from models import Person, db, get_redis
from tests.votes.factory import ballot_count, make_campaign, vote
from votes import ballots, clock
from votes.live.keys import once_key, usage_key

pytestmark = pytest.mark.usefixtures("fresh_vote_path")

VOTE_TABLES = ("ballots", "campaigns", "candidates")


@contextlib.contextmanager
def vote_statements(app):
    """The SQL statements that read or write the vote tables while the block runs."""
    seen: list[str] = []

    def record(conn, cursor, statement, *args):
        if any(t in statement for t in VOTE_TABLES):
            seen.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)


@pytest.mark.parametrize("revote_other_days", [True, False])
def test_a_refused_repeat_reads_no_vote_table(app, client, world, revote_other_days):
    setup = make_campaign(
        client, world, categories=("safety",), rules={"revote_other_days": revote_other_days}
    )
    s0 = setup.candidates["safety"][0]
    headers = world.headers(world.person(setup.branch))
    assert vote(client, setup, headers, s0).status_code == 201
    with vote_statements(app) as seen:
        r = vote(client, setup, headers, s0)
    assert r.status_code == 409 and r.json["reason"] == "already_voted"
    assert seen == []


def test_a_pending_use_is_checked_and_given_back(app, client, world, monkeypatch):
    """A worker killed between vote.lua and its COMMIT leaves a pending use: the next attempt
    asks the database, finds no ballot, and votes."""
    setup = make_campaign(client, world, categories=("safety",))
    s0 = setup.candidates["safety"][0]
    person = world.person(setup.branch)
    headers = world.headers(person)

    class Killed(BaseException):
        pass

    def killed(row):
        raise Killed()

    monkeypatch.setattr(ballots, "_store", killed)
    with app.app_context():
        with pytest.raises(Killed):
            ballots.cast_vote(
                setup.campaign_id, s0, db.session.get(Person, person.id), None, ballots.ClientInfo()
            )
        db.session.rollback()
    monkeypatch.undo()
    with vote_statements(app) as seen:
        r = vote(client, setup, headers, s0)
    assert r.status_code == 201, r.json
    assert seen, "the refusal on a pending use must be checked against the database"
    assert ballot_count(app, setup.campaign_id) == 1


def test_settle_leaves_nothing_pending(app, client, world):
    setup = make_campaign(client, world, categories=("safety",), rules={"revote_other_days": False})
    s0 = setup.candidates["safety"][0]
    person = world.person(setup.branch)
    assert vote(client, setup, world.headers(person), s0).status_code == 201
    with app.app_context():
        day = clock.vote_day(clock.now())
        r = get_redis()
        assert "p" not in r.hgetall(usage_key(setup.campaign_id, day, person.id))
        assert r.hget(once_key(setup.campaign_id, person.id), str(s0)) == "1"
