"""区队考核 in the console: the month board of the demo mine (last month locked, this month in
progress), a team's sheet, the template, the lock and the export."""

from __future__ import annotations

import io

from openpyxl import load_workbook

from models import AssessmentMonth, OfficeSubmission, db
from tests.console.sign_in import client_sign_in


def test_the_month_board_in_the_browser(app, demo, console, demo_assessments):
    months = demo_assessments()
    console.demo_sign_in("committee")
    console.go(f"/console/assessments?month_id={months['locked']}")
    page = console.page
    assert page.locator("[data-status]").inner_text() == "已锁定"
    rows = page.locator("#board tbody tr")
    assert rows.count() == 4
    first = rows.first.locator("td")
    assert first.nth(0).inner_text() == "1" and first.nth(1).inner_text() == "综采一队"
    assert "98" in rows.first.inner_text()
    assert page.locator("#objections tbody tr[data-objection]").count() == 1
    console.shot("assessments-board")
    console.go(f"/console/assessments?month_id={months['open']}")
    assert page.locator("[data-status]").inner_text() == "进行中"
    assert "尚未提交的科室" in page.locator("[data-lock-refusal]").inner_text()
    assert page.locator("#board thead .tag-green").count() == 2
    page.click("#board tbody tr >> nth=0 >> a")
    page.wait_for_load_state("load")
    assert "六好区队考核表" in page.locator("h3").first.inner_text()
    assert page.locator("[data-chart]").count() == 1
    console.charts_drawn()
    console.no_problems()


def test_lock_and_export_from_the_console(app, demo, demo_assessments):
    months = demo_assessments()
    client = app.test_client()
    token = client_sign_in(client, "committee")
    html = client.get(f"/console/assessments?month_id={months['open']}").get_data(as_text=True)
    assert "data-lock-refusal" in html and "data-lock>" not in html
    r = client.post(f"/console/assessments/{months['open']}/lock", data={"csrf_token": token})
    assert r.status_code == 409
    r = client.get(f"/console/assessments/{months['locked']}/export.xlsx")
    assert r.status_code == 200
    wb = load_workbook(io.BytesIO(r.data))
    assert wb.sheetnames == ["排名", "综采一队", "掘进二队", "机电队", "通风队"]
    ranking = wb["排名"]
    assert [c.value for c in ranking[3]][:2] == [1, "综采一队"]
    assert ranking.cell(3, ranking.max_column - 2).value == 98
    # the template page names the version and its six 好
    with app.app_context():
        template_id = db.session.get(AssessmentMonth, months["locked"]).template_id
    html = client.get(f"/console/assessments/templates/{template_id}").get_data(as_text=True)
    assert "安全管理好 25 分" in html and "一票否决" in html
    # a secretary is not the committee: the board is not theirs
    other = app.test_client()
    client_sign_in(other, "secretary")
    assert other.get("/console/assessments").status_code == 404


def test_the_committee_locks_once_every_office_is_done(app, demo, demo_assessments):
    months = demo_assessments()
    from accounts.principal import principal_for_person
    from assessments import rounds
    from models import DeductionObjection, Person, UnitDuty

    with app.app_context():
        month = db.session.get(AssessmentMonth, months["open"])
        for office_id in rounds.month_offices(month):
            duty = db.session.scalar(
                db.select(UnitDuty).where(UnitDuty.unit_id == office_id, UnitDuty.duty == "scorer")
            )
            scorer = principal_for_person(db.session.get(Person, duty.person_id))
            if rounds._submission(month.id, office_id) is None:
                rounds.submit(scorer, month.id, office_id)
            for o in db.session.scalars(
                db.select(DeductionObjection).where(DeductionObjection.answered_at.is_(None))
            ):
                if o.deduction.item.office_id == office_id:
                    rounds.answer(scorer, o.id, "已核实，维持")
        for s in db.session.scalars(
            db.select(OfficeSubmission).where(OfficeSubmission.month_id == month.id)
        ):
            s.submitted_at = s.submitted_at.replace(year=s.submitted_at.year - 1)
        db.session.commit()
    client = app.test_client()
    token = client_sign_in(client, "committee")
    html = client.get(f"/console/assessments?month_id={months['open']}").get_data(as_text=True)
    assert "data-lock>" in html
    r = client.post(
        f"/console/assessments/{months['open']}/lock",
        data={"csrf_token": token},
        follow_redirects=True,
    )
    assert r.status_code == 200
    assert "考核已锁定" in r.get_data(as_text=True)


def test_the_award_page_in_the_browser(app, demo, console, demo_assessments):
    demo_assessments()
    console.demo_sign_in("committee")
    console.go("/console/assessments")
    console.page.click("[data-awards-link]")
    console.page.wait_for_load_state("load")
    page = console.page
    rows = page.locator("#quarter-ranking tbody tr")
    assert rows.count() == 4
    assert page.locator("#honour-wall [data-honour]").count() == 2
    assert "有月份评为较差" in page.locator("#quarter-ranking").inner_text()
    # the one eligible team not yet honoured gets its award here
    button = page.locator("[data-award]")
    assert button.count() == 1
    page.fill("input[name=citation]", "通风系统“一通三专”管理规范，季度无一起通风事故")
    with page.expect_navigation():
        button.click()
    assert "六好区队" in console.flash()
    assert page.locator("#honour-wall [data-honour]").count() == 3
    console.shot("assessments-awards")
    console.no_problems()


def test_the_template_editor_saves_a_new_version(app, demo, demo_assessments):
    months = demo_assessments()
    client = app.test_client()
    token = client_sign_in(client, "committee")
    with app.app_context():
        template_id = db.session.get(AssessmentMonth, months["open"]).template_id
    html = client.get(f"/console/assessments/templates/{template_id}").get_data(as_text=True)
    assert "班子建设好 | 班子团结、支部引领 | 5 | 党委工作部 |" in html
    lines = (
        "安全管理好 | 隐患排查治理 | 60 | 安全科 | 每条扣1分\n"
        "班子建设好 | 支部活动 | 39 | 党委工作部 | 每次扣1分\n"
        "一票否决 | 安全事故 | 0 | 安全科 | 发生事故当月较差 | 否决\n"
    )
    url = f"/console/assessments/templates/{template_id}"
    r = client.post(url, data={"csrf_token": token, "lines": lines})
    assert r.status_code == 422 and "100" in r.get_data(as_text=True)
    r = client.post(url, data={"csrf_token": token, "lines": lines + "x | y | z"})
    assert r.status_code == 422 and "第4行" in r.get_data(as_text=True)
    r = client.post(url, data={"csrf_token": token, "lines": lines.replace("| 39 |", "| 40 |")})
    assert r.status_code in (302, 303), r.get_data(as_text=True)[:300]
    with app.app_context():
        from models import SheetTemplate

        newest = db.session.scalar(db.select(SheetTemplate).order_by(SheetTemplate.id.desc()))
        assert newest.version == 2 and [i.max_points for i in newest.items] == [60, 40, 0]
        assert newest.items[2].veto
        # the open month keeps the version it opened with
        assert db.session.get(AssessmentMonth, months["open"]).template_id == template_id


def test_the_group_template_editor_keeps_the_teams_items(app, demo, demo_assessments):
    demo_assessments()
    client = app.test_client()
    token = client_sign_in(client, "committee")
    from models import SheetTemplate

    with app.app_context():
        template_id = db.session.scalar(
            db.select(SheetTemplate.id).where(SheetTemplate.kind == "group")
        )
    url = f"/console/assessments/templates/{template_id}"
    html = client.get(url).get_data(as_text=True)
    assert "效益型 | 生产任务完成 | 15 | 所属区队 |" in html
    lines = (
        "安全型 | 班前会 | 50 | 安全科 | 每次扣2分\n"
        "效益型 | 任务完成 | 50 | 所属区队 | 每欠1%扣1分\n"
    )
    r = client.post(url, data={"csrf_token": token, "lines": lines})
    assert r.status_code in (302, 303), r.get_data(as_text=True)[:300]
    with app.app_context():
        newest = db.session.scalar(db.select(SheetTemplate).order_by(SheetTemplate.id.desc()))
        assert (newest.kind, newest.version) == ("group", 2)
        assert [i.office_id is None for i in newest.items] == [False, True]
    # A 区队 sheet has no 所属区队 line.
    with app.app_context():
        team_template = db.session.scalar(
            db.select(SheetTemplate.id).where(SheetTemplate.kind == "team")
        )
    r = client.post(
        f"/console/assessments/templates/{team_template}",
        data={"csrf_token": token, "lines": lines},
    )
    assert r.status_code == 422


def test_the_kind_switch_shows_the_groups_board_and_award_page_in_the_browser(
    app, demo, console, demo_assessments
):
    from tests.console.layout import assert_fits

    demo_assessments()
    console.demo_sign_in("committee")
    console.go("/console/assessments")
    page = console.page
    assert page.locator("[data-kind-switch] .btn-primary").inner_text().startswith("区队")
    with page.expect_navigation():
        page.click("[data-kind-switch] [data-kind=group]")
    assert page.locator("[data-kind-switch] .btn-primary").inner_text().startswith("班组")
    # The newest 六型班组 month is in progress: 安全科 submitted, 综采一队 still scoring.
    assert page.locator("[data-status]").inner_text() == "进行中"
    head = page.locator("#board thead").inner_text()
    assert "班组" in head and "安全科" in head and "综采一队" in head
    assert page.locator("#board thead .tag-green").count() == 1
    rows = page.locator("#board tbody tr")
    assert rows.count() == 3
    assert "综采一队生产二班" in page.locator("#board").inner_text()
    # The month picker lists only 班组 months; the last one is locked with its ranks.
    options = page.locator("select[name=month_id] option")
    assert options.count() == 2
    page.select_option("select[name=month_id]", index=1)
    with page.expect_navigation():
        page.click("form.search button[type=submit]")
    assert page.locator("[data-status]").inner_text() == "已锁定"
    first = page.locator("#board tbody tr").first.locator("td")
    assert (first.nth(0).inner_text(), first.nth(1).inner_text()) == ("1", "综采一队生产一班")
    assert_fits(page, "assessments-groups-board")
    page.click("#board tbody tr >> nth=0 >> a")
    page.wait_for_load_state("load")
    assert "六型班组考核表" in page.locator("h3").first.inner_text()
    assert "所属区队" not in page.locator("table").first.inner_text()  # the 区队 is named
    assert "综采一队" in page.locator("table").first.inner_text()
    console.go("/console/assessments?kind=group")
    page.click("[data-awards-link]")
    page.wait_for_load_state("load")
    assert page.locator("[data-kind-switch] .btn-primary").inner_text().startswith("班组")
    # The demo has one locked 班组 month: its quarter is not complete yet.
    assert page.locator("[data-refusal]").count() == 1
    assert "六型班组评选" in page.title()
    with page.expect_navigation():
        page.click("[data-kind-switch] [data-kind=team]")
    assert page.locator("#quarter-ranking tbody tr").count() == 4
    assert_fits(page, "assessments-groups-awards")
    console.no_problems()
