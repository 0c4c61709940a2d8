"""Sheet templates: the 100-point rule, versions, a frozen month, the shipped example."""

from __future__ import annotations

from assessments.defaults import TEAM_EXAMPLE


def test_items_must_add_up_to_exactly_100(assessment_scene):
    s = assessment_scene(open_month=False)
    body = s.template_body("新表")
    body["items"][0]["max_points"] = 19
    r = s.post("/admin/assessments/templates", body)
    assert (r.status_code, r.json["reason"]) == (422, "template_not_100")
    assert "99" in r.json["message"]
    body["items"][0]["max_points"] = 20
    body["items"][5]["max_points"] = 5  # a veto item carries no points
    r = s.post("/admin/assessments/templates", body)
    assert (r.status_code, r.json["reason"]) == (422, "invalid_template")
    body["items"][5]["max_points"] = 0
    body["items"][0]["office_id"] = s.teams[0]  # a team does not score
    r = s.post("/admin/assessments/templates", body)
    assert (r.status_code, r.json["reason"]) == (422, "not_an_office")
    r = s.post("/admin/assessments/templates", s.template_body("新表"), s.s1)
    assert r.status_code == 403


def test_a_new_version_never_changes_a_frozen_month(assessment_scene):
    s = assessment_scene()
    body = s.template_body()  # the same name: the next version
    body["items"][0]["max_points"] = 10
    body["items"][2]["max_points"] = 20
    body["items"][0]["title"] = "隐患排查治理（新）"
    r = s.post("/admin/assessments/templates", body)
    s.ok(r, 201)
    assert r.json["version"] == 2 and r.json["id"] != s.template["id"]
    assert r.json["groups"][0] == {"name": "安全管理好", "weight": 50}
    sheet = s.get(f"/assessments/months/{s.month_id}/teams/{s.teams[0]}").json
    titles = [line["title"] for line in sheet["items"]]
    assert titles[0] == "隐患治理" and sheet["items"][0]["max_points"] == 20
    r = s.score("隐患治理", s.teams[0], 20)  # the frozen version's maximum still holds
    s.ok(r)
    listing = s.get("/admin/assessments/templates").json
    assert [t["version"] for t in listing] == [2, 1]


def test_the_shipped_example_adds_up_and_names_its_offices(assessment_scene):
    s = assessment_scene(open_month=False)
    r = s.post("/admin/assessments/templates/example")
    s.ok(r, 201)
    body = r.json
    assert body["is_example"] and len(body["items"]) == len(TEAM_EXAMPLE) + 1
    assert sum(i["max_points"] for i in body["items"]) == 100
    assert [g["name"] for g in body["groups"]][:6] == [
        "班子建设好",
        "安全管理好",
        "生产任务好",
        "设备管理好",
        "经营效益好",
        "队伍建设好",
    ]
    assert sum(g["weight"] for g in body["groups"]) == 100
    assert any(i["veto"] for i in body["items"])
    # the safety office of the scene is reused by name
    assert {i["office_id"] for i in body["items"] if i["title"] == "安全责任落实"} == {s.safety}
    again = s.post("/admin/assessments/templates/example")
    assert again.json["id"] == body["id"]
    r = s.post("/admin/assessments/months", {"month": "2026-09", "template_id": body["id"]})
    s.ok(r, 201)


def test_unit_kinds_groups_and_patronage(assessment_scene):
    s = assessment_scene(open_month=False)
    t0 = s.teams[0]
    r = s.post(f"/admin/assessments/units/{s.safety}/kind", {"kind": "group", "parent_id": s.party})
    assert (r.status_code, r.json["reason"]) == (422, "not_a_team")
    r = s.post("/admin/assessments/patronages", {"office_id": s.safety, "team_id": t0})
    s.ok(r, 201)
    again = s.post("/admin/assessments/patronages", {"office_id": s.safety, "team_id": t0})
    s.ok(again, 201)
    r = s.post("/admin/assessments/patronages", {"office_id": t0, "team_id": s.safety})
    assert (r.status_code, r.json["reason"]) == (422, "not_an_office")
    r = s.client.delete(f"/api/v1/admin/assessments/patronages/{s.safety}/{t0}", headers=s.h())
    assert r.status_code == 204
    r = s.post(
        f"/admin/assessments/units/{s.safety}/duties",
        {"employee_no": "NOBODY", "duty": "scorer"},
    )
    assert (r.status_code, r.json["reason"]) == (404, "person_not_found")
    r = s.post(
        f"/admin/assessments/units/{t0}/duties",
        {"employee_no": s.worker.employee_no, "duty": "scorer"},
    )
    assert (r.status_code, r.json["reason"]) == (422, "not_an_office")
    units = {u["id"]: u["kind"] for u in s.get("/admin/assessments/units").json}
    assert units[t0] == "team" and units[s.safety] == "office"
