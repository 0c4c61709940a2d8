"""Issue 9 #1: nobody awards themselves points; a manual adjustment is a request that takes effect
only when a committee member of the mine other than its author approves it."""

from __future__ import annotations

from models import PointsEntry, db
from tests.support.concurrency import fire_at_once


def request_points(client, headers, employee_no, delta, reason="抢险突击表现突出"):
    return client.post(
        "/api/v1/admin/points",
        json={"employee_no": employee_no, "delta": delta, "reason": reason},
        headers=headers,
    )


def decide(client, headers, request_id, approve=True, reason="经核实，同意"):
    return client.post(
        f"/api/v1/admin/points/requests/{request_id}/decide",
        json={"approve": approve, "reason": reason},
        headers=headers,
    )


def ledger_total(client, headers) -> int:
    return client.get("/api/v1/points/mine?period=all", headers=headers).json["total"]


def test_issue9_1_a_secretary_cannot_award_themselves_points(client, world, new_team):
    """issue 9 #1: a secretary awarded themselves 100 points at a time, again and again."""
    team = new_team(members=1)
    for delta in (100, 5, -3):
        r = request_points(client, team.sec, team.secretary.employee_no, delta)
        assert r.status_code == 403 and r.json["reason"] == "own_points", r.json
    committee = world.committee()
    r = request_points(client, world.headers(committee), committee.employee_no, 10)
    assert r.status_code == 403 and r.json["reason"] == "own_points"
    assert ledger_total(client, team.sec) == 0
    with client.application.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(PointsEntry)) == 0


def test_issue9_1_an_adjustment_waits_for_another_committee_member(app, client, world, new_team):
    """issue 9 #1: a request is pending until a committee member other than its author decides;
    both people and both reasons are on record."""
    team = new_team(members=1)
    m = team.members[0]
    first, second = world.committee(), world.committee()
    h1, h2 = world.headers(first), world.headers(second)
    r = request_points(client, team.sec, m.employee_no, 8, "带班抢险")
    assert r.status_code == 201, r.json
    assert r.json["status"] == "pending" and r.json["id"]
    request_id = r.json["id"]
    assert ledger_total(client, team.h(m)) == 0
    # The secretary who asked is not a committee member; a member cannot decide.
    assert decide(client, team.sec, request_id).status_code == 403
    assert decide(client, team.h(m), request_id).status_code == 403
    r = decide(client, h1, request_id, reason="")
    assert r.status_code == 422 and "reason" in r.json["errors"]
    r = decide(client, h1, request_id, True, "材料齐全")
    assert r.status_code == 200, r.json
    body = r.json
    assert body["status"] == "approved" and body["decision_reason"] == "材料齐全"
    assert body["requested_by"]["id"] == team.secretary.id and body["reason"] == "带班抢险"
    assert body["decided_by"]["id"] == first.id and body["entry_id"]
    assert ledger_total(client, team.h(m)) == 8
    # Decided once: the second committee member gets 409, the ledger does not move.
    r = decide(client, h2, request_id, False, "重复")
    assert r.status_code == 409 and r.json["reason"] == "request_decided"
    assert ledger_total(client, team.h(m)) == 8

    # A committee member's own request needs another committee member.
    r = request_points(client, h1, m.employee_no, -2, "违章")
    own = r.json["id"]
    r = decide(client, h1, own)
    assert r.status_code == 403 and r.json["reason"] == "own_request"
    r = decide(client, h2, own, False, "证据不足")
    assert r.status_code == 200 and r.json["status"] == "rejected"
    assert ledger_total(client, team.h(m)) == 8


def test_issue9_1_nobody_approves_points_for_themselves(client, world):
    """issue 9 #1: a committee member cannot approve a request about their own points."""
    branch = world.branch()
    insider = world.member(branch)
    world.grant(insider, "committee")
    sec = world.secretary(branch)
    r = request_points(client, world.headers(sec), insider.employee_no, 3)
    assert r.status_code == 201, r.json
    r = decide(client, world.headers(insider), r.json["id"])
    assert r.status_code == 403 and r.json["reason"] == "own_points"


def test_issue9_1_the_committee_sees_every_adjustment_in_one_list(client, world, new_campaign):
    """issue 9 #1: one audit list; manual points for a candidate of an unpublished campaign are
    flagged there."""
    setup = new_campaign(per_category=1, categories=("safety",))
    candidate = next(iter(setup.candidate_people.values()))
    sec = world.secretary(setup.branch)
    h_sec = world.headers(sec)
    r1 = request_points(client, h_sec, candidate.employee_no, 50, "候选人加分")
    ordinary = world.member(setup.branch)
    r2 = request_points(client, h_sec, ordinary.employee_no, 2, "普通加分")
    assert r1.status_code == r2.status_code == 201
    decide(client, world.headers(world.committee()), r2.json["id"], False, "不符合规定")
    rows = client.get(
        "/api/v1/admin/points/requests?status=all", headers=setup.committee_headers
    ).json
    by_id = {row["id"]: row for row in rows}
    assert set(by_id) == {r1.json["id"], r2.json["id"]}
    flagged = by_id[r1.json["id"]]
    assert flagged["flagged"] is True
    assert flagged["candidate_of"][0]["campaign_id"] == setup.campaign_id
    assert flagged["candidate_of"][0]["category"] == "safety"
    assert by_id[r2.json["id"]]["flagged"] is False
    assert by_id[r2.json["id"]]["status"] == "rejected"
    pending = client.get(
        "/api/v1/admin/points/requests?status=pending", headers=setup.committee_headers
    ).json
    assert [row["id"] for row in pending] == [r1.json["id"]]
    # Members never see the list.
    r = client.get("/api/v1/admin/points/requests", headers=world.headers(ordinary))
    assert r.status_code == 403


def test_issue9_1_two_approvals_at_once_award_once(app, client, world, new_team):
    """issue 9 #1: the pending → approved step happens once under any concurrency."""
    team = new_team(members=1)
    m = team.members[0]
    deciders = [world.headers(world.committee()) for _ in range(6)]
    request_id = request_points(client, team.sec, m.employee_no, 9).json["id"]
    results = fire_at_once(
        len(deciders), lambda i: decide(app.test_client(), deciders[i], request_id).status_code
    )
    assert sorted(results) == [200] + [409] * 5
    from models import PointsRequest

    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(PointsEntry)) == 1
        req = db.session.get(PointsRequest, request_id)
        assert req.status == "approved" and req.entry_id is not None
