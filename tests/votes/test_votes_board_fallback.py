"""The leaderboard counted by the database while Redis is down is held to limits kept in this
process's memory: the reader's per-minute limit, and the campaign's database counts."""

from __future__ import annotations

import pytest

from app import create_app


@pytest.fixture
def limited_app(base_config, app):
    """An app whose database counts of a campaign's leaderboard are held to 2 a day (a window
    no test run crosses), sharing the suite's database and Redis."""
    return create_app(
        dict(base_config, LEADERBOARD_DB_LIMIT="2 per day", LEADERBOARD_PER_MINUTE=1000)
    )


def _board(client, setup, headers):
    return client.get(
        f"/api/v1/campaigns/{setup.campaign_id}/leaderboard?category=safety", headers=headers
    )


def test_leaderboard_from_the_database_is_limited_while_redis_is_down(
    limited_app, client, world, new_campaign, redis_down, cast_vote
):
    setup = new_campaign()
    s0 = setup.candidates["safety"][0]
    readers = [world.headers(world.person(setup.branch)) for _ in range(3)]
    assert cast_vote(setup, readers[0], s0).status_code == 201
    c = limited_app.test_client()
    # With Redis up, reads are served by Redis and spend nothing of the database budget.
    for _ in range(3):
        r = _board(c, setup, readers[0])
        assert r.status_code == 200 and r.json[0]["votes"] == 1

    with redis_down(app=limited_app):
        # Two database counts for the campaign in this process, whoever reads...
        for headers in readers[:2]:
            r = _board(c, setup, headers)
            assert r.status_code == 200, r.json
            assert r.json[0]["candidate_id"] == s0 and r.json[0]["votes"] == 1
            assert r.json[0]["name"] == setup.candidate_people[s0].name
        # ...then 503 cache_unavailable with Retry-After, for every reader; no 500.
        r = _board(c, setup, readers[2])
        assert r.status_code == 503
        assert r.json["reason"] == "cache_unavailable" and r.json["message"]
        assert int(r.headers["Retry-After"]) >= 1
        # Another campaign has a budget of its own.
        other = new_campaign()
        r = _board(c, other, readers[0])
        assert r.status_code == 200, r.json

    # Redis is back: Redis serves again.
    r = _board(c, setup, readers[2])
    assert r.status_code == 200 and r.json[0]["votes"] == 1


def test_reader_limit_holds_in_memory_while_redis_is_down(
    base_config, app, client, world, new_campaign, redis_down
):
    limited = create_app(dict(base_config, LEADERBOARD_PER_MINUTE=1, LEADERBOARD_DB_LIMIT=""))
    setup = new_campaign()
    reader, other = (world.headers(world.person(setup.branch)) for _ in range(2))
    c = limited.test_client()
    with redis_down(app=limited):
        # One read a minute: of three reads in a row at least two share a minute.
        statuses = [_board(c, setup, reader).status_code for _ in range(3)]
        assert statuses.count(200) <= 2 and set(statuses) <= {200, 429}
        r = next(r for r in (_board(c, setup, reader) for _ in range(2)) if r.status_code == 429)
        assert r.json["reason"] == "rate_limited" and int(r.headers["Retry-After"]) >= 1
        # The limit is the reader's own.
        assert _board(c, setup, other).status_code == 200
