"""Issue 27 item 5, the 1366 px rule: every console page the suite visits, walked as a branch
secretary and as a committee clerk at 1366 × 768 and 1440 × 900, fits the window's width
(nothing, an 操作 button least of all, falls off the right edge); so do the record drawers."""

from __future__ import annotations

import pytest

from models import Campaign, Person, PointsRequest, Wish, db
from tests.console.layout import DESK_VIEWPORTS, assert_fits

ZONGCAI = "综采一队党支部"


def _pages(app, demo, role: str) -> list[str]:
    branch = demo["branches"][ZONGCAI]
    b = f"/console/branches/{branch}"
    secretary = [
        f"{b}/",
        f"{b}/wishes",
        f"{b}/pairings",
        f"{b}/talks",
        f"{b}/points",
        "/console/photos",
        "/console/inbox",
        "/console/zones",
    ]
    if role == "secretary":
        return secretary
    with app.app_context():
        campaign_ids = list(db.session.scalars(db.select(Campaign.id).order_by(Campaign.id)))
    audit = [
        f"/console/audit?section={s}"
        for s in ("points", "talks", "binds", "signins", "leavers", "objections")
    ]
    return [
        "/console/mine",
        "/console/campaigns",
        *[f"/console/campaigns/{c}" for c in campaign_ids],
        "/console/roster",
        "/console/roster?status=left",
        *audit,
        "/console/assessments",
        "/console/assessments/awards",
        "/console/delivery-stats",
        *secretary,
    ]


@pytest.mark.parametrize("viewport", DESK_VIEWPORTS, ids=lambda v: f"{v['width']}px")
@pytest.mark.parametrize("role", ["secretary", "committee"])
def test_every_page_fits_the_desk(app, demo, console, role, viewport):
    """Each page as `role` at a common desk size: no element past the right edge."""
    console.page.set_viewport_size(viewport)
    console.demo_sign_in(role)
    for path in _pages(app, demo, role):
        response = console.go(path)
        assert response.status == 200, path
        console.charts_drawn()
        assert_fits(console.page, path)
        # Item 14: no form leaves validation to the browser's own (English) bubbles.
        native = console.page.evaluate(
            "() => Array.from(document.forms).filter(f => !f.noValidate)"
            ".map(f => f.outerHTML.slice(0, 80))"
        )
        assert native == [], (path, native)
    console.no_problems()


def test_month_inputs_work_in_a_chinese_chromium(app, demo, console):
    """Item 14: the month filters are our own picker (年 and 月 selects, never the browser's
    widget) and post YYYY-MM as the native input did."""
    branch = demo["branches"][ZONGCAI]
    console.demo_sign_in("secretary")
    console.go(f"/console/branches/{branch}/wishes")
    page = console.page
    assert page.locator("input[type='month']").count() == 0
    picker = page.locator("form.search [data-picker='month']")
    picker.locator("select[data-part='y']").select_option("2026")
    picker.locator("select[data-part='m']").select_option("11")
    with page.expect_navigation():
        page.click("form.search button[type='submit']")
    assert "month=2026-11" in page.url
    assert page.input_value("input[name='month']") == "2026-11"
    assert page.locator("select[data-part='m'] option:checked").inner_text() == "11 月"
    console.no_problems()


@pytest.mark.parametrize("viewport", DESK_VIEWPORTS, ids=lambda v: f"{v['width']}px")
def test_drawers_fit_and_names_stay_whole(app, demo, console, viewport):
    """The points drawer at a desk width: names never break mid-word (高海/军) and the 分值
    header stays on one line; the request drawer fits too."""
    console.page.set_viewport_size(viewport)
    branch = demo["branches"][ZONGCAI]
    with app.app_context():
        request_ids = list(db.session.scalars(db.select(PointsRequest.id)))
        person = db.session.scalar(
            db.select(Person).where(Person.id.in_(db.select(PointsRequest.person_id)))
        )
        person_id = person.id
        wish_id = db.session.scalar(db.select(Wish.id).where(Wish.branch_id == branch))
    console.demo_sign_in("committee")
    console.go(f"/console/branches/{branch}/points")
    drawer = console.drawer(f"tr[data-person='{person_id}'] a")
    drawer.locator("#person-requests").wait_for()
    assert_fits(console.page, "points drawer")
    page = console.page
    # Every table header and every cell that names a person sits on one line.
    tall = page.evaluate(
        """() => Array.from(document.querySelectorAll('#drawer th, #drawer .person'))
              .filter(el => {
                const range = document.createRange();
                range.selectNodeContents(el);
                const rects = Array.from(range.getClientRects());
                const tops = new Set(rects.map(r => Math.round(r.top)));
                return tops.size > 1;
              })
              .map(el => el.innerText)"""
    )
    assert tall == [], tall
    console.shot(f"points-drawer-{viewport['width']}", full=False)
    page.keyboard.press("Escape")
    for request_id in request_ids[:2]:
        console.go(f"/console/points/requests/{request_id}")
        assert_fits(console.page, f"request {request_id}")
    console.go(f"/console/branches/{branch}/wishes/{wish_id}")
    assert_fits(console.page, f"wish {wish_id}")
    console.no_problems()
