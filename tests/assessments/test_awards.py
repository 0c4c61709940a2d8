"""包保 visits and the quarterly 六好区队: the ranking by the three locked months' average, the
eligibility rules, the tie-break, at most N awards, the honour wall."""

from __future__ import annotations

from datetime import date, timedelta

from models import QuarterAward, db
from tests.support.concurrency import fire_at_once


def test_visits_and_who_has_not_visited(assessment_scene):
    s = assessment_scene(open_month=False)
    t0, t1, _ = s.teams
    for team in (t0, t1):
        s.ok(s.post("/admin/assessments/patronages", {"office_id": s.safety, "team_id": team}), 201)
    body = {
        "office_id": s.safety,
        "team_id": t0,
        "visited_on": "2026-11-05",
        "visitors": "安全科 张三、李四",
        "problems": "工作面超前支护不到位",
        "agreed": "三日内整改",
        "follow_up": "11月8日复查已整改",
    }
    s.ok(s.post("/assessments/visits", body, s.s1), 201)
    r = s.post("/assessments/visits", {**body, "team_id": s.teams[2]}, s.s1)
    assert (r.status_code, r.json["reason"]) == (403, "not_patron")
    r = s.post("/assessments/visits", body, s.p1)
    assert (r.status_code, r.json["reason"]) == (403, "not_your_office")
    future = (date.today() + timedelta(days=3)).isoformat()
    r = s.post("/assessments/visits", {**body, "visited_on": future}, s.s1)
    assert (r.status_code, r.json["reason"]) == (422, "invalid_visit_date")
    r = s.post("/assessments/visits", {**body, "visited_on": "0001-01-01"}, s.s1)
    assert (r.status_code, r.json["reason"]) == (422, "invalid_visit_date")
    due = s.get("/assessments/visits/due?month=2026-11").json
    assert [(d["team_id"], d["visits"]) for d in due] == [(t0, 1), (t1, 0)]
    assert s.get("/assessments/visits/due?month=2026-10").json[0]["visits"] == 0
    assert s.get("/assessments/visits/due?month=2026-11", s.p1).json == []


def test_the_quarter_ranking_eligibility_and_ties(assessment_scene, locked_month):
    s = assessment_scene(open_month=False)
    r = s.get("/admin/assessments/awards/ranking?quarter=2026-Q3")
    assert (r.status_code, r.json["reason"]) == (409, "quarter_not_complete")
    # team 0: 95, 95, 95 → 95; team 1: 100, 90, 95 → 95 (lower lowest month) ;
    # team 2: 100 ×2 and a veto → not eligible
    locked_month(s, "2026-07", [("隐患治理", 0, 5), ("安全事故", 2, 0)])
    locked_month(s, "2026-08", [("隐患治理", 0, 5), ("隐患治理", 1, 10)])
    r = s.get("/admin/assessments/awards/ranking?quarter=2026-Q3")
    assert r.status_code == 409
    locked_month(s, "2026-09", [("隐患治理", 0, 5), ("隐患治理", 1, 5)])
    r = s.get("/admin/assessments/awards/ranking?quarter=2026-Q3")
    s.ok(r)
    rows = [(x["team_id"], x["average"], x["rank"], x["eligible"]) for x in r.json]
    t0, t1, t2 = s.teams
    assert rows == [(t0, 95.0, 1, True), (t1, 95.0, 2, True), (t2, 100.0, None, False)]
    assert r.json[2]["ineligible_because"] == "有月份被一票否决"
    r = s.post("/admin/assessments/awards", {"quarter": "2026-Q3", "team_id": t2, "citation": "x"})
    assert (r.status_code, r.json["reason"]) == (422, "not_eligible")
    r = s.post(
        "/admin/assessments/awards",
        {"quarter": "2026-Q3", "team_id": t0, "citation": "安全管理扎实，连续三月无事故"},
    )
    s.ok(r, 201)
    assert r.json["slot"] == 1 and r.json["average"] == 95.0
    r = s.post(
        "/admin/assessments/awards", {"quarter": "2026-Q3", "team_id": t0, "citation": "again"}
    )
    assert (r.status_code, r.json["reason"]) == (409, "already_awarded")
    r = s.get("/admin/assessments/awards/ranking?quarter=2026-13")
    assert r.status_code == 422
    wall = s.get("/assessments/honours?quarter=2026-Q3", s.worker)
    s.ok(wall)
    assert [(a["team_id"], a["citation"]) for a in wall.json] == [
        (t0, "安全管理扎实，连续三月无事故")
    ]


def test_a_grade_of_较差_is_not_eligible_and_awards_stop_at_the_limit(
    assessment_scene, app, locked_month
):
    s = assessment_scene(open_month=False)
    locked_month(s, "2026-04", [("支部活动", 1, 30), ("隐患治理", 1, 5)])  # team 1: 65 较差
    locked_month(s, "2026-05", [])
    locked_month(s, "2026-06", [])
    rows = {
        x["team_id"]: x for x in s.get("/admin/assessments/awards/ranking?quarter=2026-Q2").json
    }
    assert rows[s.teams[1]]["ineligible_because"] == "有月份评为较差"
    # two committee members award the two eligible teams at the same instant, limit 6: both
    # land in distinct slots; awarding beyond the limit is refused
    heads = [s.h(s.c1), s.h(s.c2)]
    teams = [s.teams[0], s.teams[2]]

    def award(i: int) -> int:
        return (
            app.test_client()
            .post(
                "/api/v1/admin/assessments/awards",
                json={"quarter": "2026-Q2", "team_id": teams[i], "citation": "表彰"},
                headers=heads[i],
            )
            .status_code
        )

    codes = fire_at_once(2, award)
    assert sorted(codes) in ([201, 201], [201, 409]), codes
    with app.app_context():
        slots = sorted(db.session.scalars(db.select(QuarterAward.slot)))
    assert slots == list(range(1, len(slots) + 1)) and len(slots) == codes.count(201)


def test_the_same_team_awarded_at_once_is_awarded_once(assessment_scene, app, locked_month):
    s = assessment_scene(open_month=False)
    for month in ("2026-01", "2026-02", "2026-03"):
        locked_month(s, month, [])
    heads = [s.h(s.c1), s.h(s.c2)]

    def award(i: int) -> int:
        return (
            app.test_client()
            .post(
                "/api/v1/admin/assessments/awards",
                json={"quarter": "2026-Q1", "team_id": s.teams[0], "citation": "表彰"},
                headers=heads[i],
            )
            .status_code
        )

    assert sorted(fire_at_once(2, award)) == [201, 409]
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(QuarterAward)) == 1


def test_a_six_good_team_award_asks_points_for_its_party_member_leaders(
    assessment_scene, app, locked_month
):
    """Where the mine's rulebook has SIX_GOOD_TEAM, a 六好区队 award files a maker-checker points
    request for each of the 区队's leaders who is a party member (not for a leader who is not,
    nor without the rule)."""
    from models import PointsRequest

    s = assessment_scene(open_month=False)
    for month in ("2026-07", "2026-08", "2026-09"):
        locked_month(s, month, [])
    t0, t1, _ = s.teams
    body = {"quarter": "2026-Q3", "citation": "六好区队"}
    r = s.post("/admin/assessments/awards", {**body, "team_id": t0})
    s.ok(r, 201)
    assert r.json["points_request_ids"] == []  # no rule: no request
    rule = {"code": "SIX_GOOD_TEAM", "name": "六好区队", "points": 5, "source": "manual"}
    s.ok(s.post("/admin/rulebook", rule), 201)
    member = s.world.member(s.branches[1])
    s.duty(t1, member, "leader")  # t1's first leader is not a party member
    r = s.post("/admin/assessments/awards", {**body, "team_id": t1})
    s.ok(r, 201)
    (request_id,) = r.json["points_request_ids"]
    with app.app_context():
        req = db.session.get(PointsRequest, request_id)
        assert (req.person_id, req.delta, req.status) == (member.id, 5, "pending")
        assert req.requested_by_id == s.c1.id  # another committee member approves it
