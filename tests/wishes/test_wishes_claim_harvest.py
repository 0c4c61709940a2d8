"""issue 19 item 8: a party member of another branch may claim (the pool is the mine's) but
does not read the wisher's name and phone by claiming; the wisher, who sees the claimer's
phone, makes contact. Claim/release cycles are limited per member (WISH_RELEASE_LIMIT releases
per WISH_RELEASE_DAYS): 18 phone-harvesting claims in a row are no longer possible."""

from __future__ import annotations

from tests.support.concurrency import fire_at_once


def test_a_claimer_of_another_branch_does_not_see_the_wisher(client, world, new_scene, new_wish):
    s = new_scene()
    wish_id = new_wish(s)
    r = client.post(f"/api/v1/wishes/{wish_id}/claim", headers=s.h(s.outsider))
    assert r.status_code == 200
    for url in (f"/api/v1/wishes/{wish_id}", "/api/v1/wishes?status=claimed"):
        body = client.get(url, headers=s.h(s.outsider)).json
        rows = body if isinstance(body, list) else body.get("items", [body])
        row = next(w for w in rows if w["id"] == wish_id)
        assert row["wisher"]["phone"] is None and row["wisher"]["name"].endswith("*"), row
    # the wisher sees who claimed and how to reach them
    body = client.get(f"/api/v1/wishes/{wish_id}", headers=s.h(s.wisher)).json
    assert body["claimer"]["phone"] == s.outsider.phone
    # a claimer of the wish's own branch sees the wisher, as before
    other = new_wish(s, title="第二个心愿")
    client.post(f"/api/v1/wishes/{other}/claim", headers=s.h(s.members[0]))
    body = client.get(f"/api/v1/wishes/{other}", headers=s.h(s.members[0])).json
    assert body["wisher"]["phone"] == s.wisher.phone


def test_claim_release_cycles_are_limited(app, client, world, new_scene, new_wish):
    s = new_scene()
    limit = app.config["WISH_RELEASE_LIMIT"]
    member = s.members[0]
    codes = []
    for i in range(limit + 2):
        wish_id = new_wish(s, title=f"心愿{i}")
        r = client.post(f"/api/v1/wishes/{wish_id}/claim", headers=s.h(member))
        codes.append(r.status_code)
        if r.status_code != 200:
            assert r.status_code == 409 and r.json["reason"] == "release_limit", r.json
            continue
        r = client.post(
            f"/api/v1/wishes/{wish_id}/release", json={"reason": "没时间"}, headers=s.h(member)
        )
        assert r.status_code == 200, r.json
    assert codes == [200] * limit + [409, 409]
    # another member is not affected
    wish_id = new_wish(s, title="别人的")
    assert (
        client.post(f"/api/v1/wishes/{wish_id}/claim", headers=s.h(s.members[1])).status_code == 200
    )


def test_release_limit_holds_when_one_member_claims_many_at_once(
    app, client, world, new_scene, new_wish
):
    s = new_scene()
    limit = app.config["WISH_RELEASE_LIMIT"]
    member = s.members[0]
    for i in range(limit - 1):
        wish_id = new_wish(s, title=f"旧{i}")
        client.post(f"/api/v1/wishes/{wish_id}/claim", headers=s.h(member))
        client.post(f"/api/v1/wishes/{wish_id}/release", json={"reason": "x"}, headers=s.h(member))
    # one release left: claimed at once on several wishes, then all released
    ids = [new_wish(s, title=f"新{i}") for i in range(3)]
    headers = s.h(member)

    def claim(i):
        return app.test_client().post(f"/api/v1/wishes/{ids[i]}/claim", headers=headers).status_code

    assert sorted(fire_at_once(3, claim)) == [200, 200, 200]  # under the open-claims cap
    released = [
        client.post(
            f"/api/v1/wishes/{w}/release", json={"reason": "x"}, headers=headers
        ).status_code
        for w in ids
    ]
    assert released == [200, 200, 200]  # releasing is never refused: the wish goes back
    wish_id = new_wish(s, title="再来")
    r = client.post(f"/api/v1/wishes/{wish_id}/claim", headers=headers)
    assert r.status_code == 409 and r.json["reason"] == "release_limit"
