"""The month's .xlsx in the paper layout, opened back with openpyxl and checked cell by cell."""

from __future__ import annotations

import io

from openpyxl import load_workbook


def test_the_month_exports_in_the_paper_layout(assessment_scene):
    s = assessment_scene()
    t0, t1, t2 = s.teams
    s.ok(s.score("隐患治理", t0, 5, reason='=HYPERLINK("x")'))
    s.ok(s.score("支部活动", t1, 12, who=s.p1))
    s.ok(s.score("安全事故", t2, 0, vetoed=True, reason="发生安全事故"))
    s.submit(s.safety, s.s1)
    s.submit(s.party, s.p1)
    sheet = s.get(f"/assessments/months/{s.month_id}/teams/{t0}", s.leaders[0]).json
    d = sheet["items"][0]["deduction"]["id"]
    objection = s.post(f"/assessments/deductions/{d}/objection", {"text": "已整改"}, s.leaders[0])
    s.ok(objection, 201)
    s.ok(s.post(f"/assessments/objections/{objection.json['id']}/answer", {"answer": "维持"}, s.s1))
    s.age_submissions()
    s.ok(s.post(f"/admin/assessments/months/{s.month_id}/lock"))
    r = s.get(f"/admin/assessments/months/{s.month_id}/export.xlsx")
    assert r.status_code == 200 and r.headers["Cache-Control"] == "no-store"
    wb = load_workbook(io.BytesIO(r.data))
    names = {
        t: s.get(f"/assessments/months/{s.month_id}/teams/{t}").json["team"]["name"]
        for t in s.teams
    }
    assert wb.sheetnames == ["排名", names[t0], names[t1], names[t2]]
    ws = wb["排名"]
    assert ws["A1"].value == "2026-11 区队月度考核排名（已锁定）"
    assert [c.value for c in ws[2]] == [
        "名次",
        "区队",
        "安全科扣分",
        "党委工作部扣分",
        "扣分合计",
        "调整",
        "总分",
        "等级",
        "一票否决",
    ]
    assert [c.value for c in ws[3]] == [1, names[t0], 5, 0, 5, 0, 95, "优秀", None]
    assert [c.value for c in ws[4]] == [2, names[t1], 0, 12, 12, 0, 88, "良好", None]
    assert [c.value for c in ws[5]] == [3, names[t2], 0, 0, 0, 0, 100, "较差", "是"]
    team = wb[names[t0]]
    assert team["A1"].value == f"{names[t0]} 2026-11 六好区队考核表"
    assert [c.value for c in team[2]] == [
        "序号",
        "类别",
        "考核项目",
        "分值",
        "考核科室",
        "扣分",
        "得分",
        "扣分原因",
        "异议",
        "答复",
    ]
    assert [c.value for c in team[3]] == [
        1,
        "安全管理好",
        "隐患治理",
        20,
        "安全科",
        5,
        15,
        '=HYPERLINK("x")',
        "已整改",
        "维持",
    ]
    assert team["H3"].data_type == "s"  # text, never a formula
    assert [c.value for c in team[8]][:7] == [6, "一票否决", "安全事故", 0, "安全科", 0, None]
    assert [c.value for c in team[9]][:8] == ["合计", None, None, 100, None, 5, 95, "等级：优秀"]
    vetoed = wb[names[t2]]
    assert vetoed["F8"].value == "否决" and vetoed["H8"].value == "发生安全事故"
    assert s.get(f"/admin/assessments/months/{s.month_id}/export.xlsx", s.s1).status_code == 403
