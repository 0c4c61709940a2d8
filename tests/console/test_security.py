"""Issue 13: the console's guards without a browser: CSRF, the Content-Security-Policy, branch
and committee scope (404), demo sign-in only in demo mode, and the code from WeChat."""

from __future__ import annotations

import re

import pytest

from console.auth import CSP
from models import Ballot, Campaign, Pairing, PointsRequest, Wish, db
from tests.console.sign_in import client_sign_in, csrf_of

INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)[^>]*>", re.I)


def _ids(app, demo):
    with app.app_context():
        wish = db.session.scalar(
            db.select(Wish).where(Wish.status == "pending_review").order_by(Wish.id)
        )
        pairing = db.session.scalar(db.select(Pairing).where(Pairing.active.is_(True)))
        campaign = db.session.scalar(db.select(Campaign).where(Campaign.status == "open"))
        ballot = db.session.scalar(db.select(Ballot).where(Ballot.campaign_id == campaign.id))
        waiting = db.session.scalars(
            db.select(PointsRequest)
            .where(PointsRequest.status == "pending")
            .order_by(PointsRequest.id)
        ).all()
        own_request = next(
            r for r in waiting if r.person.branch_id == demo["branches"]["综采一队党支部"]
        )
        other_request = next(
            r
            for r in waiting
            if r.id != own_request.id and r.person.branch_id != own_request.person.branch_id
        )
        return {
            "request": own_request.id,
            "other_request": other_request.id,
            "own": demo["branches"]["综采一队党支部"],
            "other": demo["branches"]["机电队党支部"],
            "wish": wish.id,
            "pairing": pairing.id,
            "campaign": campaign.id,
            "ballot": ballot.id,
            "member": demo["people"]["D0003"],
            "employee": demo["people"]["D0014"] if "D0014" in demo["people"] else None,
        }


def test_posts_without_csrf_token_are_refused(app, demo):
    """Issue 13: every form and state-changing request carries a CSRF token; without one (or
    with a wrong one) nothing happens."""
    ids = _ids(app, demo)
    secretary = app.test_client()
    token = client_sign_in(secretary, "secretary")
    review = f"/console/branches/{ids['own']}/wishes/{ids['wish']}/review"
    for headers, data in (
        ({}, {"decision": "approve"}),
        ({"X-CSRFToken": "forged"}, {"decision": "approve"}),
        ({}, {"decision": "approve", "csrf_token": "forged"}),
    ):
        r = secretary.post(review, data=data, headers=headers)
        assert r.status_code == 400, r.get_data(as_text=True)
        assert "CSRF" in r.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Wish, ids["wish"]).status == "pending_review"
    posts = [
        f"/console/branches/{ids['own']}/pairings",
        f"/console/branches/{ids['own']}/pairings/{ids['pairing']}/end",
        f"/console/branches/{ids['own']}/points",
        f"/console/points/requests/{ids['request']}/decide",
        "/console/logout",
    ]
    for path in posts:
        r = secretary.post(path, data={"member_id": ids["member"]})
        assert r.status_code == 400, path
    committee = app.test_client()
    client_sign_in(committee, "committee")
    for path in (
        "/console/campaigns",
        f"/console/campaigns/{ids['campaign']}/close",
        f"/console/ballots/{ids['ballot']}/void",
        "/console/roster/import",
        "/console/roster/grants",
        f"/console/points/requests/{ids['request']}/decide",
    ):
        r = committee.post(path, data={"reason": "刷票"}, headers={"HX-Request": "true"})
        assert r.status_code == 400, path
        assert r.headers["X-Console-Reason"] == "csrf_failed"
    # Sign-in itself is a form too: no token, no session.
    anonymous = app.test_client()
    anonymous.get("/console/login")
    r = anonymous.post("/console/login/demo", data={"openid": "committee"})
    assert r.status_code == 400
    assert "frontline_console=" not in " ".join(r.headers.getlist("Set-Cookie"))
    with app.app_context():
        assert db.session.get(Campaign, ids["campaign"]).status == "open"
        assert db.session.get(Ballot, ids["ballot"]).voided_at is None
        assert db.session.get(Pairing, ids["pairing"]).active is True
        assert db.session.get(PointsRequest, ids["request"]).status == "pending"
    # With the token the same request goes through: the refusal was the CSRF check.
    r = secretary.post(review, data={"decision": "approve", "csrf_token": token})
    assert r.status_code == 302
    with app.app_context():
        assert db.session.get(Wish, ids["wish"]).status == "open"


def test_json_api_stays_exempt_from_csrf(app, demo):
    """The JSON API uses bearer tokens: no CSRF token is asked of the mini-program."""
    from tests.console.sign_in import bearer

    r = app.test_client().post(
        "/api/v1/wishes",
        json={"title": "想借一本书", "content": "想借一本安全规程", "category": "study"},
        headers=bearer(app, "miner"),
    )
    assert r.status_code == 201, r.get_json()


def _pages(ids) -> list[str]:
    b = ids["own"]
    return [
        "/console/login",
        f"/console/branches/{b}/",
        f"/console/branches/{b}/wishes",
        f"/console/branches/{b}/wishes/{ids['wish']}",
        f"/console/branches/{b}/pairings",
        f"/console/branches/{b}/talks",
        f"/console/branches/{b}/points",
        f"/console/branches/{b}/points?rs=pending",
        f"/console/points/requests/{ids['request']}",
        "/console/mine",
        "/console/campaigns",
        f"/console/campaigns/{ids['campaign']}",
        "/console/roster",
        "/console/audit",
        "/console/audit?section=points&rs=approved&flag=1&q=%25",
        "/console/audit?section=talks",
        "/console/audit?section=binds",
        "/console/audit?section=signins",
    ]


def test_every_page_sends_a_content_security_policy(app, demo):
    """Issue 13: a CSP on every console page, and no inline script in any of them."""
    ids = _ids(app, demo)
    client = app.test_client()
    client_sign_in(client, "committee")
    assert "'unsafe-inline'" not in CSP and "'unsafe-eval'" not in CSP
    for path in _pages(ids):
        r = client.get(path, follow_redirects=True)
        assert r.status_code == 200, path
        assert r.headers["Content-Security-Policy"] == CSP, path
        assert "script-src 'self'" in CSP
        html = r.get_data(as_text=True)
        assert not INLINE_SCRIPT.search(html), (path, INLINE_SCRIPT.search(html))
        assert not re.search(r"<[^>]+\son\w+=", html), path  # no inline event handlers
    static = client.get("/console/static/console.js")
    assert static.status_code == 200 and "Content-Security-Policy" in static.headers


def test_secretary_cannot_reach_another_branch(app, demo):
    """Issue 13: a secretary asking for another branch's pages gets 404, reads and writes."""
    ids = _ids(app, demo)
    client = app.test_client()
    token = client_sign_in(client, "secretary")
    other = ids["other"]
    gets = [
        f"/console/branches/{other}/",
        f"/console/branches/{other}/wishes",
        f"/console/branches/{other}/wishes/{ids['wish']}",
        f"/console/branches/{other}/pairings",
        f"/console/branches/{other}/talks",
        f"/console/branches/{other}/talks/export.xlsx",
        f"/console/branches/{other}/points",
        f"/console/branches/{other}/points/export.xlsx",
        f"/console/branches/{other}/people/{ids['member']}/care",
        f"/console/points/requests/{ids['other_request']}",
        f"/console/branches/{2**31 + 5}/",
    ]
    for path in gets:
        r = client.get(path)
        assert r.status_code == 404, path
        assert "页面不存在或无权查看" in r.get_data(as_text=True)
    posts = [
        f"/console/branches/{other}/wishes/{ids['wish']}/review",
        f"/console/branches/{other}/pairings",
        f"/console/branches/{other}/points",
    ]
    for path in posts:
        r = client.post(path, data={"csrf_token": token, "decision": "approve"})
        assert r.status_code == 404, path
    # Committee pages are not a secretary's either.
    for path in ("/console/mine", "/console/campaigns", "/console/roster", "/console/audit"):
        assert client.get(path).status_code == 404, path
    assert client.get(f"/console/campaigns/{ids['campaign']}").status_code == 404
    # The own branch works.
    assert client.get(f"/console/branches/{ids['own']}/wishes").status_code == 200
    with app.app_context():
        assert db.session.get(Wish, ids["wish"]).status == "pending_review"


def test_committee_of_another_mine_sees_nothing_here(app, demo, world):
    """A committee member of another mine gets 404 for this mine's branches and campaigns."""
    ids = _ids(app, demo)
    stranger = world.committee(world.mine("别的矿"))
    world.account(stranger, openid="demo_stranger")
    client = app.test_client()
    client_sign_in(client, "stranger")
    assert client.get(f"/console/branches/{ids['own']}/").status_code == 404
    assert client.get(f"/console/campaigns/{ids['campaign']}").status_code == 404
    assert client.get("/console/mine").status_code == 200


def test_demo_sign_in_only_in_demo_mode(wechat_app, fake_wechat, demo):
    """Issue 13: with WeChat configured there is no demo list and no demo sign-in; the code is
    WeChat's getwxacodeunlimit with the ticket as its scene."""
    client = wechat_app.test_client()
    page = client.get("/console/login")
    html = page.get_data(as_text=True)
    assert "演示模式" not in html and "data-demo-login" not in html
    ticket = re.search(r'data-ticket="([^"]+)"', html).group(1)
    code = client.get("/console/login/code")
    # WeChat sends the code as JPEG; it is served with the type its bytes show.
    assert code.status_code == 200 and code.content_type == "image/jpeg"
    assert code.data.startswith(b"\xff\xd8")
    calls = [body for path, _q, body in fake_wechat.calls if path == "/wxa/getwxacodeunlimit"]
    assert calls and calls[-1]["scene"] == ticket
    assert calls[-1]["page"] == "pages/console/confirm"
    r = client.post(
        "/console/login/demo", data={"csrf_token": csrf_of(html), "openid": "committee"}
    )
    assert r.status_code == 403
    assert "frontline_console=" not in " ".join(r.headers.getlist("Set-Cookie"))


@pytest.mark.parametrize("path", ["/console/", "/console/mine", "/console/branches/1/wishes"])
def test_pages_need_a_session(app, path):
    """Without a console session every page sends the browser to the sign-in page."""
    r = app.test_client().get(path)
    assert r.status_code == 302 and r.headers["Location"].endswith("/console/login")
    hx = app.test_client().get(path, headers={"HX-Request": "true"})
    assert hx.status_code == 401 and hx.headers["HX-Redirect"].endswith("/console/login")


def test_a_phone_token_is_no_console_cookie(app, demo):
    """A bearer token from the mini-program put in the cookie does not open the console."""
    from tests.console.sign_in import bearer

    token = bearer(app, "committee")["Authorization"].split()[1]
    client = app.test_client()
    client.set_cookie("frontline_console", token, path="/console")
    r = client.get("/console/mine")
    assert r.status_code == 302


def test_new_login_codes_are_rate_limited_per_ip(app):
    """Issue 13 phase 2a #9: anonymous ticket creation had no rate limit — every visit of the
    login page (or 刷新二维码) wrote a ticket row. Now new codes are limited per IP
    (CONSOLE_TICKET_LIMITS, 10 a minute by default); a reload showing the same good code is not
    counted, and the refusal is a Chinese 429 with Retry-After."""
    from models import ConsoleLoginTicket

    client = app.test_client()
    for _ in range(10):
        assert client.get("/console/login?new=1").status_code == 200
    refused = client.get("/console/login?new=1")
    assert refused.status_code == 429
    assert "操作过于频繁" in refused.get_data(as_text=True)
    assert int(refused.headers["Retry-After"]) > 0
    # The browser's good code is still shown on a reload (no new ticket, not counted).
    assert client.get("/console/login").status_code == 200
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(ConsoleLoginTicket)) == 10
    # Another address has its own allowance.
    other = app.test_client().get("/console/login", environ_base={"REMOTE_ADDR": "10.1.2.3"})
    assert other.status_code == 200
