"""Zones (党员责任区): creation within the manager's scope, hand-over history, patrols and the
secretary's view of missed patrols."""

from __future__ import annotations

from datetime import timedelta

from models import utcnow


def test_a_secretary_creates_a_zone_and_anyone_of_the_mine_sees_it(client, new_site, new_zone):
    site = new_site()
    zone = new_zone(site)
    assert zone["member"] == {"id": site.member.id, "name": site.member.name, "phone_tail": "5678"}
    assert zone["active"] is True and zone["holders"][0]["until"] is None
    r = client.get(f"/api/v1/zones/{zone['id']}", headers=site.h(site.workers[0]))
    assert r.status_code == 200 and r.json["checklist"] == ["顶板支护", "瓦斯浓度", "设备防护"]
    assert "13912345678" not in r.get_data(as_text=True)
    mine = client.get("/api/v1/zones/mine", headers=site.h(site.member))
    assert [z["id"] for z in mine.json] == [zone["id"]]


def test_zone_scope_and_bad_input(client, world, new_site, new_zone, zone_body):
    site, other = new_site(), new_site()
    # another branch's secretary may not define a zone in this 区队
    r = client.post("/api/v1/zones", json=zone_body(site), headers=other.h(other.secretary))
    assert r.status_code == 403 and r.json["reason"] == "not_zone_manager"
    # a worker (not a party member) cannot be responsible
    r = client.post(
        "/api/v1/zones",
        json=zone_body(site, member_id=site.workers[0].id),
        headers=site.h(site.secretary),
    )
    assert r.status_code == 422 and r.json["reason"] == "not_party_member"
    # a plain employee cannot create zones
    r = client.post("/api/v1/zones", json=zone_body(site), headers=site.h(site.workers[0]))
    assert r.status_code == 403
    # nothing crosses mines: a person and a zone of another mine are not found
    far = new_site(world.mine())
    r = client.post(
        "/api/v1/zones",
        json=zone_body(site, member_id=far.member.id),
        headers=site.h(site.secretary),
    )
    assert r.status_code == 422 and r.json["reason"] == "other_mine"
    zone = new_zone(site)
    assert (
        client.get(f"/api/v1/zones/{zone['id']}", headers=far.h(far.committee)).status_code == 404
    )


def test_a_zone_has_one_responsible_member_at_a_time_with_history(client, new_site, new_zone):
    site = new_site()
    zone = new_zone(site)
    r = client.patch(
        f"/api/v1/zones/{zone['id']}",
        json={"member_id": site.member2.id},
        headers=site.h(site.committee),
    )
    assert r.status_code == 200, r.json
    assert r.json["member"]["id"] == site.member2.id
    stretches = r.json["holders"]
    assert [h["member"]["id"] for h in stretches] == [site.member.id, site.member2.id]
    assert stretches[0]["until"] is not None and stretches[1]["until"] is None
    # the new holder is no longer listed as their own deputy
    assert site.member2.id not in r.json["deputy_ids"]


def test_patrols_by_the_member_and_missed_patrols_for_the_secretary(
    client, new_site, new_zone, upload_photo
):
    site = new_site()
    zone = new_zone(site)
    photo = upload_photo(site.h(site.member))
    when = (utcnow() - timedelta(minutes=30)).isoformat()
    r = client.post(
        f"/api/v1/zones/{zone['id']}/patrols",
        json={
            "patrolled_at": when,
            "checked": ["顶板支护", "瓦斯浓度"],
            "findings": "机巷 50 米处锚杆松动，已上报",
            "photo_ids": [photo],
        },
        headers=site.h(site.member),
    )
    assert r.status_code == 201, r.json
    # not the zone's member
    r = client.post(
        f"/api/v1/zones/{zone['id']}/patrols",
        json={"patrolled_at": when},
        headers=site.h(site.workers[0]),
    )
    assert r.status_code == 403 and r.json["reason"] == "not_zone_member"
    # an item not on the zone's checklist
    r = client.post(
        f"/api/v1/zones/{zone['id']}/patrols",
        json={"patrolled_at": when, "checked": ["水泵"]},
        headers=site.h(site.member),
    )
    assert r.status_code == 422
    # the photo is used once only
    r = client.post(
        f"/api/v1/zones/{zone['id']}/patrols",
        json={"patrolled_at": when, "photo_ids": [photo]},
        headers=site.h(site.member),
    )
    assert r.status_code == 422 and r.json["reason"] == "photo_not_usable"
    r = client.get("/api/v1/admin/zones/patrols", headers=site.h(site.secretary))
    assert r.status_code == 200
    (row,) = r.json["zones"]
    assert (row["required"], row["done"], row["missed"]) == (3, 1, 2)
    # the committee sees it too; a plain employee does not
    assert client.get("/api/v1/admin/zones/patrols", headers=site.h(site.committee)).json["zones"]
    assert (
        client.get("/api/v1/admin/zones/patrols", headers=site.h(site.workers[0])).status_code
        == 403
    )


def test_an_ended_zone_takes_no_patrols(client, new_site, new_zone):
    site = new_site()
    zone = new_zone(site)
    yesterday = (utcnow() - timedelta(days=1)).date().isoformat()
    r = client.patch(
        f"/api/v1/zones/{zone['id']}",
        json={"ends_on": zone["starts_on"]},
        headers=site.h(site.secretary),
    )
    assert r.status_code == 200
    r = client.patch(
        f"/api/v1/zones/{zone['id']}", json={"ends_on": yesterday}, headers=site.h(site.secretary)
    )
    assert r.status_code == 422  # before the start
    # move the end before today by backdating the start
    from models import Zone, db

    with client.application.app_context():
        z = db.session.get(Zone, zone["id"])
        z.starts_on = z.starts_on - timedelta(days=10)
        z.ends_on = z.starts_on + timedelta(days=1)
        db.session.commit()
    r = client.post(
        f"/api/v1/zones/{zone['id']}/patrols",
        json={"patrolled_at": utcnow().isoformat()},
        headers=site.h(site.member),
    )
    assert r.status_code == 409 and r.json["reason"] == "zone_ended"


def test_days_outside_2000_to_2100_are_refused_not_a_500(client, new_site, new_zone, zone_body):
    site = new_site()
    r = client.post(
        "/api/v1/zones",
        json=zone_body(site, starts_on="0001-01-01"),
        headers=site.h(site.secretary),
    )
    assert r.status_code == 422
    r = client.get("/api/v1/admin/zones/patrols?week=0001-01-01", headers=site.h(site.secretary))
    assert r.status_code == 422
    r = client.get("/api/v1/admin/zones/patrols?week=9999-12-31", headers=site.h(site.secretary))
    assert r.status_code == 422
