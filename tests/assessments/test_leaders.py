"""优秀班组长: the 区队's leader nominates a 班组's leader with a citation, once per 班组 and
quarter; a committee member approves or rejects once (never their own nomination); the approved
ones are the honour wall's; points follow only where the mine's rulebook has GROUP_LEADER, as a
maker-checker points request; two approvals at the same instant decide once."""

from __future__ import annotations

from models import LeaderNomination, PointsRequest, Unit, db
from tests.support.concurrency import fire_at_once

API = "/api/v1"


def _nominate(s, group_id, who=None, quarter="2026-Q3"):
    body = {
        "quarter": quarter,
        "group_id": group_id,
        "citation": "带班安全生产零事故，班组“手指口述”执行到位",
    }
    return s.post("/assessments/leader-nominations", body, who or s.leaders[0])


def test_nominate_approve_and_the_honour_wall(assessment_scene, group_and_leader):
    s = assessment_scene(open_month=False)
    g, leader = group_and_leader(s)
    r = _nominate(s, g)
    s.ok(r, 201)
    n = r.json
    assert (n["person_id"], n["status"], n["group"]) == (leader.id, "pending", "综采一班")
    assert (r := _nominate(s, g)).status_code == 409 and r.json["reason"] == "already_nominated"
    # The next quarter is another nomination.
    s.ok(_nominate(s, g, quarter="2026-Q4"), 201)
    # Only the 区队's leader: another team's leader, a worker, an office's scorer.
    for who in (s.leaders[1], s.worker, s.s1):
        r = _nominate(s, g, who, quarter="2027-Q1")
        assert (r.status_code, r.json["reason"]) == (403, "not_the_team_leader")
    r = _nominate(s, s.teams[1], quarter="2027-Q1")  # a 区队 is no 班组
    assert (r.status_code, r.json["reason"]) == (422, "not_a_group")
    r = _nominate(s, g, quarter="2026-Q5")
    assert r.status_code == 422
    # Who sees the nominations: the committee, the team's leader; not another team's.
    assert len(s.get("/assessments/leader-nominations?quarter=2026-Q3").json) == 1
    assert len(s.get("/assessments/leader-nominations", s.leaders[0]).json) == 2
    assert s.get("/assessments/leader-nominations", s.leaders[1]).json == []
    # Nothing on the wall until approved.
    assert s.get("/assessments/honours/leaders?quarter=2026-Q3", s.worker).json == []
    url = f"/admin/assessments/leader-nominations/{n['id']}/decide"
    r = s.post(url, {"approve": True, "reason": "同意"}, s.leaders[0])
    assert r.status_code == 403  # not the committee
    r = s.post(url, {"approve": True, "reason": "同意"})
    s.ok(r)
    assert (r.json["status"], r.json["points_request_id"]) == ("approved", None)  # no rule
    r = s.post(url, {"approve": False}, s.c2)
    assert (r.status_code, r.json["reason"]) == (409, "nomination_decided")
    wall = s.get("/assessments/honours/leaders?quarter=2026-Q3", s.worker).json
    assert [(h["name"], h["group"], h["title"]) for h in wall] == [
        (leader.name, "综采一班", "优秀班组长")
    ]
    assert wall[0]["citation"].startswith("带班安全生产零事故")
    # Another mine sees none of it.
    other = s.world.committee(s.world.mine())
    r = s.client.get(API + "/assessments/honours/leaders", headers=s.world.headers(other))
    assert r.json == []
    r = s.client.post(API + url, json={"approve": True}, headers=s.world.headers(other))
    assert r.status_code == 404


def test_points_follow_the_mines_group_leader_rule_through_a_request(
    assessment_scene, group_and_leader
):
    s = assessment_scene(open_month=False)
    g, leader = group_and_leader(s)
    rule = {"code": "GROUP_LEADER", "name": "优秀班组长", "points": 5, "source": "manual"}
    s.ok(s.client.post(API + "/admin/rulebook", json=rule, headers=s.h()), 201)
    n = _nominate(s, g).json
    r = s.post(f"/admin/assessments/leader-nominations/{n['id']}/decide", {"approve": True})
    s.ok(r)
    request_id = r.json["points_request_id"]
    assert request_id is not None
    with s.app.app_context():
        req = db.session.get(PointsRequest, request_id)
        assert (req.person_id, req.delta, req.status) == (leader.id, 5, "pending")
        assert req.requested_by_id == s.c1.id  # another committee member approves it
    # A rejected nomination asks for nothing.
    g2, _ = group_and_leader(s, 1, "掘进一班")
    n2 = _nominate(s, g2, s.leaders[1]).json
    r = s.post(f"/admin/assessments/leader-nominations/{n2['id']}/decide", {"approve": False})
    s.ok(r)
    assert (r.json["status"], r.json["points_request_id"]) == ("rejected", None)


def test_own_nomination_and_a_group_without_leader(assessment_scene, group_and_leader):
    s = assessment_scene(open_month=False)
    with s.app.app_context():
        team = db.session.get(Unit, s.teams[0])
        unit = Unit(mine_id=team.mine_id, name="空班组", kind="other")
        db.session.add(unit)
        db.session.commit()
        empty = unit.id
    s.ok(
        s.post(f"/admin/assessments/units/{empty}/kind", {"kind": "group", "parent_id": s.teams[0]})
    )
    r = _nominate(s, empty)
    assert (r.status_code, r.json["reason"]) == (422, "no_group_leader")
    # A committee member who leads the 区队 nominates: another member must decide.
    g, _ = group_and_leader(s)
    s.duty(s.teams[0], s.c1, "leader")
    n = _nominate(s, g, s.c1).json
    url = f"/admin/assessments/leader-nominations/{n['id']}/decide"
    r = s.post(url, {"approve": True})
    assert (r.status_code, r.json["reason"]) == (403, "own_nomination")
    s.ok(s.post(url, {"approve": True}, s.c2))


def test_two_approvals_at_the_same_instant_decide_once(assessment_scene, group_and_leader):
    s = assessment_scene(open_month=False)
    g, _ = group_and_leader(s)
    n = _nominate(s, g).json
    h1, h2 = s.h(s.c1), s.h(s.c2)
    url = f"{API}/admin/assessments/leader-nominations/{n['id']}/decide"
    app = s.app

    def go(i: int) -> int:
        with app.test_client() as c:
            body = {"approve": i % 2 == 0, "reason": f"第{i}位"}
            return c.post(url, json=body, headers=h1 if i % 2 == 0 else h2).status_code

    codes = fire_at_once(4, go)
    assert sorted(codes) == [200, 409, 409, 409]
    with app.app_context():
        row = db.session.get(LeaderNomination, n["id"])
        assert row.status in ("approved", "rejected") and row.decided_by_id in (s.c1.id, s.c2.id)
