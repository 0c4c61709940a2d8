"""六型班组: the monthly round of the mine's 班组 on a group sheet — items scored by an office
or by the group's own 区队 —, who may score and see what, the race on one item, the lock, the
quarterly ranking and awards of 班组, and the points an award asks for under the mine's rule."""

from __future__ import annotations

import io

from openpyxl import load_workbook

from models import Honour, PointsRequest, QuarterAward, db

API = "/api/v1"


def test_a_full_group_month_from_open_to_lock(assessment_scene, new_groups):
    s = (
        assessment_scene()
    )  # a 区队 month of 2026-11 is open: a 班组 month shares the calendar month
    g = new_groups(s)
    t0, t1, _ = s.teams
    months = s.get("/assessments/months?kind=group").json
    assert [(m["id"], m["kind"]) for m in months] == [(g.month_id, "group")]
    both = s.get("/assessments/months").json  # the 区队 month first in a calendar month
    assert [(m["month"], m["kind"]) for m in both] == [("2026-11", "team"), ("2026-11", "group")]
    again = {"month": "2026-11", "template_id": g.template["id"], "kind": "group"}
    r = s.post("/admin/assessments/months", again)
    assert (r.status_code, r.json["reason"]) == (409, "assessment_month_exists")
    # A group template does not open a 区队 month, nor a team template a 班组 month.
    r = s.post("/admin/assessments/months", {"month": "2026-12", "template_id": g.template["id"]})
    assert (r.status_code, r.json["reason"]) == (404, "template_not_found")
    body = {"month": "2026-12", "template_id": s.template["id"], "kind": "group"}
    r = s.post("/admin/assessments/months", body)
    assert (r.status_code, r.json["reason"]) == (404, "template_not_found")

    # The office scores its items; the 区队's leader the parent-scored items of its 班组.
    s.ok(g.score("班前会", g.g1, 6, s.s1))
    s.ok(g.score("任务完成", g.g1, 5, s.leaders[0]))
    s.ok(g.score("班组学习", g.g3, 4, s.leaders[1]))
    r = g.score("任务完成", g.g1, 3, s.s1)  # an office does not score the 区队's items
    assert (r.status_code, r.json["reason"]) == (403, "not_your_office")
    r = g.score("班前会", g.g2, 3, s.leaders[0])  # nor a 区队 the office's
    assert (r.status_code, r.json["reason"]) == (403, "not_your_office")
    r = g.score("任务完成", t0, 3, s.leaders[0])  # a 区队 is not scored on a group sheet
    assert (r.status_code, r.json["reason"]) == (422, "not_a_group")

    # The 班组长 sees the group's sheet as it fills (no rank before the lock).
    leader1 = g.leader[g.g1]
    mine = s.get("/assessments/my-team?kind=group", leader1).json
    assert mine["team"]["id"] == g.g1 and mine["sheet"]["month"]["kind"] == "group"
    lines = {i["title"]: i for i in mine["sheet"]["items"]}
    assert (lines["任务完成"]["office_id"], lines["任务完成"]["scored_by_parent"]) == (t0, True)
    assert lines["班前会"]["office_id"] == s.safety and not lines["班前会"]["scored_by_parent"]
    assert lines["任务完成"]["deduction"]["points"] == 5
    assert mine["sheet"]["result"]["total"] == 89 and mine["sheet"]["result"]["rank"] is None
    # Another 班组's leader and another 区队's leader do not see it; the office sees its lines.
    r = s.get(f"/assessments/months/{g.month_id}/teams/{g.g1}", g.leader[g.g3])
    assert r.status_code == 404
    r = s.get(f"/assessments/months/{g.month_id}/teams/{g.g1}", s.leaders[1])
    assert r.status_code == 404
    r = s.get(f"/assessments/months/{g.month_id}/teams/{g.g1}", s.leaders[0])
    s.ok(r)
    assert len(r.json["items"]) == 5
    r = s.get(f"/assessments/months/{g.month_id}/teams/{g.g1}", s.s1)
    assert {i["title"] for i in r.json["items"]} == {"班前会", "现场文明", "班组事故"}

    # Submissions: the office and each 区队 that has 班组; 区队 2 has none.
    board = s.get(f"/admin/assessments/months/{g.month_id}/board").json
    assert [o["id"] for o in board["offices"]] == sorted([s.safety, t0, t1])
    assert {r["team_id"] for r in board["rows"]} == {g.g1, g.g2, g.g3}
    r = g.submit(t0, s.leaders[1])
    assert (r.status_code, r.json["reason"]) == (403, "not_your_office")
    s.ok(g.submit(s.safety, s.s1), 201)
    s.ok(g.submit(t0, s.leaders[0]), 201)
    r = s.post(f"/admin/assessments/months/{g.month_id}/lock")
    assert (r.status_code, r.json["reason"]) == (409, "cannot_lock_yet")
    s.ok(g.submit(t1, s.leaders[1]), 201)

    # The 班组长 objects to the 区队's deduction; the 区队's leader answers it.
    d = lines["任务完成"]["deduction"]["id"]
    r = s.post(f"/assessments/deductions/{d}/objection", {"text": "任务已补齐"}, s.leaders[1])
    assert r.status_code == 404
    r = s.post(f"/assessments/deductions/{d}/objection", {"text": "任务已补齐"}, leader1)
    s.ok(r, 201)
    objection = r.json["id"]
    listed = s.get(f"/assessments/months/{g.month_id}/objections", s.leaders[0]).json
    assert [o["id"] for o in listed] == [objection]
    r = s.post(f"/assessments/objections/{objection}/answer", {"answer": "x"}, s.s1)
    assert r.status_code == 404
    body = {"answer": "复核属实，改扣 2 分", "points": 2}
    s.ok(s.post(f"/assessments/objections/{objection}/answer", body, s.leaders[0]))
    g.age()
    s.ok(s.post(f"/admin/assessments/months/{g.month_id}/lock"))

    board = s.get(f"/admin/assessments/months/{g.month_id}/board").json
    rows = {r["team_id"]: r for r in board["rows"]}
    assert (rows[g.g2]["total"], rows[g.g2]["rank"]) == (100, 1)
    assert (rows[g.g3]["total"], rows[g.g3]["rank"]) == (96, 2)
    assert (rows[g.g1]["total"], rows[g.g1]["grade"], rows[g.g1]["rank"]) == (92, "优秀", 3)
    cells = dict(zip([o["id"] for o in board["offices"]], rows[g.g1]["cells"], strict=True))
    assert cells == {s.safety: 6, t0: 2, t1: 0}
    mine = s.get("/assessments/my-team?kind=group&month=2026-11", leader1).json
    assert mine["sheet"]["result"]["rank"] == 3
    # The 区队 month of the same calendar month is untouched; the 区队's own view still works.
    team_view = s.get("/assessments/my-team", s.leaders[0]).json
    assert team_view["team"]["id"] == t0 and team_view["sheet"]["month"]["kind"] == "team"

    # The export: the ranking of 班组 first, then one sheet per 班组.
    r = s.client.get(f"{API}/admin/assessments/months/{g.month_id}/export.xlsx", headers=s.h())
    s.ok(r)
    assert "assessment-group-2026-11.xlsx" in r.headers["Content-Disposition"]
    wb = load_workbook(io.BytesIO(r.data))
    assert wb.sheetnames == ["排名", "综采二班", "掘进一班", "综采一班"]
    assert wb["排名"]["A1"].value == "2026-11 班组月度考核排名（已锁定）"
    assert wb["排名"]["B2"].value == "班组"
    assert wb["综采一班"]["A1"].value == "综采一班 2026-11 六型班组考核表"
    # A 区队 after the lock adjusts through the same maker-checker path.
    r = s.post(
        f"/admin/assessments/months/{g.month_id}/adjustments",
        {"team_id": g.g1, "delta": 3, "reason": "复核"},
    )
    s.ok(r, 201)
    s.ok(
        s.post(
            f"/admin/assessments/adjustments/{r.json['id']}/decide",
            {"approve": True, "reason": "同意"},
            s.c2,
        )
    )
    after = s.get("/assessments/my-team?kind=group&month=2026-11", leader1).json
    assert after["sheet"]["result"]["total"] == 95


def test_templates_of_groups_may_leave_the_office_to_the_groups_own_team(assessment_scene):
    s = assessment_scene(open_month=False)
    body = s.template_body("无科室区队表")
    body["items"][0]["office_id"] = None
    r = s.post("/admin/assessments/templates", body)
    assert (r.status_code, r.json["reason"]) == (422, "not_an_office")
    r = s.post("/admin/assessments/templates/example?kind=group")
    s.ok(r, 201)
    assert r.json["kind"] == "group" and r.json["is_example"]
    assert sum(i["max_points"] for i in r.json["items"]) == 100
    assert {i["group"] for i in r.json["items"]} >= {"安全型", "学习型", "创新型", "清洁型"}
    assert any(i["office_id"] is None for i in r.json["items"])
    again = s.post("/admin/assessments/templates/example?kind=group")
    assert again.json["id"] == r.json["id"]


def test_a_team_cannot_score_another_teams_groups(assessment_scene, new_groups):
    s = assessment_scene(open_month=False)
    g = new_groups(s)
    r = g.score("任务完成", g.g3, 2, s.leaders[0])
    assert (r.status_code, r.json["reason"]) == (403, "not_your_office")
    r = g.score("任务完成", g.g1, 2, s.leaders[1])
    assert (r.status_code, r.json["reason"]) == (403, "not_your_office")
    r = g.score("任务完成", g.g1, 2, g.leader[g.g1])  # nor the 班组长 their own
    assert (r.status_code, r.json["reason"]) == (403, "not_your_office")
    r = g.submit(s.teams[2], s.leaders[2])  # 区队 2 has no 班组 this month
    assert (r.status_code, r.json["reason"]) == (403, "not_your_office")
    s.ok(g.score("任务完成", g.g1, 2, s.leaders[0]))
    s.ok(g.submit(s.teams[0], s.leaders[0]), 201)
    r = g.score("任务完成", g.g2, 2, s.leaders[0])
    assert (r.status_code, r.json["reason"]) == (409, "office_submitted")
    s.ok(g.score("任务完成", g.g3, 30, s.leaders[1]))
    r = g.score("班组学习", g.g3, 21, s.leaders[1])
    assert (r.status_code, r.json["reason"]) == (422, "points_out_of_range")


def test_two_scorers_on_the_same_group_item_at_once_one_wins(
    assessment_scene, app, score_at_once, new_groups
):
    s = assessment_scene(open_month=False)
    g = new_groups(s)
    # A second leader of 区队 0: two people score its 班组' items.
    second = s.world.person(s.branches[0])
    s.duty(s.teams[0], second, "leader")
    headers = [s.h(s.leaders[0]), s.h(second)]
    for group in (g.g1, g.g2):
        score_at_once(g.month_id, g.items["任务完成"], group, headers)


def test_the_group_quarter_ranking_and_awards(assessment_scene, app, new_groups):
    s = assessment_scene(open_month=False)
    g = new_groups(s, month=None)
    r = s.get("/admin/assessments/awards/ranking?quarter=2026-Q3&kind=group")
    assert (r.status_code, r.json["reason"]) == (409, "quarter_not_complete")
    # g1: 95 ×3; g2: 100, 90, 95 (the same average, a lower lowest month); g3: a veto.
    g.locked("2026-07", [("任务完成", g.g1, 5), ("班前会", g.g2, 0)])
    g.open("2026-08")
    for title, group, points, who in [
        ("任务完成", g.g1, 5, s.leaders[0]),
        ("任务完成", g.g2, 10, s.leaders[0]),
    ]:
        s.ok(g.score(title, group, points, who))
    s.ok(g.score("班组事故", g.g3, 0, s.s1, vetoed=True, reason="轻伤事故"))
    s.ok(g.submit(s.safety, s.s1), 201)
    s.ok(g.submit(s.teams[0], s.leaders[0]), 201)
    s.ok(g.submit(s.teams[1], s.leaders[1]), 201)
    g.age()
    s.ok(s.post(f"/admin/assessments/months/{g.month_id}/lock"))
    g.locked("2026-09", [("任务完成", g.g1, 5), ("任务完成", g.g2, 5)])
    # The 区队 ranking of the quarter is another thing: its months were never opened.
    r = s.get("/admin/assessments/awards/ranking?quarter=2026-Q3")
    assert (r.status_code, r.json["reason"]) == (409, "quarter_not_complete")
    r = s.get("/admin/assessments/awards/ranking?quarter=2026-Q3&kind=group")
    s.ok(r)
    rows = [(x["team_id"], x["average"], x["rank"], x["eligible"]) for x in r.json]
    assert rows == [(g.g1, 95.0, 1, True), (g.g2, 95.0, 2, True), (g.g3, 100.0, None, False)]
    body = {"quarter": "2026-Q3", "team_id": g.g3, "citation": "x", "kind": "group"}
    r = s.post("/admin/assessments/awards", body)
    assert (r.status_code, r.json["reason"]) == (422, "not_eligible")
    r = s.post("/admin/assessments/awards", {**body, "team_id": g.g1, "citation": "安全型标杆"})
    s.ok(r, 201)
    assert (r.json["kind"], r.json["title"], r.json["slot"]) == ("group", "六型班组", 1)
    assert r.json["points_request_ids"] == []  # the mine has no SIX_TYPE_GROUP rule
    # The limit is the mine's setting (ASSESSMENT_GROUP_AWARDS_PER_QUARTER).
    app.config["ASSESSMENT_GROUP_AWARDS_PER_QUARTER"] = 1
    try:
        r = s.post("/admin/assessments/awards", {**body, "team_id": g.g2})
        assert (r.status_code, r.json["reason"]) == (409, "awards_full")
        assert r.json["message"] == "本季度六型班组名额已满"
    finally:
        app.config["ASSESSMENT_GROUP_AWARDS_PER_QUARTER"] = 6
    s.ok(s.post("/admin/assessments/awards", {**body, "team_id": g.g2}), 201)
    r = s.post("/admin/assessments/awards", {**body, "team_id": g.g2})
    assert (r.status_code, r.json["reason"]) == (409, "already_awarded")
    assert r.json["message"] == "该班组本季度已评为六型班组"
    # The honour wall lists 班组 awards, and `kind` picks one kind.
    wall = s.get("/assessments/honours?quarter=2026-Q3", s.worker).json
    assert [(a["team_id"], a["kind"]) for a in wall] == [(g.g1, "group"), (g.g2, "group")]
    assert s.get("/assessments/honours?kind=team", s.worker).json == []
    with app.app_context():
        kinds = db.session.scalars(db.select(QuarterAward.kind)).all()
        titles = db.session.scalars(
            db.select(Honour.title).where(Honour.unit_id.in_([g.g1, g.g2]))
        ).all()
    assert kinds == ["group", "group"]
    # Mirrored on the honour roll as 六型班组, not 六好区队.
    assert titles == ["2026 年第 3 季度“六型班组”"] * 2
    roll = s.client.get(API + "/honours?kind=group", headers=s.h(s.worker)).json
    assert [h["category_name"] for h in roll] == ["六型班组", "六型班组"]


def test_an_award_asks_points_for_the_leaders_where_the_rule_says_so(
    assessment_scene, app, new_groups
):
    s = assessment_scene(open_month=False)
    g = new_groups(s, month=None)
    for month in ("2026-04", "2026-05", "2026-06"):
        g.locked(month, [("任务完成", g.g1, 1)])
    body = {"quarter": "2026-Q2", "team_id": g.g2, "citation": "学习型班组", "kind": "group"}
    r = s.post("/admin/assessments/awards", body)
    s.ok(r, 201)
    assert r.json["points_request_ids"] == []  # no rule: no request
    rule = {"code": "SIX_TYPE_GROUP", "name": "六型班组", "points": 4, "source": "manual"}
    s.ok(s.client.post(API + "/admin/rulebook", json=rule, headers=s.h()), 201)
    r = s.post("/admin/assessments/awards", {**body, "team_id": g.g1})
    s.ok(r, 201)
    (request_id,) = r.json["points_request_ids"]
    with app.app_context():
        req = db.session.get(PointsRequest, request_id)
        assert (req.person_id, req.delta, req.status) == (g.leader[g.g1].id, 4, "pending")
        assert req.requested_by_id == s.c1.id  # another committee member approves it
    wall = s.get("/assessments/honours?kind=group", s.worker).json
    assert {a["team_id"]: a["points_request_ids"] for a in wall} == {
        g.g2: [],
        g.g1: [request_id],
    }
