"""The leaderboard and a refused repeat cost one Redis round trip on a campaign's keys and no SQL
on the vote tables (issue 28 item 3), and the leaderboard's visibility decision still follows
every committee change: the next read after the change's commit (and its push to Redis) shows
it. Round trips are counted at the connection (the `campaign_round_trips` fixture),
statements with a SQLAlchemy event (vote_statements)."""

from __future__ import annotations

import pytest

from models import Campaign, Person, db
from votes import campaigns

pytestmark = pytest.mark.usefixtures("fresh_vote_path")


def _board(client, setup, headers, category: str = "safety"):
    return client.get(
        f"/api/v1/campaigns/{setup.campaign_id}/leaderboard?category={category}", headers=headers
    )


def test_a_leaderboard_read_is_one_round_trip_and_no_sql(
    app, client, world, new_campaign, vote_statements, campaign_round_trips, cast_vote
):
    setup = new_campaign(categories=("safety", "reform"), per_category=3)
    s0, s1, _ = setup.candidates["safety"]
    headers = world.headers(world.person(setup.branch))
    assert cast_vote(setup, headers, s1).status_code == 201
    assert _board(client, setup, headers).status_code == 200  # this process reads the state
    with vote_statements() as seen, campaign_round_trips() as trips:
        answers = [_board(client, setup, headers) for _ in range(5)]
    assert [r.status_code for r in answers] == [200] * 5
    assert seen == []
    assert len(trips) == 5, trips
    rows = answers[-1].json
    top = [(r["candidate_id"], r["votes"], r["rank"]) for r in rows[:2]]
    assert top == [(s1, 1, 1), (s0, 0, 2)]
    assert {r["candidate_id"] for r in rows} == set(setup.candidates["safety"])
    person = setup.candidate_people[s1]
    assert rows[0]["name"] == person.name and isinstance(rows[0]["unit"], str)
    assert set(rows[0]) == {"rank", "candidate_id", "name", "unit", "votes"}


def test_a_refused_repeat_is_one_round_trip_and_no_sql(
    app, client, world, new_campaign, vote_statements, campaign_round_trips, cast_vote
):
    setup = new_campaign(categories=("safety",))
    s0 = setup.candidates["safety"][0]
    headers = world.headers(world.person(setup.branch))
    assert cast_vote(setup, headers, s0).status_code == 201
    with vote_statements() as seen, campaign_round_trips() as trips:
        answers = [cast_vote(setup, headers, s0) for _ in range(5)]
    assert {(r.status_code, r.json["reason"]) for r in answers} == {(409, "already_voted")}
    assert seen == []
    assert len(trips) == 5, trips


def test_an_idempotent_replay_of_a_refusal_answers_the_same(
    app, client, world, new_campaign, cast_vote, campaign_round_trips
):
    setup = new_campaign(categories=("safety",))
    s0 = setup.candidates["safety"][0]
    headers = world.headers(world.person(setup.branch))
    assert cast_vote(setup, headers, s0).status_code == 201
    keyed = {**headers, "Idempotency-Key": "storm-1"}
    first = cast_vote(setup, keyed, s0)
    assert first.status_code == 409 and first.json["reason"] == "already_voted"
    with campaign_round_trips() as trips:
        again = cast_vote(setup, keyed, s0)
    assert again.status_code == 409 and again.json == first.json
    assert again.headers.get("Idempotent-Replayed") == "true"
    assert trips == []  # replayed: the vote script is not run again


def _hidden_board(new_campaign, client, world):
    setup = new_campaign(categories=("safety",), rules={"hide_tallies": True})
    voter = world.headers(world.person(setup.branch))
    r = _board(client, setup, voter)
    assert r.status_code == 403 and r.json["reason"] == "tallies_hidden"
    return setup, voter


def test_a_close_shows_hidden_tallies_at_the_next_read(app, client, world, new_campaign):
    setup, voter = _hidden_board(new_campaign, client, world)
    base = f"/api/v1/admin/campaigns/{setup.campaign_id}"
    assert client.post(f"{base}/close", headers=setup.committee_headers).status_code == 200
    assert _board(client, setup, voter).status_code == 200


def test_notice_and_publish_keep_the_board_visible_with_its_counts(
    app, client, world, new_campaign, end_notice, cast_vote
):
    setup = new_campaign(categories=("safety",))
    s0 = setup.candidates["safety"][0]
    voter = world.headers(world.person(setup.branch))
    assert cast_vote(setup, voter, s0).status_code == 201
    base = f"/api/v1/admin/campaigns/{setup.campaign_id}"
    admin = setup.committee_headers
    assert client.post(f"{base}/close", headers=admin).status_code == 200
    assert _board(client, setup, voter).json[0]["votes"] == 1
    assert client.post(f"{base}/notice", json={"days": 1}, headers=admin).status_code == 200
    assert _board(client, setup, voter).json[0]["votes"] == 1
    end_notice(setup.campaign_id)
    assert client.post(f"{base}/publish", headers=admin).status_code == 200
    r = _board(client, setup, voter)
    assert r.status_code == 200 and r.json[0] == {**r.json[0], "candidate_id": s0, "votes": 1}
    with app.app_context():
        assert db.session.get(Campaign, setup.campaign_id).status == "published"


def test_hiding_and_showing_tallies_is_seen_at_the_next_read(app, client, world, new_campaign):
    setup = new_campaign(categories=("safety",))
    voter = world.headers(world.person(setup.branch))
    assert _board(client, setup, voter).status_code == 200
    for hide, status in ((True, 403), (False, 200), (True, 403)):
        r = client.patch(
            f"/api/v1/admin/campaigns/{setup.campaign_id}",
            json={"rules": {"hide_tallies": hide}},
            headers=setup.committee_headers,
        )
        assert r.status_code == 200, r.json
        assert _board(client, setup, voter).status_code == status
    # The committee always sees.
    assert _board(client, setup, setup.committee_headers).status_code == 200


def test_a_withdrawn_candidate_leaves_the_next_read(app, client, world, new_campaign, cast_vote):
    setup = new_campaign(categories=("safety",), per_category=3)
    s0, s1, _ = setup.candidates["safety"]
    voter = world.headers(world.person(setup.branch))
    assert cast_vote(setup, voter, s1).status_code == 201
    assert s1 in {r["candidate_id"] for r in _board(client, setup, voter).json}
    with app.app_context():
        assert campaigns.withdraw_person(setup.candidate_people[s1].id, "调离本矿") == 1
        db.session.commit()
    r = _board(client, setup, voter)
    assert r.status_code == 200
    assert [row["candidate_id"] for row in r.json] == [s0, setup.candidates["safety"][2]]
    with app.app_context():
        assert db.session.get(Person, setup.candidate_people[s1].id) is not None


def test_an_empty_category_is_an_empty_list(app, client, world, new_campaign):
    setup = new_campaign(categories=("safety",))
    voter = world.headers(world.person(setup.branch))
    r = _board(client, setup, voter, category="reform")  # a category the campaign does not run
    assert r.status_code == 200 and r.json == []


def test_a_keyed_refusal_writes_its_answer_and_reads_nothing_else(
    app, client, world, new_campaign, cast_vote, campaign_round_trips, all_statements
):
    """With an Idempotency-Key the refusal is remembered (a replay answers the same), at the
    cost of the claim (a look-up and an insert) and one update of the answer: the claim's commit
    must not make the view read the caller's account and person again, and the answer is
    written by id without reading the record back."""
    setup = new_campaign(categories=("safety",))
    s0 = setup.candidates["safety"][0]
    headers = world.headers(world.person(setup.branch))
    assert cast_vote(setup, headers, s0).status_code == 201
    assert cast_vote(setup, {**headers, "Idempotency-Key": "warm"}, s0).status_code == 409
    with all_statements() as seen, campaign_round_trips() as trips:
        r = cast_vote(setup, {**headers, "Idempotency-Key": "storm-2"}, s0)
    assert r.status_code == 409 and r.json["reason"] == "already_voted"
    assert len(trips) == 1
    assert seen == [
        "SELECT idempotency_records.id, idempotency_records.scope,",
        "INSERT INTO idempotency_records",
        "UPDATE idempotency_records SET",
    ], seen
    again = cast_vote(setup, {**headers, "Idempotency-Key": "storm-2"}, s0)
    assert again.status_code == 409 and again.json == r.json
    assert again.headers.get("Idempotent-Replayed") == "true"
