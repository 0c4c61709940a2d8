"""The self-vote rule: by default a candidate may not vote for themselves (409 self_vote), on the
Redis path and on the database path alike, and the refused vote spends none of their uses."""

from __future__ import annotations

import pytest

from votes import live


@pytest.fixture(autouse=True)
def _generous_limits(app):
    saved = app.config["VOTE_ACCOUNT_PER_MINUTE"]
    app.config["VOTE_ACCOUNT_PER_MINUTE"] = 10000
    live.reset_circuit()
    yield
    app.config["VOTE_ACCOUNT_PER_MINUTE"] = saved


def test_a_candidate_cannot_vote_for_themselves_by_default(
    app, client, world, new_campaign, cast_vote, db_counts
):
    setup = new_campaign(per_category=2)
    mine, other = setup.candidates["safety"]
    headers = world.headers(setup.candidate_people[mine])

    detail = client.get(f"/api/v1/campaigns/{setup.campaign_id}", headers=headers).json
    assert detail["rules"]["allow_self_vote"] is False

    r = cast_vote(setup, headers, mine)
    assert r.status_code == 409, r.json
    assert r.json["reason"] == "self_vote"
    assert r.json["message"] == "本次评选不允许候选人给自己投票"
    assert db_counts(setup.campaign_id) == {}

    # The refusal gave the use back: three votes in the category are still theirs today.
    detail = client.get(f"/api/v1/campaigns/{setup.campaign_id}", headers=headers).json
    assert detail["my_remaining"]["safety"] == 3
    assert cast_vote(setup, headers, other).status_code == 201
    # Asked again, the same answer (not already_voted, not a rebuild's stale count).
    assert cast_vote(setup, headers, mine).json["reason"] == "self_vote"
    assert db_counts(setup.campaign_id) == {other: 1}


def test_the_rule_holds_on_the_database_path(
    app, client, world, monkeypatch, new_campaign, cast_vote, db_counts
):
    setup = new_campaign(per_category=1)
    (mine,) = setup.candidates["safety"]
    headers = world.headers(setup.candidate_people[mine])

    def down(*_a, **_k):
        raise live.RedisDown()

    monkeypatch.setattr(live, "run", down)
    r = cast_vote(setup, headers, mine)
    assert r.status_code == 409 and r.json["reason"] == "self_vote"
    assert db_counts(setup.campaign_id) == {}


def test_a_campaign_may_allow_it(app, client, world, new_campaign, cast_vote, db_counts):
    setup = new_campaign(per_category=1, rules={"allow_self_vote": True})
    (mine,) = setup.candidates["safety"]
    headers = world.headers(setup.candidate_people[mine])
    r = cast_vote(setup, headers, mine)
    assert r.status_code == 201, r.json
    assert db_counts(setup.campaign_id) == {mine: 1}
