"""Issue 13: on each page its main action done in the browser and checked through the API,
with a screenshot of every page for the README (docs/console/)."""

from __future__ import annotations

import io
import re

from PIL import Image

from models import Ballot, Branch, Campaign, Pairing, Talk, Wish, db
from tests.console.sign_in import bearer

ZONGCAI = "综采一队党支部"


def _png() -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (120, 160), (192, 57, 43)).save(buf, "PNG")
    return buf.getvalue()


def test_secretary_approves_a_wish(app, demo, console):
    """Issue 13 (心愿审核): approve a wish in the browser; the API shows it published. A reject
    without a reason answers with the API's Chinese message."""
    with app.app_context():
        wish = db.session.scalar(db.select(Wish).where(Wish.title == "宿舍暖气片漏水"))
        wish_id, branch_id = wish.id, wish.branch_id
    console.demo_sign_in("secretary")
    assert console.page.url.endswith(f"/console/branches/{branch_id}/")
    console.shot("secretary-home")
    console.go(f"/console/branches/{branch_id}/wishes")
    assert console.page.locator("#wish-table tbody tr").count() == 2  # the two 待审核
    console.shot("wishes")
    drawer = console.drawer(f"tr[data-wish='{wish_id}'] a")
    assert "宿舍暖气片漏水" in drawer.inner_text()
    assert "演示环境本地词表通过" in drawer.inner_text()  # the content-check verdict
    drawer.locator("button[value='reject']").click()
    error = drawer.locator("form[data-form='review'] .form-error")
    error.wait_for()
    assert "请填写原因" in error.inner_text()
    console.shot("wish-drawer", full=False)
    with console.page.expect_navigation():
        drawer.locator("button[value='approve']").click()
    assert "已通过审核并发布" in console.flash()
    r = app.test_client().get(f"/api/v1/wishes/{wish_id}", headers=bearer(app, "secretary"))
    assert r.status_code == 200 and r.get_json()["status"] == "open"
    assert [h["action"] for h in r.get_json()["history"]] == ["submit", "approve"]
    console.no_problems()


def test_secretary_pairs_members_up_to_the_limit(app, demo, console, world):
    """Issue 13 (结对管理): pair a member and hit the 3/5 limit; set a care flag."""
    with app.app_context():
        branch = db.session.scalar(db.select(Branch).where(Branch.name == ZONGCAI))
        db.session.expunge(branch)
    fresh = [world.person(branch, name=n) for n in ("赵小军", "钱立平")]
    member_id = demo["people"]["D0003"]  # an ordinary member, paired with 2 already
    console.demo_sign_in("secretary")
    console.go(f"/console/branches/{branch.id}/pairings")
    row = console.page.locator(f"tr[data-member='{member_id}'] [data-count]")
    assert row.inner_text() == "2 / 3"
    page = console.page
    page.select_option("form[data-form='pair'] select[name='member_id']", str(member_id))
    page.select_option("form[data-form='pair'] select[name='employee_id']", str(fresh[0].id))
    with page.expect_navigation():
        page.click("form[data-form='pair'] button[type='submit']")
    assert "已结对" in console.flash()
    assert page.locator(f"tr[data-member='{member_id}'] [data-count]").inner_text() == "3 / 3"
    page.select_option("form[data-form='pair'] select[name='member_id']", str(member_id))
    page.select_option("form[data-form='pair'] select[name='employee_id']", str(fresh[1].id))
    page.click("form[data-form='pair'] button[type='submit']")
    error = page.locator("form[data-form='pair'] .form-error")
    error.wait_for()
    assert "该党员结对人数已满（普通党员一带三，党员干部一带五）" in error.inner_text()
    console.shot("pairings")
    r = app.test_client().get(
        f"/api/v1/branches/{branch.id}/pairings?member_id={member_id}",
        headers=bearer(app, "secretary"),
    )
    assert r.status_code == 200
    assert sorted(p["employee"]["name"] for p in r.get_json())[:1] and len(r.get_json()) == 3
    assert fresh[0].id in {p["employee_id"] for p in r.get_json()}
    # Ending a pairing frees a place (history kept).
    ended = next(p for p in r.get_json() if p["employee_id"] == fresh[0].id)
    with page.expect_navigation():
        page.click(f"button[hx-post$='/pairings/{ended['id']}/end']")
    assert "已解除结对：宋红梅 — 赵小军" in console.flash()
    assert page.locator(f"tr[data-member='{member_id}'] [data-count]").inner_text() == "2 / 3"
    history = app.test_client().get(
        f"/api/v1/branches/{branch.id}/pairings?status=ended&member_id={member_id}",
        headers=bearer(app, "secretary"),
    )
    assert [(p["employee_id"], p["end_reason"]) for p in history.get_json()] == [
        (fresh[0].id, "ended")
    ]
    # Care flags: the drawer shows the history and sets a flag through the same service.
    console.go(f"/console/branches/{branch.id}/pairings")
    drawer = console.drawer(f"#unpaired-table a[href$='/people/{fresh[1].id}/care']")
    drawer.locator("input[value='hardship']").check()
    drawer.locator("textarea[name='note']").fill("爱人失业，孩子上学开支大")
    with page.expect_navigation():
        drawer.locator("button[type='submit']").click()
    assert "关怀标记已更新" in console.flash()
    care = app.test_client().get(
        f"/api/v1/employees/{fresh[1].id}/care-flags", headers=bearer(app, "secretary")
    )
    assert care.get_json()["flags"] == ["hardship"] and len(care.get_json()["history"]) == 1
    console.no_problems()


def test_opening_a_talk_is_found_in_the_audit(app, demo, console, browser, live_server):
    """Issue 13 (谈心记录): open a talk record; the read is in the audit, on the committee's
    page and through the API; the month's 台账 downloads with progress and is logged too."""
    with app.app_context():
        # The demo's talk about the mother in hospital (the demo's duties add later talks).
        talk = db.session.scalar(
            db.select(Talk).where(Talk.topics.contains("母亲住院")).order_by(Talk.id.desc())
        )
        talk_id, branch_id, month = talk.id, talk.branch_id, talk.month
    console.demo_sign_in("secretary")
    console.go(f"/console/branches/{branch_id}/talks?month={month}")
    drawer = console.drawer(f"tr[data-talk='{talk_id}'] a")
    assert "母亲住院" in drawer.inner_text()
    console.shot("talks", full=False)
    drawer.locator("[data-close]").click()
    with console.page.expect_download() as download:
        console.page.click("a[data-download]")
    path = download.value.path()
    with open(path, "rb") as fh:
        assert fh.read(2) == b"PK"  # an .xlsx
    assert download.value.suggested_filename.endswith(".xlsx")
    r = app.test_client().get(
        f"/api/v1/admin/talk-access?talk_id={talk_id}", headers=bearer(app, "committee")
    )
    assert r.status_code == 200
    actions = {(row["action"], row["viewer_name"]) for row in r.get_json()}
    assert {("list", "高海军"), ("detail", "高海军"), ("export", "高海军")} <= actions
    # The committee finds the same read on the audit page.
    console.page.click("text=退出登录")
    console.page.wait_for_url(re.compile(r"/console/login$"))
    console.demo_sign_in("committee")
    console.go(f"/console/audit?section=talks&talk_id={talk_id}")
    table = console.page.inner_text("#audit-table")
    assert "高海军（D0002）" in table and "查看详情" in table and "导出台账" in table
    console.shot("audit")
    console.go("/console/audit?section=signins")
    assert console.page.locator("#audit-table tbody tr[data-signin]").count() == 2
    console.no_problems()


def test_committee_creates_and_opens_a_campaign(app, demo, console):
    """Issue 13 (评选管理): create a campaign, nominate a candidate from the roster with story and
    photo, open it; the API shows it open."""
    console.demo_sign_in("committee")
    console.go("/console/campaigns")
    console.shot("campaigns")
    page = console.page
    page.click("[data-open='create-dialog']")
    form = page.locator("form[data-form='create-campaign']")
    form.locator("input[name='title']").fill("2027年度“六大员”评选")
    form.locator("textarea[name='description']").fill("模范带头勇作为，人人争做“六大员”。")
    form.locator("input[value='reform']").uncheck()
    with page.expect_navigation():
        form.locator("button[type='submit']").click()
    assert "已创建评选「2027年度“六大员”评选」（草稿）" in console.flash()
    campaign_id = int(re.search(r"/campaigns/(\d+)$", page.url).group(1))
    assert page.get_attribute(".status-badge", "data-status") == "draft"
    # Opening without candidates: the API's refusal, in Chinese.
    page.click("[data-action='open']")
    refusal = page.locator("#action-bar .form-error")
    refusal.wait_for()
    assert refusal.inner_text().strip() != ""
    page.click("[data-open='candidate-dialog']")
    form = page.locator("form[data-form='add-candidate']")
    form.locator("select[name='category']").select_option("safety")
    form.locator("input[name='employee_no']").fill("D0003")
    page.wait_for_selector("#party-members option", state="attached")
    form.locator("textarea[name='story']").fill("坚持“手指口述”安全确认，全年排查隐患 12 处。")
    form.locator("input[name='photo']").set_input_files(
        {"name": "photo.png", "mimeType": "image/png", "buffer": _png()}
    )
    with page.expect_navigation():
        form.locator("button[type='submit']").click()
    assert "已添加候选人" in console.flash()
    with page.expect_navigation():
        page.click("[data-action='open']")
    assert "投票已开始" in console.flash()
    assert page.get_attribute(".status-badge", "data-status") == "open"
    console.shot("campaign")
    r = app.test_client().get(f"/api/v1/campaigns/{campaign_id}", headers=bearer(app, "member"))
    assert r.status_code == 200
    body = r.get_json()
    assert body["status"] == "open" and [c["key"] for c in body["categories"]][:1] == ["safety"]
    assert "reform" not in [c["key"] for c in body["categories"]]
    (candidate,) = body["categories"][0]["candidates"]
    assert candidate["name"] == "宋红梅" and candidate["photo_url"]
    assert app.test_client().get(candidate["photo_url"]).status_code == 200
    console.no_problems()


def test_committee_voids_a_ballot(app, demo, console):
    """Issue 13 (评选管理): void a ballot with a reason; the API shows it voided."""
    with app.app_context():
        campaign = db.session.scalar(db.select(Campaign).where(Campaign.status == "open"))
        ballot = db.session.scalar(
            db.select(Ballot).where(Ballot.campaign_id == campaign.id).order_by(Ballot.id.desc())
        )
        campaign_id, ballot_id = campaign.id, ballot.id
    console.demo_sign_in("committee")
    console.go(f"/console/campaigns/{campaign_id}")
    console.charts_drawn()
    drawer = console.drawer(f"tr[data-ballot='{ballot_id}'] a")
    drawer.locator("input[name='reason']").fill("同一IP短时间集中投票，核实为代投")
    console.shot("ballot-void", full=False)
    with console.page.expect_navigation():
        drawer.locator("button[type='submit']").click()
    assert f"选票 #{ballot_id} 已作废" in console.flash()
    r = app.test_client().get(
        f"/api/v1/admin/campaigns/{campaign_id}/ballots?voided=true",
        headers=bearer(app, "committee"),
    )
    assert [(b["id"], b["void_reason"]) for b in r.get_json()] == [
        (ballot_id, "同一IP短时间集中投票，核实为代投")
    ]
    assert "已作废" in console.page.inner_text(f"tr[data-ballot='{ballot_id}']")
    console.no_problems()


def test_committee_overview_charts(app, demo, console):
    """Issue 13 (全矿概览): compliance by branch, wishes by month and status, campaign status,
    drawn by ECharts from our own files under the CSP."""
    console.demo_sign_in("committee")
    assert console.page.url.endswith("/console/mine")
    # The month's three charts and the 12-month trends (issue 27 item 4), none of them empty.
    assert console.page.locator("[data-chart]").count() == 6
    assert console.page.locator("[data-empty-chart]").count() == 0
    console.shot("mine-overview")
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(Pairing)) == 4
    console.no_problems()


def test_live_leaderboard_follows_the_votes(app, demo):
    """Issue 13 (评选管理): the campaign page's live leaderboard (polled while voting is open)
    counts a vote cast through the API and drops a voided one."""
    from tests.console.sign_in import client_sign_in

    with app.app_context():
        campaign = db.session.scalar(db.select(Campaign).where(Campaign.status == "open"))
        campaign_id = campaign.id
        valid = db.session.scalar(
            db.select(db.func.count())
            .select_from(Ballot)
            .where(Ballot.campaign_id == campaign_id, Ballot.voided_at.is_(None))
        )
        candidate_id = campaign.candidates[-1].id
    client = app.test_client()
    client_sign_in(client, "committee")

    def total() -> int:
        html = client.get(f"/console/campaigns/{campaign_id}/board").get_data(as_text=True)
        assert 'hx-trigger="every 15s"' in html
        return int(re.search(r"data-total-votes>(\d+)<", html).group(1))

    assert total() == valid
    r = app.test_client().post(
        f"/api/v1/campaigns/{campaign_id}/votes",
        json={"candidate_id": candidate_id},
        headers=bearer(app, "committee"),
    )
    assert r.status_code == 201, r.get_json()
    assert total() == valid + 1
    r = app.test_client().post(
        f"/api/v1/admin/ballots/{r.get_json()['ballot_id']}/void",
        json={"reason": "核实为代投"},
        headers=bearer(app, "committee"),
    )
    assert r.status_code == 200
    assert total() == valid
