"""The monthly round from open to lock: scores, submissions, objections, the lock, grades,
ranks, the veto, corrections after the lock, and who may see and do what."""

from __future__ import annotations


def test_a_full_month_from_open_to_lock_with_objections(assessment_scene):
    s = assessment_scene()
    t0, t1, t2 = s.teams
    m = s.month_id
    # safety deducts from team 0 and 1; party from team 0
    s.ok(s.score("隐患治理", t0, 5))
    s.ok(s.score("三违管控", t1, 3, who=s.s2))
    s.ok(s.score("支部活动", t0, 4, who=s.p1))
    s.ok(s.score("安全培训", t2, 0))  # a zero is allowed without a reason
    # the team sees its own sheet as it fills, without a rank
    r = s.get(f"/assessments/months/{m}/teams/{t0}", s.worker)
    s.ok(r)
    assert r.json["result"]["total"] == 91 and r.json["result"]["rank"] is None
    lines = {line["title"]: line for line in r.json["items"]}
    assert lines["隐患治理"]["deduction"]["points"] == 5
    # objection before the office submitted: refused
    deduction_id = lines["隐患治理"]["deduction"]["id"]
    r = s.post(
        f"/assessments/deductions/{deduction_id}/objection", {"text": "已整改"}, s.leaders[0]
    )
    assert (r.status_code, r.json["reason"]) == (409, "office_not_submitted")
    s.submit(s.safety, s.s1)
    s.submit(s.party, s.p1)
    # a worker of the team is not its leader
    r = s.post(f"/assessments/deductions/{deduction_id}/objection", {"text": "已整改"}, s.worker)
    assert (r.status_code, r.json["reason"]) == (403, "not_the_team_leader")
    r = s.post(
        f"/assessments/deductions/{deduction_id}/objection",
        {"text": "隐患当班已整改"},
        s.leaders[0],
    )
    s.ok(r, 201)
    objection_id = r.json["id"]
    again = s.post(
        f"/assessments/deductions/{deduction_id}/objection", {"text": "再议"}, s.leaders[0]
    )
    assert (again.status_code, again.json["reason"]) == (409, "objection_exists")
    # another team's leader cannot see or object
    r = s.post(f"/assessments/deductions/{deduction_id}/objection", {"text": "x"}, s.leaders[1])
    assert r.status_code == 404
    # the lock waits for the answer and the windows
    r = s.post(f"/admin/assessments/months/{m}/lock")
    assert (r.status_code, r.json["reason"]) == (409, "cannot_lock_yet")
    # the party office cannot answer the safety office's objection
    r = s.post(f"/assessments/objections/{objection_id}/answer", {"answer": "x"}, s.p1)
    assert r.status_code == 404
    r = s.post(
        f"/assessments/objections/{objection_id}/answer",
        {"answer": "核实已整改，改为扣2分", "points": 2},
        s.s2,
    )
    s.ok(r)
    assert r.json["points_before"] == 5
    r = s.post(f"/assessments/objections/{objection_id}/answer", {"answer": "再答"}, s.s1)
    assert (r.status_code, r.json["reason"]) == (409, "objection_answered")
    r = s.post(f"/admin/assessments/months/{m}/lock")
    assert r.status_code == 409 and "异议期未满" in r.json["message"]
    s.age_submissions()
    # an objection after the window: refused
    other = s.get(f"/assessments/months/{m}/teams/{t1}", s.leaders[1]).json
    d1 = next(line for line in other["items"] if line["title"] == "三违管控")["deduction"]["id"]
    r = s.post(f"/assessments/deductions/{d1}/objection", {"text": "晚了"}, s.leaders[1])
    assert (r.status_code, r.json["reason"]) == (409, "objection_window_closed")
    r = s.post(f"/admin/assessments/months/{m}/lock")
    s.ok(r)
    assert r.json["status"] == "locked"
    board = s.get(f"/admin/assessments/months/{m}/board").json
    rows = {row["team_id"]: row for row in board["rows"]}
    assert rows[t2]["total"] == 100 and rows[t2]["rank"] == 1 and rows[t2]["grade"] == "优秀"
    assert rows[t1]["total"] == 97 and rows[t1]["rank"] == 2
    assert rows[t0]["total"] == 94 and rows[t0]["rank"] == 3  # 100 − 2 − 4
    assert [o["submitted"] for o in board["offices"]] == [True, True]
    # after the lock: nothing more is scored; the team sees its rank
    r = s.score("安全培训", t0, 1)
    assert (r.status_code, r.json["reason"]) == (409, "assessment_month_locked")
    mine = s.get("/assessments/my-team?month=2026-11", s.worker).json
    assert mine["team"]["id"] == t0 and mine["sheet"]["result"]["rank"] == 3


def test_scores_are_checked(assessment_scene):
    s = assessment_scene()
    t0 = s.teams[0]
    r = s.score("隐患治理", t0, 21)
    assert (r.status_code, r.json["reason"]) == (422, "points_out_of_range")
    r = s.score("隐患治理", t0, 101)
    assert (r.status_code, r.json["reason"]) == (422, "validation_error")
    r = s.score("隐患治理", t0, 3, reason="")
    assert (r.status_code, r.json["reason"]) == (422, "reason_required")
    r = s.score("支部活动", t0, 3)  # s1 scores for safety, not the party office
    assert (r.status_code, r.json["reason"]) == (403, "not_your_office")
    r = s.score("隐患治理", t0, 3, who=s.worker)
    assert (r.status_code, r.json["reason"]) == (403, "not_your_office")
    r = s.score("安全事故", t0, 5)
    assert (r.status_code, r.json["reason"]) == (422, "points_out_of_range")
    r = s.score("隐患治理", t0, 0, vetoed=True, reason="x")
    assert (r.status_code, r.json["reason"]) == (422, "points_out_of_range")
    r = s.score("隐患治理", s.safety, 3)
    assert (r.status_code, r.json["reason"]) == (422, "not_a_team")
    # a change names the version it read
    first = s.score("隐患治理", t0, 3)
    s.ok(first)
    r = s.score("隐患治理", t0, 4)
    assert (r.status_code, r.json["reason"]) == (409, "score_conflict")
    r = s.score("隐患治理", t0, 4, version=first.json["version"])
    s.ok(r)
    assert r.json["points"] == 4 and r.json["version"] == 2
    r = s.score("隐患治理", t0, 5, version=first.json["version"])
    assert (r.status_code, r.json["reason"]) == (409, "score_conflict")
    # after the office submitted, its scores stand
    s.submit(s.safety, s.s1)
    r = s.score("三违管控", t0, 1)
    assert (r.status_code, r.json["reason"]) == (409, "office_submitted")
    r = s.post(f"/assessments/months/{s.month_id}/submissions", {"office_id": s.safety}, s.s2)
    assert (r.status_code, r.json["reason"]) == (409, "office_submitted")


def test_two_staff_scoring_the_same_item_at_once_one_wins(assessment_scene, app, score_at_once):
    s = assessment_scene()
    t0 = s.teams[0]
    for round_ in range(3):
        team = s.teams[round_]
        who = [s.s1, s.s2]
        headers = [s.h(p) for p in who]
        score_at_once(s.month_id, s.items["隐患治理"], team, headers)
    assert t0 == s.teams[0]


def test_a_veto_caps_the_grade_and_ranks_last(assessment_scene):
    s = assessment_scene()
    t0, t1, t2 = s.teams
    s.ok(s.score("安全事故", t0, 0, vetoed=True, reason="发生一般安全事故"))
    s.ok(s.score("隐患治理", t1, 20))
    s.ok(s.score("三违管控", t1, 15))  # 65: 较差 without a veto
    s.submit(s.safety, s.s1)
    s.submit(s.party, s.p1)
    s.age_submissions()
    s.ok(s.post(f"/admin/assessments/months/{s.month_id}/lock"))
    rows = {
        r["team_id"]: r for r in s.get(f"/admin/assessments/months/{s.month_id}/board").json["rows"]
    }
    assert rows[t0]["total"] == 100 and rows[t0]["vetoed"] and rows[t0]["grade"] == "较差"
    assert rows[t0]["rank"] == 3
    assert rows[t1]["grade"] == "较差" and rows[t1]["rank"] == 2
    assert rows[t2]["rank"] == 1


def test_ties_share_a_rank_and_thresholds_are_the_months(assessment_scene):
    s = assessment_scene(open_month=False)
    r = s.post(
        "/admin/assessments/months",
        {"month": "2026-10", "template_id": s.template["id"], "thresholds": [95, 85, 75]},
    )
    s.ok(r, 201)
    s.month_id = r.json["id"]
    t0, t1, t2 = s.teams
    s.ok(s.score("隐患治理", t0, 6))
    s.ok(s.score("隐患治理", t1, 6))
    s.ok(s.score("隐患治理", t2, 8))
    s.submit(s.safety, s.s1)
    s.submit(s.party, s.p1)
    s.age_submissions()
    s.ok(s.post(f"/admin/assessments/months/{s.month_id}/lock"))
    rows = s.get(f"/admin/assessments/months/{s.month_id}/board").json["rows"]
    assert [(r["team_id"], r["rank"], r["grade"]) for r in rows] == [
        (t0, 1, "良好"),
        (t1, 1, "良好"),
        (t2, 3, "良好"),
    ]
    r = s.post(
        "/admin/assessments/months",
        {"month": "2026-12", "template_id": s.template["id"], "thresholds": [80, 90, 70]},
    )
    assert (r.status_code, r.json["reason"]) == (422, "points_out_of_range")
    r = s.post("/admin/assessments/months", {"month": "2026-10", "template_id": s.template["id"]})
    assert (r.status_code, r.json["reason"]) == (409, "assessment_month_exists")


def test_a_correction_after_the_lock_needs_another_committee_member(assessment_scene):
    s = assessment_scene()
    t0, t1, _ = s.teams
    s.ok(s.score("隐患治理", t0, 5))
    s.submit(s.safety, s.s1)
    r = s.post(
        f"/admin/assessments/months/{s.month_id}/adjustments",
        {"team_id": t0, "delta": 3, "reason": "x"},
    )
    assert (r.status_code, r.json["reason"]) == (409, "assessment_month_not_locked")
    s.submit(s.party, s.p1)
    s.age_submissions()
    s.ok(s.post(f"/admin/assessments/months/{s.month_id}/lock"))
    r = s.post(
        f"/admin/assessments/months/{s.month_id}/adjustments",
        {"team_id": t0, "delta": 6, "reason": "超过满分"},
    )
    assert (r.status_code, r.json["reason"]) == (422, "adjustment_out_of_range")
    r = s.post(
        f"/admin/assessments/months/{s.month_id}/adjustments",
        {"team_id": t0, "delta": 5, "reason": "复核：隐患系误报"},
    )
    s.ok(r, 201)
    adj = r.json["id"]
    r = s.post(f"/admin/assessments/adjustments/{adj}/decide", {"approve": True, "reason": "同意"})
    assert (r.status_code, r.json["reason"]) == (403, "own_adjustment")
    r = s.post(
        f"/admin/assessments/adjustments/{adj}/decide", {"approve": True, "reason": "同意"}, s.c2
    )
    s.ok(r)
    assert r.json["status"] == "approved"
    rows = {
        r["team_id"]: r for r in s.get(f"/admin/assessments/months/{s.month_id}/board").json["rows"]
    }
    assert rows[t0]["total"] == 100 and rows[t0]["rank"] == 1 and rows[t0]["adjusted"] == 5
    r = s.post(
        f"/admin/assessments/adjustments/{adj}/decide", {"approve": False, "reason": "x"}, s.c2
    )
    assert (r.status_code, r.json["reason"]) == (409, "adjustment_decided")
    # employees cannot reach the committee's endpoints
    r = s.get(f"/admin/assessments/months/{s.month_id}/board", s.worker)
    assert r.status_code == 403


def test_visibility_of_sheets(assessment_scene):
    s = assessment_scene()
    t0, t1, _ = s.teams
    s.ok(s.score("隐患治理", t0, 5))
    s.ok(s.score("支部活动", t0, 2, who=s.p1))
    # another team's people see nothing of team 0
    r = s.get(f"/assessments/months/{s.month_id}/teams/{t0}", s.leaders[1])
    assert r.status_code == 404
    # an office sees only its items, no total
    r = s.get(f"/assessments/months/{s.month_id}/teams/{t0}", s.p1)
    s.ok(r)
    assert {line["title"] for line in r.json["items"]} == {"支部活动", "文明和谐"}
    assert r.json["result"] is None
    # the committee sees everything
    r = s.get(f"/assessments/months/{s.month_id}/teams/{t0}")
    assert len(r.json["items"]) == 6 and r.json["result"]["total"] == 93
    # another mine's committee sees no month of ours
    other = s.world.committee(s.world.mine())
    r = s.get(f"/assessments/months/{s.month_id}/teams/{t0}", other)
    assert r.status_code == 404
