"""Points adjustment requests in the console (issue 13, with issue 9 #1). A secretary
files a request on 积分 and sees it listed at once; a committee member other than its author
decides it on 审计 (「待审批的积分调整」), with a reason; the member's ledger shows it only after
approval — done in the browser and checked through the API, with the screenshots for the
README (docs/console/)."""

from __future__ import annotations

import json
import re
from urllib.parse import unquote

from accounts.principal import principal_for_person
from models import Person, PointsEntry, PointsRequest, db
from points import requests as points_requests
from tests.console.sign_in import bearer, client_sign_in, code_of, ticket_of
from tests.support.concurrency import fire_at_once

ZONGCAI = "综采一队党支部"
JIDIAN = "机电队党支部"


def _person(app, employee_no: str) -> Person:
    with app.app_context():
        person = db.session.scalar(db.select(Person).where(Person.employee_no == employee_no))
        db.session.expunge(person)
        return person


def _request_id(app, reason: str) -> int:
    with app.app_context():
        return db.session.scalar(db.select(PointsRequest.id).where(PointsRequest.reason == reason))


def _second_committee(app, world, openid: str = "committee2") -> Person:
    """曹志强 (D0033, secretary of 机关党支部) joins the committee and binds a phone."""
    person = _person(app, "D0033")
    world.grant(person, "committee")
    world.account(person, openid="demo_" + openid)
    return person


def _ask(app, author: str, employee_no: str, delta: int, reason: str) -> int:
    """File a request through the service, as the API would for `author`."""
    with app.app_context():
        who = db.session.scalar(db.select(Person).where(Person.employee_no == author))
        asked = points_requests.request_adjustment(
            principal_for_person(who), employee_no, delta, reason
        )
        db.session.commit()
        return asked.id


def _rows(html: str, table_id: str) -> list[int]:
    """The request ids listed in one table of a page."""
    m = re.search(rf'<table[^>]*id="{table_id}".*?</table>', html, re.S)
    assert m, table_id
    return [int(i) for i in re.findall(r'data-request="(\d+)"', m.group(0))]


def _csrf_of(page) -> str:
    return json.loads(page.get_attribute("body", "hx-headers"))["X-CSRFToken"]


def _manual_entries(app, headers) -> list[tuple]:
    entries = app.test_client().get("/api/v1/points/mine", headers=headers).get_json()["entries"]
    return [(e["kind"], e["delta"], e["reason"]) for e in entries]


def test_secretary_files_a_request_and_the_committee_approves_it(app, demo, console):
    """Issue 13 phase 2b #1 and #2, issue 9 #1: a secretary files a request on 积分 (a delta
    past the limit answered with the service's message; herself not offered); it is listed at
    once as 待审批; the member's ledger does not show it. The committee member finds it under
    「待审批的积分调整」, flagged (the member stands in an open campaign), approves it with a
    reason in the drawer; only now the ledger shows it, and both people and reasons are on
    record."""
    branch_id = demo["branches"][ZONGCAI]
    reason = "抢险救灾表现突出"
    console.demo_sign_in("secretary")
    page = console.page
    console.go(f"/console/branches/{branch_id}/points")
    page.click("[data-open='adjust-dialog']")
    form = page.locator("form[data-form='adjust']")
    assert form.locator("option[value='D0002']").count() == 0  # not her own points
    form.locator("select[name='employee_no']").select_option("D0003")
    form.locator("input[name='delta']").fill("500")
    form.locator("textarea[name='reason']").fill(reason)
    form.locator("button[type='submit']").click()
    error = form.locator(".form-error")
    error.wait_for()
    assert "绝对值不超过 100" in error.inner_text()
    form.locator("input[name='delta']").fill("5")
    with page.expect_navigation():
        form.locator("button[type='submit']").click()
    assert "已提交 宋红梅 的积分调整申请（+5）" in console.flash()
    request_id = _request_id(app, reason)
    row = page.locator(f"#requests-table tr[data-request='{request_id}']")
    text = row.inner_text()
    assert "待审批" in text and "宋红梅" in text and reason in text and "高海军" in text
    assert page.locator(f"#points-table tr[data-person='{demo['people']['D0003']}']").inner_text()
    console.shot("points")
    member = bearer(app, "member")
    assert ("manual", 5, reason) not in _manual_entries(app, member)

    page.click("text=退出登录")
    page.wait_for_url(re.compile(r"/console/login$"))
    console.demo_sign_in("committee")
    assert page.inner_text("[data-pending-points]") != "0"  # the menu says some wait
    console.go("/console/audit?section=points")
    row = page.locator(f"#pending-table tr[data-request='{request_id}']")
    assert "高海军（D0002）" in row.inner_text()
    assert row.locator(".flag-candidate").count() == 1  # a candidate of the open campaign
    console.shot("audit-points")
    drawer = console.drawer(f"#pending-table tr[data-request='{request_id}'] [data-decide]")
    warning = drawer.locator(".candidate-warning")
    assert "2026年度“六大员”评选（投票中）" in warning.inner_text()
    drawer.locator("textarea[name='reason']").fill("情况属实，经支委会研究同意")
    console.shot("points-request", full=False)
    with page.expect_navigation():
        drawer.locator("button[name='decision'][value='approve']").click()
    assert "已批准 宋红梅 的积分调整（+5）" in console.flash()
    assert page.locator(f"#pending-table tr[data-request='{request_id}']").count() == 0
    decided = page.locator(f"#requests-table tr[data-request='{request_id}']").inner_text()
    assert "已批准" in decided and "黄志强（D0001）" in decided

    assert ("manual", 5, reason) in _manual_entries(app, member)
    listed = app.test_client().get(
        "/api/v1/admin/points/requests?status=approved", headers=bearer(app, "committee")
    )
    (approved,) = [r for r in listed.get_json() if r["id"] == request_id]
    assert approved["requested_by"]["employee_no"] == "D0002"
    assert approved["decided_by"]["employee_no"] == "D0001"
    assert approved["decision_reason"] == "情况属实，经支委会研究同意"
    assert approved["entry_id"] is not None and approved["flagged"] is True
    console.no_problems()


def test_the_author_is_not_offered_to_decide_and_another_member_rejects(app, demo, console, world):
    """Issue 13 phase 2b #2 and #3: a committee member files a request on a branch's 积分 page;
    on 审计 the request is not offered to them to decide, and the service refuses it when
    forced (its Chinese message; through the API too). A second committee member rejects it:
    a blank reason is refused with the service's message, then a reason goes through; nothing
    reaches the ledger."""
    branch_id = demo["branches"][JIDIAN]
    reason = "井下作业未按规定佩戴自救器"
    second = _second_committee(app, world)
    console.demo_sign_in("committee")
    page = console.page
    console.go(f"/console/branches/{branch_id}/points")
    page.click("[data-open='adjust-dialog']")
    form = page.locator("form[data-form='adjust']")
    form.locator("select[name='employee_no']").select_option("D0019")
    form.locator("input[name='delta']").fill("-3")
    form.locator("textarea[name='reason']").fill(reason)
    with page.expect_navigation():
        form.locator("button[type='submit']").click()
    assert "已提交 朱国华 的积分调整申请（-3）" in console.flash()
    request_id = _request_id(app, reason)

    console.go("/console/audit?section=points")
    row = page.locator(f"#pending-table tr[data-request='{request_id}']")
    assert row.locator("[data-decide]").count() == 0
    assert "须由其他党委成员审批" in row.inner_text()
    drawer = console.drawer(f"#pending-table tr[data-request='{request_id}'] a")
    assert drawer.locator("form[data-form='decide']").count() == 0
    assert "须由其他党委成员审批" in drawer.inner_text()
    drawer.locator("[data-close]").click()
    forced = page.request.post(
        f"{console.base}/console/points/requests/{request_id}/decide",
        form={"csrf_token": _csrf_of(page), "decision": "approve", "reason": "同意"},
        headers={"HX-Request": "true"},
    )
    assert forced.status == 403 and forced.headers["x-console-reason"] == "own_request"
    assert unquote(forced.headers["x-console-message"]) == "积分调整须由提出人以外的党委成员审批"
    api = app.test_client().post(
        f"/api/v1/admin/points/requests/{request_id}/decide",
        json={"approve": True, "reason": "同意"},
        headers=bearer(app, "committee"),
    )
    assert api.status_code == 403 and api.get_json()["reason"] == "own_request"

    page.click("text=退出登录")
    page.wait_for_url(re.compile(r"/console/login$"))
    ticket = ticket_of(page)
    r = app.test_client().post(
        f"/api/v1/console-logins/{ticket}/confirm",
        headers=bearer(app, "committee2"),
        json=code_of(app, ticket),
    )
    assert r.status_code == 200, r.get_json()
    page.wait_for_url(re.compile(r"/console/mine$"))
    console.go("/console/audit?section=points")
    drawer = console.drawer(f"#pending-table tr[data-request='{request_id}'] [data-decide]")
    drawer.locator("textarea[name='reason']").fill("   ")
    drawer.locator("button[name='decision'][value='reject']").click()
    error = drawer.locator("form[data-form='decide'] .form-error")
    error.wait_for()
    assert "请填写原因" in error.inner_text()
    drawer.locator("textarea[name='reason']").fill("现场记录不清，扣分依据不足")
    with page.expect_navigation():
        drawer.locator("button[name='decision'][value='reject']").click()
    assert "已驳回 朱国华 的积分调整（-3）" in console.flash()

    listed = app.test_client().get(
        "/api/v1/admin/points/requests?status=rejected", headers=bearer(app, "committee")
    )
    (rejected,) = [r for r in listed.get_json() if r["id"] == request_id]
    assert rejected["requested_by"]["employee_no"] == "D0001"
    assert rejected["decided_by"]["id"] == second.id
    assert rejected["decision_reason"] == "现场记录不清，扣分依据不足"
    assert rejected["entry_id"] is None
    with app.app_context():
        refs = db.session.scalars(db.select(PointsEntry.ref)).all()
        assert f"request:{request_id}" not in refs
    console.no_problems()


def test_branch_page_lists_its_requests_paged_and_filtered(app, demo):
    """Issue 13 phase 2b #1: 积分 lists the branch's requests (pending / approved / rejected,
    author, decider, both reasons), filtered by status and paged on the server; another
    branch's requests are not there; the member's own pending sum shows beside the ledger."""
    own, other = demo["branches"][ZONGCAI], demo["branches"][JIDIAN]
    first = _ask(app, "D0002", "D0003", 4, "主动认领微心愿 3 个")
    second = _ask(app, "D0002", "D0004", -1, "班前会迟到")
    elsewhere = _ask(app, "D0001", "D0019", 2, "机电设备抢修")
    with app.app_context():
        committee = principal_for_person(
            db.session.scalar(db.select(Person).where(Person.employee_no == "D0001"))
        )
        points_requests.decide(committee, second, False, "已说明原因，不予扣分")
        db.session.commit()
        expected = {
            status: set(
                db.session.scalars(
                    db.select(PointsRequest.id)
                    .join(Person, Person.id == PointsRequest.person_id)
                    .where(Person.branch_id == own, PointsRequest.status == status)
                )
            )
            for status in ("pending", "approved", "rejected")
        }
    client = app.test_client()
    client_sign_in(client, "secretary")
    page = client.get(f"/console/branches/{own}/points?r_page_size=100")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    every = _rows(html, "requests-table")
    assert set(every) == expected["pending"] | expected["approved"] | expected["rejected"]
    assert every.index(second) < every.index(first)  # newest first
    assert elsewhere not in every
    assert "已说明原因，不予扣分" in html and "黄志强（D0001）" in html
    for status in ("pending", "approved", "rejected"):
        only = client.get(f"/console/branches/{own}/points?rs={status}&r_page_size=100")
        assert set(_rows(only.get_data(as_text=True), "requests-table")) == expected[status]
    assert first in expected["pending"] and second in expected["rejected"]
    paged = client.get(f"/console/branches/{own}/points?r_page_size=2&r_page=2").get_data(
        as_text=True
    )
    assert len(_rows(paged, "requests-table")) == min(2, len(every) - 2)
    assert f"共 {len(every)} 条" in paged
    # The ledger's row for 宋红梅 says what still waits for approval.
    pending_cell = re.search(
        rf'<tr data-person="{demo["people"]["D0003"]}">.*?data-pending="([^"]*)"', html, re.S
    )
    with app.app_context():
        waiting = db.session.scalar(
            db.select(db.func.sum(PointsRequest.delta)).where(
                PointsRequest.person_id == demo["people"]["D0003"],
                PointsRequest.status == "pending",
            )
        )
    assert pending_cell is not None and pending_cell.group(1) == str(waiting)
    # Junk filters never break the page.
    for junk in ("rs=nope", "r_page=-4", "r_sort=drop"):
        assert client.get(f"/console/branches/{own}/points?{junk}").status_code == 200
    # A NUL is refused as the API refuses it (422, in Chinese), never a 500.
    nul = client.get(f"/console/branches/{own}/points?rs=%00")
    assert nul.status_code == 422 and "不允许" in nul.get_data(as_text=True)
    assert client.get(f"/console/branches/{other}/points").status_code == 404


def test_request_drawer_and_decisions_are_scoped(app, demo, world):
    """Issue 13 phase 2b #2: a secretary opens their branch's requests read-only and gets 404 for
    another branch's; only the committee decides (a secretary's decide is 404 and changes
    nothing); a committee member of another mine sees nothing; a request about oneself is not
    one's to decide either."""
    own = _ask(app, "D0002", "D0003", 3, "协助开展安全宣讲")
    other = _ask(app, "D0001", "D0019", 3, "机电设备抢修及时")
    secretary = app.test_client()
    token = client_sign_in(secretary, "secretary")
    r = secretary.get(f"/console/points/requests/{own}", headers={"HX-Request": "true"})
    assert r.status_code == 200
    html = r.get_data(as_text=True)
    assert "协助开展安全宣讲" in html and 'data-form="decide"' not in html
    assert secretary.get(f"/console/points/requests/{other}").status_code == 404
    assert secretary.get(f"/console/points/requests/{2**31 + 1}").status_code == 404
    r = secretary.post(
        f"/console/points/requests/{own}/decide",
        data={"csrf_token": token, "decision": "approve", "reason": "同意"},
    )
    assert r.status_code == 404
    assert secretary.get("/console/audit?section=points").status_code == 404

    stranger = world.committee(world.mine("别的矿"))
    world.account(stranger, openid="demo_stranger")
    outsider = app.test_client()
    token = client_sign_in(outsider, "stranger")
    assert outsider.get(f"/console/points/requests/{own}").status_code == 404
    r = outsider.post(
        f"/console/points/requests/{own}/decide",
        data={"csrf_token": token, "decision": "approve", "reason": "同意"},
        headers={"HX-Request": "true"},
    )
    assert r.status_code == 404

    # A request about 黄志强 (D0001) himself, filed by a second committee member.
    _second_committee(app, world)
    about_him = _ask(app, "D0033", "D0001", 2, "党委工作表现突出")
    committee = app.test_client()
    token = client_sign_in(committee, "committee")
    r = committee.get(f"/console/points/requests/{about_him}", headers={"HX-Request": "true"})
    assert 'data-form="decide"' not in r.get_data(as_text=True)
    assert "涉及您本人的积分" in r.get_data(as_text=True)
    r = committee.post(
        f"/console/points/requests/{about_him}/decide",
        data={"csrf_token": token, "decision": "approve", "reason": "同意"},
        headers={"HX-Request": "true"},
    )
    assert r.status_code == 403 and r.headers["X-Console-Reason"] == "own_points"
    with app.app_context():
        for rid in (own, other, about_him):
            assert db.session.get(PointsRequest, rid).status == "pending"


def test_decisions_answer_with_the_service_messages(app, demo, world):
    """Issue 13 phase 2b #2: a decision without a reason, or with no decision, is refused with
    the Chinese message; a decided request cannot be decided again (409 request_decided)."""
    rid = _ask(app, "D0002", "D0003", 2, "主动承担夜班抢修")
    client = app.test_client()
    token = client_sign_in(client, "committee")
    url = f"/console/points/requests/{rid}/decide"
    hx = {"HX-Request": "true"}
    r = client.post(url, data={"csrf_token": token, "decision": "approve"}, headers=hx)
    assert r.status_code == 422 and r.headers["X-Console-Reason"] == "reason_required"
    assert "请填写原因" in r.get_data(as_text=True)
    r = client.post(url, data={"csrf_token": token, "reason": "同意"}, headers=hx)
    assert r.status_code == 422 and "请选择批准或驳回" in r.get_data(as_text=True)
    r = client.post(
        url, data={"csrf_token": token, "decision": "approve", "reason": "同意"}, headers=hx
    )
    assert r.status_code == 200 and r.headers["HX-Refresh"] == "true"
    r = client.post(
        url, data={"csrf_token": token, "decision": "reject", "reason": "驳回"}, headers=hx
    )
    assert r.status_code == 409 and r.headers["X-Console-Reason"] == "request_decided"
    assert r.get_data(as_text=True) == "该积分调整申请已审批"
    with app.app_context():
        assert db.session.get(PointsRequest, rid).status == "approved"


def test_two_committee_members_deciding_at_once_decide_once(app, demo, world):
    """Issue 9 #1 through the console: several committee members approve or reject the same
    request at the same moment; exactly one decision is taken, the others get 409 with the
    Chinese message, and the ledger has at most the one entry."""
    rid = _ask(app, "D0002", "D0003", 6, "带头完成月度生产任务")
    deciders = []
    with app.app_context():
        mine_people = db.session.scalars(
            db.select(Person).where(
                Person.mine_id == demo["mine_id"],
                Person.employee_no.in_(("D0033", "D0034", "D0035", "D0036")),
            )
        ).all()
        for p in mine_people:
            db.session.expunge(p)
    for i, person in enumerate(mine_people):
        world.grant(person, "committee")
        world.account(person, openid=f"demo_deciders{i}")
        client = app.test_client()
        deciders.append((client, client_sign_in(client, f"deciders{i}")))

    def decide(i: int) -> int:
        client, token = deciders[i]
        r = client.post(
            f"/console/points/requests/{rid}/decide",
            data={
                "csrf_token": token,
                "decision": "approve" if i % 2 else "reject",
                "reason": "同时审批",
            },
            headers={"HX-Request": "true"},
        )
        return r.status_code

    results = fire_at_once(len(deciders), decide)
    assert sorted(results) == [200] + [409] * (len(deciders) - 1)
    with app.app_context():
        req = db.session.get(PointsRequest, rid)
        entries = db.session.scalar(
            db.select(db.func.count())
            .select_from(PointsEntry)
            .where(PointsEntry.ref == f"request:{rid}")
        )
        assert entries == (1 if req.status == "approved" else 0)
