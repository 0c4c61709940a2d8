"""issue 8 #14 (the open case): another mine's OPEN campaign — and one in 公示 — does not exist
for an outsider: every verb answers 404 campaign_not_found, never 403 or 409, with Redis up or
down (the database path)."""

from __future__ import annotations

from votes import live


def _every_verb(cast_vote, client, setup, headers, candidate_id: int) -> dict[str, object]:
    base = f"/api/v1/campaigns/{setup.campaign_id}"
    answers = {
        "get": client.get(base, headers=headers),
        "vote": cast_vote(setup, headers, candidate_id, via=client),
        "leaderboard": client.get(f"{base}/leaderboard?category=safety", headers=headers),
        "results": client.get(f"{base}/results", headers=headers),
        "notice": client.get(f"{base}/notice", headers=headers),
        "objection": client.post(
            f"{base}/objections",
            json={"candidate_id": candidate_id, "reason": "不符合条件的人选"},
            headers=headers,
        ),
        "qrcode": client.get(f"{base}/candidates/{candidate_id}/qrcode", headers=headers),
    }
    return {
        verb: (r.status_code, (r.json or {}).get("reason") if r.is_json else None)
        for verb, r in answers.items()
    }


def test_another_mines_open_campaign_is_404_for_every_verb(
    app, client, world, new_campaign, redis_down, cast_vote
):
    setup = new_campaign()
    s0 = setup.candidates["safety"][0]
    insider = world.headers(world.person(setup.branch))
    assert cast_vote(setup, insider, s0).status_code == 201
    outsider = world.headers(world.person(world.branch(world.mine())))

    got = _every_verb(cast_vote, client, setup, outsider, s0)
    assert got == {verb: (404, "campaign_not_found") for verb in got}, got
    listed = client.get("/api/v1/campaigns", headers=outsider).json
    assert setup.campaign_id not in {c["id"] for c in listed}

    live.reset_circuit()
    with redis_down():
        got = _every_verb(cast_vote, client, setup, outsider, s0)
        assert got["vote"] == (404, "campaign_not_found"), got
        assert got["leaderboard"] == (404, "campaign_not_found"), got
        assert got["get"] == (404, "campaign_not_found"), got


def test_another_mines_campaign_in_notice_is_404_for_objections(
    app, client, world, new_campaign, cast_vote
):
    setup = new_campaign(per_category=1, categories=("safety",))
    (s0,) = setup.candidates["safety"]
    admin = setup.committee_headers
    base = f"/api/v1/admin/campaigns/{setup.campaign_id}"
    assert cast_vote(setup, world.headers(world.person(setup.branch)), s0).status_code == 201
    assert client.post(f"{base}/close", headers=admin).status_code == 200
    assert client.post(f"{base}/notice", json={"days": 5}, headers=admin).status_code == 200
    outsider = world.headers(world.person(world.branch(world.mine())))
    got = _every_verb(cast_vote, client, setup, outsider, s0)
    assert got == {verb: (404, "campaign_not_found") for verb in got}, got
