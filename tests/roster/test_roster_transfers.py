"""Issue 11, transfers: a new unit or branch moves the person; their pairings that now cross
branches are listed for the secretaries of both branches, who confirm (it goes on) or end it."""

from __future__ import annotations

from models import Notification, Pairing, db

A_UNIT, A = "综采一队", "综采一队党支部"
B_UNIT, B = "掘进二队", "掘进二队党支部"


def scene(app, client, world, new_hr):
    """Branches A and B with a secretary each; member M1 of A paired with employees E1, E2."""
    hr = new_hr()
    hr.add("SA", "甲书记", A_UNIT, A, "中共党员")
    hr.add("SB", "乙书记", B_UNIT, B, "中共党员")
    hr.add("M1", "党员一", A_UNIT, A, "中共党员")
    hr.add("E1", "职工一", A_UNIT, "")
    hr.add("E2", "职工二", A_UNIT, "")
    hr.add("EB", "乙队职工", B_UNIT, "")
    hr.send()
    a, b = hr.branch(A), hr.branch(B)
    world.grant(hr.person("SA"), "secretary", a)
    world.grant(hr.person("SB"), "secretary", b)
    h = {"SA": hr.login("SA"), "SB": hr.login("SB")}
    ids = {}
    for e in ("E1", "E2"):
        r = client.post(
            "/api/v1/pairings",
            json={"member_id": hr.person("M1").id, "employee_id": hr.person(e).id},
            headers=h["SA"],
        )
        assert r.status_code == 201, r.json
        ids[e] = r.json["id"]
    return hr, a, b, h, ids


def reviews(client, branch, headers, status="open"):
    r = client.get(f"/api/v1/branches/{branch.id}/pairing-reviews?status={status}", headers=headers)
    assert r.status_code == 200, r.json
    return r.json


def test_employee_transfer_lists_the_pairing_for_both_secretaries(app, client, world, new_hr):
    """issue 11 (transfers): E1 moves to B's unit; the pairing goes on, listed for A and B."""
    hr, a, b, h, ids = scene(app, client, world, new_hr)
    hr.rows["E1"][3] = B_UNIT  # a new unit, and with it the branch that covers it
    preview = hr.send(dry_run=True)
    assert [(r["pairing_id"], r["review_id"]) for r in preview["pairing_reviews"]] == [
        (ids["E1"], None)
    ]
    assert reviews(client, a, h["SA"]) == []  # the preview opened nothing

    answer = hr.send()
    (t,) = answer["transfers"]
    assert t["employee_no"] == "E1" and t["unit"] == {"from": A_UNIT, "to": B_UNIT}
    assert t["branch"] == {"from": A, "to": B}
    (listed,) = answer["pairing_reviews"]
    assert listed["cause"] == "employee_moved" and listed["pairing_id"] == ids["E1"]
    for branch, who in ((a, "SA"), (b, "SB")):
        (rev,) = reviews(client, branch, h[who])
        assert rev["pairing_id"] == ids["E1"] and rev["cause"] == "employee_moved"
        assert rev["member"]["branch"] == A and rev["employee"]["branch"] == B
        assert rev["pairing_active"] is True and rev["status"] == "open"
    secretaries = sorted([hr.person("SA").id, hr.person("SB").id])
    with app.app_context():
        assert db.session.get(Pairing, ids["E1"]).active is True  # it goes on meanwhile
        told = db.session.scalars(
            db.select(Notification.person_id).where(Notification.kind == "pairing_reviews")
        ).all()
        assert sorted(told) == secretaries

    review_id = reviews(client, a, h["SA"])[0]["id"]
    assert listed["review_id"] == review_id
    r = client.post(f"/api/v1/pairing-reviews/{review_id}/confirm", headers=h["SA"])
    assert r.status_code == 200, r.json
    assert r.json["status"] == "open" and r.json["member_side"]["by_id"] == hr.person("SA").id
    assert r.json["employee_side"] is None
    r = client.post(f"/api/v1/pairing-reviews/{review_id}/confirm", headers=h["SB"])
    assert r.status_code == 200 and r.json["status"] == "closed" and r.json["outcome"] == "kept"
    assert r.json["pairing_id"] == ids["E1"] and r.json["pairing_active"] is True
    assert reviews(client, a, h["SA"]) == [] and len(reviews(client, b, h["SB"], "closed")) == 1
    r = client.post(f"/api/v1/pairing-reviews/{review_id}/end", headers=h["SB"])
    assert r.status_code == 409 and r.json["reason"] == "review_closed"
    # A re-import of the same roster opens nothing new for a pairing already decided.
    assert hr.send()["pairing_reviews"] == []


def test_member_transfer_ended_by_either_secretary(app, client, world, new_hr):
    """issue 11 (transfers): M1 moves to B; B's secretary ends one pairing, history kept."""
    hr, a, b, h, ids = scene(app, client, world, new_hr)
    hr.rows["M1"][3:5] = [B_UNIT, B]
    answer = hr.send()
    assert {r["pairing_id"] for r in answer["pairing_reviews"]} == set(ids.values())
    assert {r["cause"] for r in answer["pairing_reviews"]} == {"member_moved"}
    by_pairing = {r["pairing_id"]: r for r in reviews(client, b, h["SB"])}
    r = client.post(f"/api/v1/pairing-reviews/{by_pairing[ids['E2']]['id']}/end", headers=h["SB"])
    assert r.status_code == 200 and r.json["outcome"] == "ended", r.json
    sb = hr.person("SB").id
    with app.app_context():
        ended = db.session.get(Pairing, ids["E2"])
        assert ended.active is None and ended.end_reason == "member_moved"
        assert ended.ended_by_id == sb
    # Both sides keep the other: it moves under the member's new branch, A keeps its history.
    other = by_pairing[ids["E1"]]["id"]
    client.post(f"/api/v1/pairing-reviews/{other}/confirm", headers=h["SB"])
    r = client.post(f"/api/v1/pairing-reviews/{other}/confirm", headers=h["SA"])
    assert r.json["outcome"] == "kept" and r.json["pairing_branch"]["id"] == b.id
    assert r.json["pairing_id"] != ids["E1"] and r.json["pairing_active"] is True
    assert r.json["employee"]["name"] == "职工一"
    mine_now = client.get(f"/api/v1/branches/{b.id}/pairings", headers=h["SB"]).json
    assert [p["employee"]["name"] for p in mine_now] == ["职工一"]
    history = client.get(f"/api/v1/branches/{a.id}/pairings?status=ended", headers=h["SA"]).json
    assert {p["id"]: p["end_reason"] for p in history} == {
        ids["E1"]: "member_moved",
        ids["E2"]: "member_moved",
    }


def test_a_pair_that_moves_together_needs_no_review(app, client, world, new_hr):
    """issue 11 (transfers): member and employee move to B together: no review, the pairing
    follows them to B and A keeps the history."""
    hr, a, b, h, ids = scene(app, client, world, new_hr)
    hr.rows["M1"][3:5] = [B_UNIT, B]
    hr.rows["E1"][3] = B_UNIT
    answer = hr.send()
    crossing = {r["pairing_id"] for r in answer["pairing_reviews"]}
    assert crossing == {ids["E2"]}  # E2 stayed in A: that one crosses
    now_b = client.get(f"/api/v1/branches/{b.id}/pairings", headers=h["SB"]).json
    assert [p["employee"]["name"] for p in now_b] == ["职工一"]
    with app.app_context():
        assert db.session.get(Pairing, ids["E1"]).end_reason == "member_moved"


def test_review_moot_when_the_person_moves_back(app, client, world, new_hr):
    """issue 11 (transfers): E1 moves to B and back before anyone decided: nothing to review."""
    hr, a, b, h, ids = scene(app, client, world, new_hr)
    hr.rows["E1"][3] = B_UNIT
    hr.send()
    assert len(reviews(client, a, h["SA"])) == 1
    hr.rows["E1"][3] = A_UNIT
    hr.send()
    assert reviews(client, a, h["SA"]) == []
    (closed,) = reviews(client, a, h["SA"], "closed")
    assert closed["outcome"] == "resolved" and closed["pairing_active"] is True


def test_reviews_are_only_for_the_two_branches(app, client, world, new_hr):
    """issue 11 (transfers): a secretary of a third branch neither sees nor decides."""
    hr, a, b, h, ids = scene(app, client, world, new_hr)
    hr.add("SC", "丙书记", "机电队", "机电队党支部", "中共党员")
    hr.rows["E1"][3] = B_UNIT
    hr.send()
    c = hr.branch("机电队党支部")
    world.grant(hr.person("SC"), "secretary", c)
    hc = hr.login("SC")
    review_id = reviews(client, a, h["SA"])[0]["id"]
    assert client.get(f"/api/v1/branches/{a.id}/pairing-reviews", headers=hc).status_code == 404
    assert reviews(client, c, hc) == []
    for verb in ("confirm", "end"):
        r = client.post(f"/api/v1/pairing-reviews/{review_id}/{verb}", headers=hc)
        assert r.status_code == 404 and r.json["reason"] == "review_not_found"
    # Committee staff speak for both branches at once.
    r = client.post(f"/api/v1/pairing-reviews/{review_id}/confirm", headers=hr.h)
    assert r.status_code == 200 and r.json["outcome"] == "kept"


def test_secretary_who_moves_is_warned_about_the_old_grant(app, client, world, new_hr):
    """issue 11 (transfers): a moved secretary keeps the old grant; the answer says so."""
    hr, a, b, h, ids = scene(app, client, world, new_hr)
    hr.rows["SA"][3:5] = [B_UNIT, B]
    answer = hr.send(dry_run=True)
    assert any("甲书记" in w["message"] and A in w["message"] for w in answer["warnings"])


def test_pairing_ended_directly_closes_its_review(app, client, world, new_hr):
    """issue 11 (transfers): ending the pairing the ordinary way leaves nothing to decide."""
    hr, a, b, h, ids = scene(app, client, world, new_hr)
    hr.rows["E1"][3] = B_UNIT
    hr.send()
    (rev,) = reviews(client, a, h["SA"])
    assert client.delete(f"/api/v1/pairings/{ids['E1']}", headers=h["SA"]).status_code == 200
    assert reviews(client, a, h["SA"]) == []
    (closed,) = reviews(client, b, h["SB"], "closed")
    assert closed["id"] == rev["id"] and closed["outcome"] == "resolved"
    assert closed["status"] == "closed"
    r = client.post(f"/api/v1/pairing-reviews/{rev['id']}/confirm", headers=h["SB"])
    assert r.status_code == 409 and r.json["reason"] == "review_closed"
