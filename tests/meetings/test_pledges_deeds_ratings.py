"""承诺践诺 reviewed by the rules, 我为职工办实事 with a fulfilled wish, and the yearly
五型党员 / 五星党支部 ratings proposed from the thresholds and confirmed by the committee."""

from __future__ import annotations

from models import PointsEntry, db, utcnow
from points.ledger import award


def points(app, person_id):
    with app.app_context():
        return [
            (e.kind, e.delta, e.ref)
            for e in db.session.scalars(
                db.select(PointsEntry)
                .where(PointsEntry.person_id == person_id)
                .order_by(PointsEntry.id)
            )
        ]


def test_a_pledge_is_made_reviewed_twice_and_scored(app, client, world, new_team):
    team = new_team(members=1)
    m = team.members[0]
    year = utcnow().year
    body = {"year": year, "items": ["带头遵守安全规程，全年零三违", "每月帮扶一名困难职工"]}
    r = client.put("/api/v1/pledges/mine", json=body, headers=team.h(m))
    assert r.status_code == 200 and r.json["items"] == body["items"], r.json
    r = client.put(
        "/api/v1/pledges/mine", json={**body, "items": ["全年零三违"]}, headers=team.h(m)
    )
    assert r.status_code == 200 and r.json["items"] == ["全年零三违"]  # rewritten before review
    pledge_id = r.json["id"]
    r = client.put("/api/v1/pledges/mine", json={**body, "items": []}, headers=team.h(m))
    assert r.status_code == 422
    review = f"/api/v1/admin/pledges/{pledge_id}/review"
    r = client.post(review, json={"stage": "mid", "verdict": "partly"}, headers=team.sec)
    assert r.status_code == 200 and r.json["mid_verdict"] == "partly", r.json
    r = client.post(review, json={"stage": "mid", "verdict": "kept"}, headers=team.sec)
    assert r.status_code == 409 and r.json["reason"] == "pledge_reviewed"
    r = client.post(
        review, json={"stage": "end", "verdict": "kept", "note": "全年零三违"}, headers=team.sec
    )
    assert r.status_code == 200
    assert points(app, m.id) == [
        ("pledge_partly", 2, f"pledge:{pledge_id}:mid"),
        ("pledge_kept", 5, f"pledge:{pledge_id}:end"),
    ]
    r = client.put("/api/v1/pledges/mine", json=body, headers=team.h(m))
    assert r.status_code == 409 and r.json["reason"] == "pledge_reviewed"
    # the secretary's own pledge is reviewed by someone else
    client.put("/api/v1/pledges/mine", json=body, headers=team.sec)
    own = client.get("/api/v1/pledges/mine", headers=team.sec).json[0]["id"]
    r = client.post(
        f"/api/v1/admin/pledges/{own}/review",
        json={"stage": "mid", "verdict": "kept"},
        headers=team.sec,
    )
    assert r.status_code == 403 and r.json["reason"] == "own_pledge"
    listed = client.get(f"/api/v1/admin/pledges?year={year}", headers=team.sec).json
    assert {p["id"] for p in listed} == {pledge_id, own}
    worker = world.person(team.branch)
    r = client.put("/api/v1/pledges/mine", json=body, headers=world.headers(worker))
    assert r.status_code == 403


def test_a_deed_may_be_a_fulfilled_wish_and_credits_its_doer(
    app, client, world, force_wish_status, new_wish, wish_scene
):
    s = wish_scene()
    wish_id = new_wish(s)
    deed = {"branch_id": s.branch.id, "title": "为张师傅家孩子送书包", "beneficiary": "张三丰"}
    r = client.post(
        "/api/v1/admin/deeds", json={**deed, "wish_id": wish_id}, headers=s.h(s.secretary)
    )
    assert r.status_code == 422 and r.json["reason"] == "wish_not_fulfilled"
    claimer = s.members[0]
    force_wish_status(wish_id, "completed", claimer_id=claimer.id)
    r = client.post(
        "/api/v1/admin/deeds", json={**deed, "wish_id": wish_id}, headers=s.h(s.secretary)
    )
    assert r.status_code == 201 and r.json["doer_id"] == claimer.id, r.json
    again = client.post(
        "/api/v1/admin/deeds", json={**deed, "wish_id": wish_id}, headers=s.h(s.secretary)
    )
    assert again.status_code == 409 and again.json["reason"] == "wish_already_linked"
    status = f"/api/v1/admin/deeds/{r.json['id']}/status"
    assert (
        client.post(status, json={"status": "done"}, headers=s.h(s.secretary)).json["status"]
        == "done"
    )
    client.post(status, json={"status": "done"}, headers=s.h(s.secretary))
    assert points(app, claimer.id) == [("deed_done", 3, f"deed:{r.json['id']}")]
    r = client.post("/api/v1/admin/deeds", json=deed, headers=s.h(s.members[1]))
    assert r.status_code == 403
    listed = client.get("/api/v1/admin/deeds", headers=s.h(s.committee)).json
    assert len(listed) == 1


def test_ratings_are_proposed_from_thresholds_and_confirmed_by_the_committee(
    app, client, world, new_team
):
    team = new_team(members=2)
    star, other = team.members
    with app.app_context():
        award(star.id, 95, "manual", "全年积分", ref="t:1")
        award(other.id, 40, "manual", "全年积分", ref="t:2")
        db.session.commit()
    committee = world.headers(world.committee(world.default_mine()))
    year = utcnow().year
    r = client.post("/api/v1/admin/ratings", json={"year": year}, headers=committee)
    assert r.status_code == 200, r.json
    members = [x for x in r.json if x["kind"] == "member_five_type"]
    assert [(x["subject_id"], x["status"]) for x in members] == [(star.id, "proposed")]
    r = client.post(
        f"/api/v1/admin/ratings/{members[0]['id']}/decide",
        json={"approve": True},
        headers=committee,
    )
    assert r.status_code == 200 and r.json["status"] == "confirmed"
    r = client.post(
        f"/api/v1/admin/ratings/{members[0]['id']}/decide",
        json={"approve": False},
        headers=committee,
    )
    assert r.status_code == 409 and r.json["reason"] == "rating_decided"
    r = client.post("/api/v1/admin/ratings", json={"year": year}, headers=team.sec)
    assert r.status_code == 403
    again = client.post("/api/v1/admin/ratings", json={"year": year}, headers=committee).json
    assert [x["status"] for x in again if x["kind"] == "member_five_type"] == ["confirmed"]
