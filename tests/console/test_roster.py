"""花名册 in the console (issue 13): the roster import with its preview and marking one person
as left, done in the browser and checked through the API, with screenshots for the README
(docs/console/)."""

from __future__ import annotations

import csv
import io

from tests.console.roster_files import MOVE_D0007, NEW_PEOPLE, roster_csv
from tests.console.sign_in import bearer

ZONGCAI = "综采一队党支部"


def _people(app, q: str, branch_id: int) -> list[str]:
    r = app.test_client().get(
        f"/api/v1/branches/{branch_id}/people?q={q}", headers=bearer(app, "committee")
    )
    assert r.status_code == 200, r.get_json()
    return sorted(p["employee_no"] for p in r.get_json())


def test_committee_imports_a_roster_with_a_preview(app, demo, console):
    """Issue 13 phase 2a (花名册): upload → the preview (nothing written) → mark the people
    missing from the file as left, seen in the preview first → confirm; the API shows the new
    people, the change, the transfer's pairing review and the leavers."""
    zongcai, jiguan = demo["branches"][ZONGCAI], demo["branches"]["机关党支部"]
    console.demo_sign_in("committee")
    console.go("/console/roster")
    page = console.page
    bad = roster_csv({"D0006": {"手机号": "12"}}, set(), [])
    page.set_input_files(
        "#import-form input[name='file']",
        {"name": "花名册.csv", "mimeType": "text/csv", "buffer": bad},
    )
    with page.expect_navigation():
        page.click("#import-form button[type='submit']")
    assert page.locator("[data-count='errors']").inner_text() == "1"
    assert "手机号" in page.inner_text("#preview-errors")
    assert page.locator("form[data-form='confirm-import']").count() == 0  # cannot be imported

    console.go("/console/roster")
    good = roster_csv(
        {"D0006": {"手机号": "13900000006"}, **MOVE_D0007}, {"D0039", "D0040"}, NEW_PEOPLE
    )
    page.set_input_files(
        "#import-form input[name='file']",
        {"name": "2026年花名册.csv", "mimeType": "text/csv", "buffer": good},
    )
    with page.expect_navigation():
        page.click("#import-form button[type='submit']")
    assert "请核对预览" in console.flash()
    assert "CSV 文件，第 1 行为表头" in page.inner_text("[data-read-at]")
    counts = {k: page.inner_text(f"[data-count='{k}']") for k in ("new", "changes", "missing")}
    assert counts == {"new": "2", "changes": "2", "missing": "2"}
    change = page.inner_text("tr[data-change='D0006']")
    assert "13800000006" in change and "13900000006" in change
    assert "机电队党支部" in page.inner_text("#preview-transfers")
    assert "职工调动" in page.inner_text("#preview-reviews")
    assert "不处理" in page.inner_text("tr[data-missing='D0040']")
    # Nothing is written by the preview.
    assert _people(app, "D010", zongcai) == []
    # The option, shown in the preview first.
    with page.expect_navigation():
        page.check("input[data-toggle-url]")
    assert "将标记离职" in page.inner_text("tr[data-missing='D0040']")
    assert "标记离职 2 人" in page.inner_text("#preview-confirm")
    console.shot("roster-preview")
    assert _people(app, "D0040", jiguan) == ["D0040"]
    with page.expect_navigation():
        page.click("form[data-form='confirm-import'] button[type='submit']")
    message = console.flash()
    assert "新增 2 人，更新 2 人" in message and "标记离职 2 人" in message
    assert "1 个结对跨了支部" in message
    assert _people(app, "D010", zongcai) == ["D0101", "D0102"]
    assert _people(app, "D0040", jiguan) == []  # left
    r = app.test_client().get(
        f"/api/v1/branches/{zongcai}/pairing-reviews", headers=bearer(app, "secretary")
    )
    assert [x["employee"]["employee_no"] for x in r.get_json()] == ["D0007"]
    console.go("/console/roster?presence=left")
    assert page.locator("#people-table tbody tr[data-person]").count() == 2
    console.go("/console/roster")
    console.shot("roster")
    console.go("/console/audit?section=leavers")
    table = page.inner_text("#audit-table")
    assert table.count("标记离职") == 2 and "花名册导入" in table and "（D0001）" in table
    console.no_problems()


def test_committee_marks_one_person_as_left(app, demo, console):
    """Issue 13 phase 2a (花名册): 标记离职 from the people search, the confirmation saying what
    it will do; the person's phone loses access through the API; the audit says who did it."""
    member = bearer(app, "member")  # D0003: paired twice, a claim, candidacies
    person_id = demo["people"]["D0003"]
    console.demo_sign_in("committee")
    console.go("/console/roster?q=D0003")
    drawer = console.drawer(f"tr[data-person='{person_id}'] a[href$='/leave']")
    impact = drawer.inner_text()
    assert "解除正在进行的结对 2 个" in impact and "候选资格" in impact
    console.shot("leave-drawer", full=False)
    with console.page.expect_navigation():
        drawer.locator("button[type='submit']").click()
    assert "已将 宋红梅（D0003）标记为离职" in console.flash()
    r = app.test_client().get("/api/v1/me", headers=member)
    assert r.status_code == 401 and r.get_json()["reason"] == "token_revoked"
    branch = demo["branches"][ZONGCAI]
    r = app.test_client().get(
        f"/api/v1/branches/{branch}/pairings?member_id={person_id}&status=ended",
        headers=bearer(app, "secretary"),
    )
    assert {p["end_reason"] for p in r.get_json()} == {"member_left"}
    console.go("/console/audit?section=leavers")
    row = console.page.inner_text("#audit-table tbody tr")
    assert "宋红梅（D0003）" in row and "单人登记" in row and "（D0001）" in row
    console.shot("audit-leavers")
    console.no_problems()


def test_a_roster_with_groups_previews_and_shows_them(app, demo, console):
    """Issue 21 item 1 (花名册 班组): a roster with 班组 and 职务 columns; the preview lists the
    new 班组, the unit kinds and the 班组长 named; after the import the roster page has a 班组
    column."""
    from demo.people import roster_rows

    groups = {
        "D0006": ("生产一班", "采煤工"),
        "D0007": ("检修班", "班长"),
        "D0009": ("一班", "班组长"),
    }
    rows = [
        r | dict(zip(("班组", "职务"), groups.get(r["工号"], ("", "")), strict=True))
        for r in roster_rows()
    ]
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerows(rows)
    console.demo_sign_in("committee")
    console.go("/console/roster")
    page = console.page
    page.set_input_files(
        "#import-form input[name='file']",
        {"name": "班组花名册.csv", "mimeType": "text/csv", "buffer": out.getvalue().encode("gbk")},
    )
    with page.expect_navigation():
        page.click("#import-form button[type='submit']")
    assert page.inner_text("[data-count='groups']") == "3"
    assert page.inner_text("[data-count='changes']") == "3"
    units = page.inner_text("#preview-units")
    assert "综采一队检修班" in units and "掘进二队一班" in units and "综采一队生产一班" in units
    assert "任命" in page.inner_text("tr[data-leader='D0007']")
    assert "班组长" in page.inner_text("tr[data-leader='D0009']")
    console.shot("roster-groups-preview")
    with page.expect_navigation():
        page.click("form[data-form='confirm-import'] button[type='submit']")
    assert "班组 3 个" in console.flash()
    console.go("/console/roster?q=D0007")
    person = demo["people"]["D0007"]
    assert page.inner_text(f"tr[data-person='{person}'] td[data-group]") == "综采一队检修班"
    assert "班组" in page.inner_text("#people-table thead")
    console.shot("roster-groups")
    console.no_problems()
