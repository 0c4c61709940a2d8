"""Issue 13, phase 2a: the console's new main actions done in the browser and checked through
the API — 公示 and objections, the roster import with its preview, marking one person as left,
a pairing a transfer made cross branches, a photo left for a person to judge — with a
screenshot of every new page for the README (docs/console/)."""

from __future__ import annotations

import csv
import io
import re

from PIL import Image

from models import Campaign, Person, Upload, Wish, db, utcnow
from tests.console.conftest import bearer
from tests.votes_factory import end_notice

ZONGCAI = "综采一队党支部"


def roster_csv(changes: dict[str, dict[str, str]], drop: set[str], add: list[dict]) -> bytes:
    """The demo roster as HR would hand it over again: some rows changed, some people missing,
    some new (GBK, as a mine's office saves CSV)."""
    from demo.people import roster_rows

    rows = [r | changes.get(r["工号"], {}) for r in roster_rows() if r["工号"] not in drop] + add
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode("gbk")


NEW_PEOPLE = [
    {
        "工号": "D0101",
        "姓名": "韩立新",
        "手机号": "13800000101",
        "单位": "综采一队",
        "党支部": "综采一队党支部",
        "政治面貌": "群众",
        "是否干部": "否",
    },
    {
        "工号": "D0102",
        "姓名": "罗文静",
        "手机号": "13800000102",
        "单位": "综采一队",
        "党支部": "综采一队党支部",
        "政治面貌": "中共党员",
        "是否干部": "否",
    },
]
# D0007 (paired with the cadre D0004 in 综采一队) moves to 机电队: the pairing crosses branches.
MOVE_D0007 = {"D0007": {"单位": "机电队", "党支部": "机电队党支部"}}


def _people(app, q: str, branch_id: int) -> list[str]:
    r = app.test_client().get(
        f"/api/v1/branches/{branch_id}/people?q={q}", headers=bearer(app, "committee")
    )
    assert r.status_code == 200, r.get_json()
    return sorted(p["employee_no"] for p in r.get_json())


def test_committee_runs_notice_and_answers_an_objection(app, demo, console):
    """Issue 13 phase 2a (评选管理): close, start 公示 in the browser; an employee objects through
    the API; publish is refused with the API's message; the objection is answered 成立 and the
    next candidate moves up; after the period the results are published — all seen through the
    API."""
    with app.app_context():
        campaign = db.session.scalar(db.select(Campaign).where(Campaign.status == "open"))
        cid = campaign.id
    console.demo_sign_in("committee")
    page = console.page
    console.go(f"/console/campaigns/{cid}")
    with page.expect_navigation():
        page.click("[data-action='close']")
    assert "投票已结束" in console.flash()
    page.click("[data-action='notice']")
    form = page.locator("form[data-form='notice']")
    assert form.locator("input[name='days']").input_value() == "5"  # the campaign's default
    form.locator("input[name='days']").fill("3")
    with page.expect_navigation():
        form.locator("button[type='submit']").click()
    assert "已开始公示 3 天" in console.flash()
    assert page.get_attribute(".status-badge", "data-status") == "notice"
    assert page.locator(".step.current").inner_text().strip() == "公示中"

    miner = bearer(app, "miner")
    notice = app.test_client().get(f"/api/v1/campaigns/{cid}/notice", headers=miner).get_json()
    safety = [w for w in notice["winners"] if w["category"] == "safety"]
    assert len(safety) == 1  # 名额 1 (the default)
    winner = safety[0]
    r = app.test_client().post(
        f"/api/v1/campaigns/{cid}/objections",
        json={"candidate_id": winner["candidate_id"], "reason": "该同志本年度有“三违”记录"},
        headers=miner,
    )
    assert r.status_code == 201, r.get_json()
    objection_id = r.get_json()["id"]

    console.go(f"/console/campaigns/{cid}")
    row = page.locator(f"tr[data-objection='{objection_id}']")
    assert "（D0011）" in row.inner_text()  # the objector, named to the committee
    assert page.locator("[data-open-objections]").inner_text() == "1"
    console.shot("campaign-notice")
    # Publishing now: the API's refusal, in the action bar.
    page.click("[data-action='publish']")
    refusal = page.locator("#action-bar .form-error")
    refusal.wait_for()
    assert "公示期尚未结束" in refusal.inner_text()

    drawer = console.drawer(f"tr[data-objection='{objection_id}'] a")
    assert "该同志本年度有“三违”记录" in drawer.inner_text()
    drawer.locator("input[name='upheld'][value='1']").check()
    drawer.locator("textarea[name='reason']").fill("经核实，该同志3月有违章记录，不宜表彰")
    console.shot("objection-drawer", full=False)
    with page.expect_navigation():
        drawer.locator("button[type='submit']").click()
    message = console.flash()
    assert f"对 {winner['name']} 的异议成立" in message and "递补" in message
    notice = app.test_client().get(f"/api/v1/campaigns/{cid}/notice", headers=miner).get_json()
    now_safety = [w for w in notice["winners"] if w["category"] == "safety"]
    assert [w["candidate_id"] for w in now_safety] != [winner["candidate_id"]]
    assert len(now_safety) == 1  # the next one moved up into the one place
    (mine,) = notice["my_objections"]
    assert mine["status"] == "upheld" and mine["answer"] == "经核实，该同志3月有违章记录，不宜表彰"
    removed = page.locator(
        f"[data-results='safety'] tr[data-candidate-result='{winner['candidate_id']}']"
    )
    assert "异议成立，已取消" in removed.inner_text()

    end_notice(app, cid)  # the three days pass
    console.go(f"/console/campaigns/{cid}")
    assert page.get_attribute(".notice-bar", "data-notice-state") == "over"
    with page.expect_navigation():
        page.click("[data-action='publish']")
    assert "评选结果已公布" in console.flash()
    assert page.get_attribute(".status-badge", "data-status") == "published"
    results = app.test_client().get(f"/api/v1/campaigns/{cid}/results", headers=miner)
    assert results.status_code == 200, results.get_json()
    # The audit lists the answer, with who gave it.
    console.go("/console/audit?section=objections")
    table = console.page.inner_text("#audit-table")
    assert "异议成立" in table and "不宜表彰" in table and "（D0001）" in table
    console.no_problems()


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


def _photo(colour: tuple[int, int, int]) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (160, 120), colour).save(buf, "JPEG")
    return buf.getvalue()


def test_secretary_judges_photos_left_for_a_person(app, demo, console):
    """Issue 13 phase 2a (图片审核): two proof photos WeChat did not judge in time wait for the
    secretary; the wish drawer shows their status; one is passed and one withdrawn in the
    browser; the API shows the first public and the second withdrawn."""
    from media import checks, store

    with app.app_context():
        wish = db.session.scalar(db.select(Wish).where(Wish.status == "fulfilled"))
        claimer = db.session.get(Person, wish.claimer_id)
        ids = []
        for colour in ((200, 60, 40), (40, 90, 200)):
            upload = store.store_upload(claimer, _photo(colour))
            upload.wish_id = wish.id
            db.session.flush()
            checks.to_review(upload, "overdue", utcnow())  # as the sweeper does after the timeout
            ids.append(upload.id)
        wish_id, branch_id = wish.id, wish.branch_id
        db.session.commit()
    first, second = ids
    console.demo_sign_in("secretary")
    console.go(f"/console/branches/{branch_id}/wishes?status=fulfilled")
    drawer = console.drawer(f"tr[data-wish='{wish_id}'] a")
    assert drawer.locator(f"[data-photo='{first}'] [data-photo-check]").inner_text() == "待人工审核"
    drawer.locator("[data-close]").click()
    console.page.click("a.menu-item:has-text('图片审核')")
    console.page.wait_for_url(re.compile(r"/console/photos$"))
    row = console.page.locator(f"tr[data-photo='{first}']")
    assert "微信检测超时未返回结果" in row.inner_text()
    console.shot("photo-review")
    with console.page.expect_navigation():
        row.locator("button[value='pass']").click()
    assert "已通过" in console.flash()
    row = console.page.locator(f"tr[data-photo='{second}']")
    row.locator("input[name='reason']").fill("照片中有工友正脸，未经同意")
    with console.page.expect_navigation():
        row.locator("button[value='withdraw']").click()
    assert "已撤下" in console.flash()
    assert console.page.locator("#photo-table tbody tr[data-photo]").count() == 0  # none waiting
    r = app.test_client().get("/api/v1/admin/photos?status=pass", headers=bearer(app, "secretary"))
    assert first in {p["id"] for p in r.get_json()}
    r = app.test_client().get("/api/v1/admin/photos?status=risky", headers=bearer(app, "secretary"))
    (withdrawn,) = [p for p in r.get_json() if p["id"] == second]
    assert withdrawn["note"] == "照片中有工友正脸，未经同意" and withdrawn["url"] is None
    with app.app_context():
        assert db.session.get(Upload, first).checked_by_id == demo["people"]["D0002"]
    console.go(f"/console/branches/{branch_id}/wishes?status=fulfilled")
    drawer = console.drawer(f"tr[data-wish='{wish_id}'] a")
    assert drawer.locator(f"[data-photo='{second}'] [data-photo-check]").inner_text() == "已撤下"
    assert drawer.locator(f"[data-photo='{first}'] [data-photo-check]").inner_text() == "已通过"
    console.no_problems()
