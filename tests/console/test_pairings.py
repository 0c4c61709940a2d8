"""Pairings in the console (issue 13): a pairing a transfer made cross branches, confirmed in
the browser by one branch and through the API by the other, with a screenshot for the README
(docs/console/)."""

from __future__ import annotations

import io

from models import Person, db
from tests.console.roster_files import MOVE_D0007, roster_csv
from tests.console.sign_in import bearer

ZONGCAI = "综采一队党支部"


def test_secretary_confirms_a_cross_branch_pairing(app, demo, console, world):
    """Issue 13 phase 2a (结对管理): a transfer made a pairing cross branches; the secretary of
    the employee's old branch confirms it in the browser, the other branch's secretary through
    the API; the pairing goes on under the member's branch."""
    data = roster_csv(MOVE_D0007, set(), [])
    r = app.test_client().post(
        "/api/v1/admin/roster",
        data={"file": (io.BytesIO(data), "花名册.csv")},
        headers=bearer(app, "committee"),
        content_type="multipart/form-data",
    )
    assert r.status_code == 200, r.get_json()
    (review,) = r.get_json()["pairing_reviews"]
    zongcai = demo["branches"][ZONGCAI]
    console.demo_sign_in("secretary")
    console.go(f"/console/branches/{zongcai}/pairings")
    row = console.page.locator(f"tr[data-review='{review['review_id']}']")
    assert "职工调动" in row.inner_text() and "机电队党支部" in row.inner_text()
    console.shot("pairing-reviews")
    with console.page.expect_navigation():
        row.locator("[data-review-action='confirm']").click()
    assert "等待另一方支部确认" in console.flash()
    with app.app_context():
        other = db.session.scalar(db.select(Person).where(Person.employee_no == "D0017"))
        db.session.expunge(other)
    r = app.test_client().post(
        f"/api/v1/pairing-reviews/{review['review_id']}/confirm", headers=world.headers(other)
    )
    assert r.status_code == 200, r.get_json()
    body = r.get_json()
    assert body["status"] == "closed" and body["outcome"] == "kept"
    assert body["member_side"]["by_id"] == demo["people"]["D0002"]
    console.go(f"/console/branches/{zongcai}/pairings?rv=closed")
    assert "双方确认继续" in console.page.inner_text(f"tr[data-review='{review['review_id']}']")
    console.no_problems()
