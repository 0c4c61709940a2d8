"""Issue 27's patterns on the pages added last round (荣誉榜, 三会一课, 承诺践诺, 实事, 必访必谈,
传帮带, the talk rule): every one fits 1366 and 1440 px without sideways overflow, as the
secretary and the committee; the duties table filters and exports its rows; a meeting's
requests for leave are approved in bulk through the page."""

from __future__ import annotations

import io
from urllib.parse import unquote

import pytest
from openpyxl import load_workbook

from models import Attendance, CareEvent, Person, db
from tests.console.layout import DESK_VIEWPORTS, assert_fits
from tests.console.sign_in import client_sign_in

ZONGCAI = "综采一队党支部"


@pytest.fixture
def seeded(demo, app):
    """The demo mine with its meetings, pledges, deeds, duties, mentoring and honour roll."""
    from demo.honours import seed_honours
    from demo.meetings import seed_meetings
    from demo.pairings import seed_pairing_duties

    with app.app_context():
        seed_meetings()
        seed_pairing_duties()
        seed_honours()
        db.session.commit()
    return demo


def _pages(app, demo, role: str) -> list[str]:
    branch = demo["branches"][ZONGCAI]
    with app.app_context():
        meeting = db.session.scalar(
            db.select(Attendance.meeting_id).where(Attendance.status == "leave_pending").limit(1)
        )
        honoured = db.session.scalar(
            db.select(Person.id).where(Person.employee_no.in_(["D0003", "D0004", "D0005"]))
        )
    b = f"/console/branches/{branch}"
    pages = [
        "/console/meetings",
        f"/console/meetings/{meeting}",
        "/console/pledges",
        "/console/deeds",
        f"{b}/duties",
        f"{b}/duties?status=all",
        f"{b}/mentoring",
    ]
    if role == "committee":
        pages += [
            "/console/honours",
            "/console/honours?kind=person&state=revoked",
            f"/console/people/{honoured}/honours",
            "/console/mine",
            "/console/mine/talk-rule",
            "/console/meetings/compliance",
        ]
    return pages


@pytest.mark.parametrize("viewport", DESK_VIEWPORTS, ids=lambda v: f"{v['width']}px")
@pytest.mark.parametrize("role", ["secretary", "committee"])
def test_the_new_pages_fit_the_desk(app, seeded, console, role, viewport):
    console.page.set_viewport_size(viewport)
    console.demo_sign_in(role)
    for path in _pages(app, seeded, role):
        response = console.go(path)
        assert response.status == 200, path
        console.charts_drawn()
        assert_fits(console.page, path)
        assert console.page.evaluate("() => Array.from(document.forms).every(f => f.noValidate)")
    console.no_problems()


def test_the_duties_table_filters_and_exports(app, seeded):
    branch = seeded["branches"][ZONGCAI]
    client = app.test_client()
    client_sign_in(client, "secretary")
    base = f"/console/branches/{branch}/duties?status=all"
    with app.app_context():
        total = db.session.scalar(
            db.select(db.func.count()).select_from(CareEvent).where(CareEvent.branch_id == branch)
        )
        first = db.session.scalar(
            db.select(CareEvent).where(CareEvent.branch_id == branch).order_by(CareEvent.id)
        )
        kind, employee = first.kind, first.employee.employee_no
        same_kind = db.session.scalar(
            db.select(db.func.count())
            .select_from(CareEvent)
            .where(CareEvent.branch_id == branch, CareEvent.kind == kind)
        )
    export = client.get(base + "&export=xlsx")
    assert export.status_code == 200
    rows = list(load_workbook(io.BytesIO(export.data)).active.values)
    assert rows[0][:4] == ("编号", "职工", "类别", "事项") and len(rows) - 1 == total
    shown = unquote(export.headers["Content-Disposition"].split("filename*=UTF-8''")[1])
    assert shown == f"必访必谈台账-{ZONGCAI}-全部.xlsx"
    by_kind = list(
        load_workbook(io.BytesIO(client.get(f"{base}&kind={kind}&export=xlsx").data)).active.values
    )
    assert len(by_kind) - 1 == same_kind
    html = client.get(f"{base}&q={employee}").get_data(as_text=True)
    assert f"（{employee}）" in html
    none = client.get(f"{base}&q=查无此人").get_data(as_text=True)
    assert "没有符合筛选条件的全部事项" in none


def test_leave_requests_are_approved_in_bulk_on_the_page(app, seeded, console):
    with app.app_context():
        meeting = db.session.scalar(
            db.select(Attendance.meeting_id).where(Attendance.status == "leave_pending").limit(1)
        )
        secretary = db.session.scalar(db.select(Person.id).where(Person.employee_no == "D0002"))
        for a in db.session.scalars(
            db.select(Attendance)
            .where(
                Attendance.meeting_id == meeting,
                Attendance.status == "expected",
                Attendance.person_id != secretary,
            )
            .limit(2)
        ):
            a.status, a.leave_reason = "leave_pending", "轮休外出"
        db.session.commit()
    console.page.set_viewport_size(DESK_VIEWPORTS[0])
    console.demo_sign_in("secretary")
    console.go(f"/console/meetings/{meeting}")
    page = console.page
    bar = page.locator("#bulk-leave")
    assert bar.locator("button[value='approve']").is_disabled()
    # Nothing ticked: our own message, nothing sent.
    boxes = page.locator("input[data-select-row='bulk-leave']")
    n = boxes.count()
    assert n >= 3
    page.locator("input[data-select-all='bulk-leave']").check()
    assert bar.locator("[data-selected-count]").first.inner_text() == str(n)
    console.shot("meeting-bulk-leave")
    with page.expect_navigation():
        bar.locator("button[value='approve']").click()
    assert f"已批准请假 {n} 条" in console.flash()
    with app.app_context():
        left = db.session.scalar(
            db.select(db.func.count())
            .select_from(Attendance)
            .where(Attendance.meeting_id == meeting, Attendance.status == "leave_pending")
        )
    assert left == 0
    assert page.locator("#bulk-leave").count() == 0
    console.no_problems()


def test_the_roll_page_filters_by_kind_and_quarter_and_exports(app, seeded):
    from models import QuarterAward, Unit, utcnow

    with app.app_context():
        committee = db.session.scalar(db.select(Person).where(Person.employee_no == "D0001"))
        unit = Unit(mine_id=committee.mine_id, name="综采一队一班", kind="group")
        db.session.add(unit)
        db.session.flush()
        db.session.add(
            QuarterAward(
                mine_id=committee.mine_id,
                quarter="2026-Q3",
                kind="group",
                team_id=unit.id,
                slot=1,
                average_x100=9300,
                citation="学习型班组",
                awarded_by_id=committee.id,
                awarded_at=utcnow(),
            )
        )
        db.session.commit()
    client = app.test_client()
    client_sign_in(client, "committee")
    html = client.get("/console/honours?kind=group").get_data(as_text=True)
    assert html.count('data-kind="group"') == 1 and "综采一队一班" in html
    assert "2026 年第 3 季度“六型班组”" in html and "2026 年第 3 季度（1）" in html
    assert (
        client.get("/console/honours?quarter=2026-Q2").get_data(as_text=True).count("data-honour=")
        == 0
    )
    export = client.get("/console/honours?quarter=2026-Q3&export=xlsx")
    rows = list(load_workbook(io.BytesIO(export.data)).active.values)
    assert [(r[1], r[3], r[4]) for r in rows[1:]] == [("2026-Q3", "六型班组", "综采一队一班")]
    shown = unquote(export.headers["Content-Disposition"].split("filename*=UTF-8''")[1])
    assert shown == "荣誉榜-2026-Q3.xlsx"
    assert client.get("/console/honours?quarter=junk&kind=junk").status_code == 200
