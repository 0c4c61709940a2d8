"""A refused repeat costs one Redis call and no SQL once the voter's earlier use is settled
(issue 28 item 3; the brushing storm fell from 0.155 × to 0.046 × a bare app when issue 18
checked every refusal against the database). A refusal that may rest on a use whose ballot
never committed is still checked (issue 18 #2, #3: tests/votes/test_votes_round3.py)."""

from __future__ import annotations

import pytest

from models import Person, db, get_redis
from votes import ballots, clock
from votes.live.keys import once_key, usage_key

pytestmark = pytest.mark.usefixtures("fresh_vote_path")


@pytest.mark.parametrize("revote_other_days", [True, False])
def test_a_refused_repeat_reads_no_vote_table(
    app, client, world, revote_other_days, new_campaign, vote_statements, cast_vote
):
    setup = new_campaign(categories=("safety",), rules={"revote_other_days": revote_other_days})
    s0 = setup.candidates["safety"][0]
    headers = world.headers(world.person(setup.branch))
    assert cast_vote(setup, headers, s0).status_code == 201
    with vote_statements() as seen:
        r = cast_vote(setup, headers, s0)
    assert r.status_code == 409 and r.json["reason"] == "already_voted"
    assert seen == []


def test_a_pending_use_is_checked_and_given_back(
    app, client, world, monkeypatch, new_campaign, vote_statements, cast_vote, ballot_count
):
    """A worker killed between vote.lua and its COMMIT leaves a pending use: the next attempt
    asks the database, finds no ballot, and votes."""
    setup = new_campaign(categories=("safety",))
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
    with vote_statements() as seen:
        r = cast_vote(setup, headers, s0)
    assert r.status_code == 201, r.json
    assert seen, "the refusal on a pending use must be checked against the database"
    assert ballot_count(setup.campaign_id) == 1


def test_settle_leaves_nothing_pending(app, client, world, new_campaign, cast_vote):
    setup = new_campaign(categories=("safety",), rules={"revote_other_days": False})
    s0 = setup.candidates["safety"][0]
    person = world.person(setup.branch)
    assert cast_vote(setup, world.headers(person), s0).status_code == 201
    with app.app_context():
        day = clock.vote_day(clock.now())
        r = get_redis()
        assert "p" not in r.hgetall(usage_key(setup.campaign_id, day, person.id))
        assert r.hget(once_key(setup.campaign_id, person.id), str(s0)) == "1"
