"""The 公示 of a campaign's results in the console (issue 13): the committee runs the notice
and answers an objection in the browser, checked through the API, with a screenshot of the page
for the README (docs/console/)."""

from __future__ import annotations

from models import Campaign, db
from tests.console.sign_in import bearer


def test_committee_runs_notice_and_answers_an_objection(app, demo, console, end_notice):
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
    # Publishing now is not offered (issue 27 item 8): the button is greyed out and says why,
    # in the words the API would answer.
    assert page.locator("[data-action='publish']").is_disabled()
    assert "公示期尚未结束" in page.inner_text("[data-publish-blocked]")

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

    end_notice(cid)  # the three days pass
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
