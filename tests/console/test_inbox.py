"""消息中心 in the console: a desk user's own inbox (marked read as in the mini-program) and
待办, the top bar's badge, and the committee's delivery statistics per kind — with the
screenshots for the README (docs/console/)."""

from __future__ import annotations

import re

from models import Account, Notification, db
from notifications import notify
from tests.console.sign_in import client_sign_in


def _person_of(app, openid: str) -> int:
    with app.app_context():
        return db.session.scalar(
            db.select(Account.person_id).where(Account.openid == "demo_" + openid)
        )


def _notify(app, person_id: int, kind: str = "wish_submitted", **data) -> int:
    with app.app_context():
        sample = {"title": "孩子需要一个新书包", "name": "宋红梅", "at": "2026-05-01 08:30"}
        n = notify(person_id, kind, data or sample, "pages/wishes/detail?id=1")
        db.session.commit()
        return n.id


def _items(html: str) -> list[int]:
    m = re.search(r'<table[^>]*id="inbox-table".*?</table>', html, re.S)
    assert m
    return [int(i) for i in re.findall(r'data-item="(\d+)"', m.group(0))]


def test_my_inbox_lists_only_mine_and_marks_read(app, demo):
    me = _person_of(app, "secretary")
    other = _person_of(app, "committee")
    mine = [_notify(app, me) for _ in range(2)]
    theirs = _notify(app, other)
    client = app.test_client()
    csrf = client_sign_in(client, "secretary")
    html = client.get("/console/inbox").get_data(as_text=True)
    listed = _items(html)
    assert set(mine) <= set(listed) and theirs not in listed
    assert "有新的微心愿待审核" in html and "宋红梅提交了微心愿「孩子需要一个新书包」" in html
    assert 'id="todo-table"' in html and "待审核的微心愿" in html
    assert re.search(r"data-inbox-badge>\d+<", html)  # the top bar's badge
    r = client.post(f"/console/inbox/{mine[0]}/read", data={"csrf_token": csrf})
    assert r.status_code in (302, 303)
    r = client.post(f"/console/inbox/{theirs}/read", data={"csrf_token": csrf})
    assert r.status_code == 404
    with app.app_context():
        assert db.session.get(Notification, mine[0]).read_at is not None
        assert db.session.get(Notification, theirs).read_at is None
    unread = _items(client.get("/console/inbox?unread=1").get_data(as_text=True))
    assert mine[0] not in unread and mine[1] in unread
    client.post("/console/inbox/read-all", data={"csrf_token": csrf})
    assert _items(client.get("/console/inbox?unread=1").get_data(as_text=True)) == []
    # No CSRF token, no change.
    assert client.post("/console/inbox/read-all").status_code in (400, 403)


def test_delivery_stats_are_the_committees(app, demo):
    person = _person_of(app, "secretary")
    nid = _notify(app, person)
    with app.app_context():
        db.session.execute(
            db.update(Notification)
            .where(Notification.id == nid)
            .values(status="skipped", last_error="no_consent: none held")
        )
        db.session.commit()
    client = app.test_client()
    client_sign_in(client, "secretary")
    assert client.get("/console/delivery-stats").status_code == 404
    client = app.test_client()
    client_sign_in(client, "committee")
    html = client.get("/console/delivery-stats").get_data(as_text=True)
    row = re.search(r'<tr data-kind="wish_submitted">(.*?)</tr>', html, re.S)
    assert row and "有新的微心愿待审核" in row.group(1)
    cells = re.findall(r"<td>(.*?)</td>", row.group(1))
    assert re.sub(r"<[^>]+>", "", cells[2]) != "0"


def test_inbox_pages_in_the_browser(app, demo, console):
    me = _person_of(app, "committee")
    _notify(app, me)
    _notify(
        app,
        me,
        "objection_answered",
        title="2026年度六大员评选",
        candidate="王建国",
        result="异议不成立",
        reason="经核查，违章记录已于上年度销号",
        at="2026-05-03 10:00",
    )
    console.demo_sign_in("committee")
    console.go("/console/inbox")
    page = console.page
    assert page.locator("[data-inbox-badge]").count() == 1
    assert page.locator("#inbox-table tr.row-unread").count() >= 2
    console.shot("inbox")
    with page.expect_navigation():
        page.click("[data-read-all]")
    assert "标为已读" in console.flash()
    assert page.locator("#inbox-table tr.row-unread").count() == 0
    console.go("/console/delivery-stats")
    assert page.locator("#stats-table tr[data-kind]").count() >= 1
    console.shot("delivery-stats")
    console.no_problems()
