"""科室评分 in the console: an office's scorer sees the month's items their office owns for every
区队, records a deduction with a reason and an evidence photo, sees a concurrent change refused
in Chinese (409 score_conflict), and submits the office; the page is theirs only."""

from __future__ import annotations

from accounts.principal import principal_for_person
from assessments import rounds
from models import AssessmentMonth, Deduction, Person, Unit, db
from tests.console.sign_in import client_sign_in
from tests.support.images import image_bytes


def _office_items(app, month_id: int, office: str) -> list[int]:
    with app.app_context():
        month = db.session.get(AssessmentMonth, month_id)
        office_id = db.session.scalar(db.select(Unit.id).where(Unit.name == office))
        return [i.id for i in month.template.items if i.office_id == office_id]


def test_an_office_scores_with_a_photo_sees_a_conflict_and_submits(
    app, demo, console, tmp_path, demo_assessments
):
    months = demo_assessments()
    items = _office_items(app, months["open"], "党委工作部")
    console.demo_sign_in("committee")
    page = console.page
    page.click("[data-menu-scoring]")
    page.wait_for_load_state("load")
    assert "党委工作部" in page.locator("#office-state h3").inner_text()
    assert page.locator("[data-state]").inner_text() == "打分中"
    teams = page.locator("section[data-team]")
    assert teams.count() == 4
    # Only the office's own items, on every team.
    assert teams.first.locator("tbody tr").count() == len(items)

    first = teams.first
    team_id = int(first.get_attribute("data-team"))
    form = first.locator("form[data-score]").first
    form.locator("input[name=points]").fill("2")
    form.locator("input[name=reason]").fill("支部书记走动管理记录缺 2 次")
    photo = tmp_path / "evidence.png"
    photo.write_bytes(image_bytes())
    form.locator("input[name=photo]").set_input_files(str(photo))
    # our own chooser (选择文件 and the file's name), not the browser's
    assert form.locator("[data-file-pick]").inner_text() == "选择文件"
    assert form.locator("[data-file-name]").inner_text() == "evidence.png"
    with page.expect_navigation():
        form.locator("button[type=submit]").click()
    assert "已保存" in console.flash()
    row = page.locator(f"#team-{team_id} tbody tr").first
    assert row.locator("[data-points]").inner_text() == "-2"
    assert row.locator("[data-photos] img").count() == 1
    assert row.locator("[data-photos] img").evaluate("img => img.naturalWidth") > 0

    # Another scorer of the office changes the same line meanwhile: the page's form is stale.
    with app.app_context():
        other = db.session.scalar(db.select(Person).where(Person.employee_no == "D0034"))
        d = db.session.scalar(
            db.select(Deduction).where(
                Deduction.month_id == months["open"],
                Deduction.team_id == team_id,
                Deduction.item_id == items[0],
            )
        )
        rounds.score(
            principal_for_person(other),
            months["open"],
            items[0],
            team_id,
            3,
            "复查又缺 1 次",
            version=d.version,
        )
        db.session.commit()
    form = page.locator(f"#team-{team_id} form[data-score]").first
    form.locator("input[name=points]").fill("1")
    form.locator("button[type=submit]").click()
    error = form.locator(".form-error")
    error.wait_for()
    page.wait_for_function("el => el.textContent.length > 0", arg=error.element_handle())
    assert error.inner_text() == "该项已被他人修改，请刷新后重试"
    console.shot("assessments-scoring")

    page.reload()
    row = page.locator(f"#team-{team_id} tbody tr").first
    assert row.locator("[data-points]").inner_text() == "-3"  # nothing was lost
    assert row.locator("[data-photos] img").count() == 1  # the photo stayed on the line
    with page.expect_navigation():
        page.click("[data-submit-office]")
    assert "已提交" in console.flash()
    assert "已提交" in page.locator("[data-state]").inner_text()
    assert page.locator("form[data-score]").count() == 0
    console.no_problems()


def test_the_scoring_page_is_for_scorers_only(app, demo, demo_assessments):
    months = demo_assessments()
    items = _office_items(app, months["open"], "党委工作部")
    with app.app_context():
        team_id = db.session.scalar(db.select(Unit.id).where(Unit.name == "综采一队"))
        office_id = db.session.scalar(db.select(Unit.id).where(Unit.name == "党委工作部"))
    other = app.test_client()
    token = client_sign_in(other, "secretary")  # scores for no office
    assert other.get("/console/assessments/scoring").status_code == 404
    assert "data-menu-scoring" not in other.get("/console/").get_data(as_text=True)
    url = f"/console/assessments/scoring/{months['open']}"
    body = {"csrf_token": token, "item_id": items[0], "team_id": team_id, "points": 1}
    assert other.post(f"{url}/score", data={**body, "reason": "x"}).status_code == 404
    assert other.post(f"{url}/submit?office_id={office_id}", data=body).status_code == 404
    # The scorer: out of range and a missing reason are the API's refusals, in Chinese.
    client = app.test_client()
    token = client_sign_in(client, "committee")
    body["csrf_token"] = token
    r = client.post(f"{url}/score?office_id={office_id}", data={**body, "points": 99})
    assert r.status_code == 422
    r = client.post(f"{url}/score?office_id={office_id}", data=body)
    assert r.status_code == 422 and "扣分须填写原因" in r.get_data(as_text=True)
    r = client.post(f"{url}/score?office_id={office_id}", data={**body, "points": "两"})
    assert r.status_code == 422 and "扣分须为整数" in r.get_data(as_text=True)
    with app.app_context():
        assert (
            db.session.scalar(
                db.select(Deduction.id).where(
                    Deduction.month_id == months["open"], Deduction.item_id == items[0]
                )
            )
            is None
        )


def test_the_committee_decides_a_leader_nomination_on_the_award_page(app, demo, demo_assessments):
    from accounts.principal import principal_for_person as as_principal
    from assessments import leaders, org

    demo_assessments()
    with app.app_context():
        people = {p.employee_no: p for p in db.session.scalars(db.select(Person)).all()}
        team = db.session.scalar(db.select(Unit).where(Unit.name == "综采一队"))
        group = Unit(mine_id=team.mine_id, name="综采一队一班", kind="other")
        db.session.add(group)
        db.session.flush()
        committee = as_principal(people["D0001"])
        org.set_kind(committee, group.id, "group", team.id)
        org.grant_duty(committee, group.id, "D0003", "leader")
        n = leaders.nominate(
            as_principal(people["D0004"]), "2026-Q3", group.id, "班组连续三月零违章"
        )
        db.session.commit()
        nomination_id, leader_name = n.id, people["D0003"].name
        mine_id = people["D0001"].mine_id
    client = app.test_client()
    token = client_sign_in(client, "committee")
    html = client.get("/console/assessments/awards?quarter=2026-Q3").get_data(as_text=True)
    assert f'data-approve="{nomination_id}"' in html and "班组连续三月零违章" in html
    r = client.post(
        f"/console/assessments/leader-nominations/{nomination_id}/decide",
        data={"csrf_token": token, "approve": "1", "reason": "同意"},
    )
    assert r.status_code == 302
    html = client.get("/console/assessments/awards?quarter=2026-Q3").get_data(as_text=True)
    assert f'data-approve="{nomination_id}"' not in html and "优秀班组长" in html
    r = client.post(
        f"/console/assessments/leader-nominations/{nomination_id}/decide",
        data={"csrf_token": token, "approve": "0"},
    )
    assert r.status_code == 409 and "该推荐已审批" in r.get_data(as_text=True)
    with app.app_context():
        wall = leaders.honours(mine_id, "2026-Q3")
    assert [h["name"] for h in wall] == [leader_name]
