"""Issue 27 items 3 and 14 in the browser: ticking rows and deciding them at once (心愿审核's
批量驳回 with one reason, 审计's 批量批准 with one 审批意见), each row's result flashed; and
our own validation messages in place of the browser's popups (a required reason, a points
decision without 审批意见)."""

from __future__ import annotations

from models import PointsRequest, Wish, db
from tests.console.sign_in import bearer

ZONGCAI = "综采一队党支部"


def _no_native_popup(field) -> None:
    """The browser was not asked to show its own bubble: the form is novalidate."""
    assert field.evaluate("el => el.form.noValidate") is True


def test_secretary_rejects_wishes_in_bulk(app, demo, console):
    branch = demo["branches"][ZONGCAI]
    with app.app_context():
        pending = set(
            db.session.scalars(
                db.select(Wish.id).where(Wish.branch_id == branch, Wish.status == "pending_review")
            )
        )
    console.demo_sign_in("secretary")
    page = console.page
    console.go(f"/console/branches/{branch}/wishes")
    bar = page.locator("#bulk-wishes")
    assert bar.locator("[data-selected-count]").first.inner_text() == "0"
    assert bar.locator("button[value='approve']").first.is_disabled()
    page.check("input[data-select-all='bulk-wishes']")
    assert bar.locator("[data-selected-count]").first.inner_text() == str(len(pending))
    bar.locator("[data-open='bulk-wishes-reason']").click()
    dialog = page.locator("#bulk-wishes-reason")
    dialog.wait_for(state="visible")
    reason = dialog.locator("textarea[name='reason']")
    _no_native_popup(reason)
    dialog.locator("button[value='reject']").click()
    error = dialog.locator(".form-error")
    error.wait_for()
    assert error.inner_text() == "请填写驳回原因"
    assert reason.get_attribute("aria-invalid") == "true"
    reason.fill("内容与支部帮扶范围不符，请与书记当面沟通")
    console.shot("bulk-wishes-reject", full=False)
    with page.expect_navigation():
        dialog.locator("button[value='reject']").click()
    assert f"已驳回 {len(pending)} 条" in console.flash()
    for wish_id in pending:
        r = app.test_client().get(f"/api/v1/wishes/{wish_id}", headers=bearer(app, "secretary"))
        assert r.get_json()["status"] == "rejected"
    console.no_problems()


def test_committee_approves_points_requests_in_bulk(app, demo, console):
    with app.app_context():
        waiting = set(
            db.session.scalars(db.select(PointsRequest.id).where(PointsRequest.status == "pending"))
        )
    console.demo_sign_in("committee")
    page = console.page
    console.go("/console/audit?section=points")
    # One request's drawer first: 批准 without 审批意见 is our message, not the browser's.
    first = sorted(waiting)[0]
    drawer = console.drawer(f"#pending-table tr[data-request='{first}'] [data-decide]")
    _no_native_popup(drawer.locator("textarea[name='reason']"))
    drawer.locator("button[name='decision'][value='approve']").click()
    error = drawer.locator("form[data-form='decide'] .form-error")
    error.wait_for()
    assert error.inner_text() == "请填写原因"
    page.keyboard.press("Escape")
    for request_id in waiting:
        page.check(f"#pending-table tr[data-request='{request_id}'] input[data-select-row]")
    bar = page.locator("#bulk-points")
    assert bar.locator("[data-selected-count]").first.inner_text() == str(len(waiting))
    bar.locator("[data-open='bulk-points-reason']").click()
    dialog = page.locator("#bulk-points-reason")
    dialog.locator("textarea[name='reason']").fill("经党委会集体研究同意")
    console.shot("bulk-points", full=False)
    with page.expect_navigation():
        dialog.locator("button[value='approve']").click()
    assert f"已批准 {len(waiting)} 条" in console.flash()
    assert page.locator("#pending-table tr[data-request]").count() == 0
    console.shot("audit-points-bulk-done")
    with app.app_context():
        got = set(
            db.session.scalars(
                db.select(PointsRequest.id).where(PointsRequest.status == "approved")
            )
        )
    assert waiting <= got
    console.no_problems()
