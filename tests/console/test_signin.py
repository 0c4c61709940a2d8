"""Issue 13: sign-in by scanning, who may sign in, and what ends a console session."""

from __future__ import annotations

import re
from datetime import timedelta

from accounts import console_tickets as tickets
from accounts import grants
from accounts.console_tickets import TicketExpired, TicketUsed
from accounts.principal import principal_for
from models import (
    Account,
    AuthSession,
    ConsoleLoginTicket,
    ConsoleSignIn,
    Person,
    db,
    utcnow,
)
from tests.console.sign_in import bearer, code_of, csrf_of, ticket_of
from tests.support.concurrency import fire_at_once


def test_scan_sign_in_confirmed_through_the_api(app, demo, console):
    """Issue 13: the login page shows a code; the mini-program confirms its ticket over the
    API; the polling page is signed in, once, and the sign-in is audited."""
    console.go("/console/login")
    ticket = ticket_of(console.page)
    console.page.wait_for_selector(".login-code img")
    console.shot("login")
    client = app.test_client()
    r = client.post(
        f"/api/v1/console-logins/{ticket}/confirm",
        headers=bearer(app, "secretary"),
        json=code_of(app, ticket),
    )
    assert r.status_code == 200, r.get_json()
    assert r.get_json()["confirmed"] is True
    assert r.get_json()["browser_ip"] == "127.0.0.1"
    assert "Chrome" in r.get_json()["browser_user_agent"]
    console.page.wait_for_url(re.compile(r"/console/branches/\d+/$"))
    assert "D0002" in console.page.inner_text(".user-name")
    console.no_problems()
    # Works once: a second scan of the same code is refused.
    again = client.post(
        f"/api/v1/console-logins/{ticket}/confirm",
        headers=bearer(app, "committee"),
        json=code_of(app, ticket),
    )
    assert again.status_code == 409
    assert again.get_json()["reason"] == "console_ticket_used"
    with app.app_context():
        signed = db.session.scalars(db.select(ConsoleSignIn)).all()
        assert [(s.method, s.ticket_id) for s in signed] == [("scan", ticket)]
        assert signed[0].person_id == demo["people"]["D0002"]
        assert signed[0].ip == "127.0.0.1" and "Chrome" in (signed[0].user_agent or "")
        assert db.session.get(ConsoleLoginTicket, ticket).status == "used"


def test_member_and_employee_cannot_sign_in(app, demo, console):
    """Issue 13: a member or employee cannot sign in, by scan or by the demo list."""
    console.go("/console/login")
    ticket = ticket_of(console.page)
    client = app.test_client()
    for who in ("member", "miner"):
        r = client.post(
            f"/api/v1/console-logins/{ticket}/confirm",
            headers=bearer(app, who),
            json=code_of(app, ticket),
        )
        assert r.status_code == 403
        assert r.get_json()["reason"] == "console_not_allowed"
        assert r.get_json()["message"] == "只有支部书记和党委工作人员可以登录控制台"
    with app.app_context():
        assert db.session.get(ConsoleLoginTicket, ticket).status == "waiting"
    # The demo list offers them (to show the refusal), and the console refuses.
    console.page.click("[data-demo-login='member']")
    console.page.wait_for_selector(".error-message")
    assert "只有支部书记和党委工作人员可以登录控制台" in console.page.inner_text(".error-message")
    response = console.go("/console/")
    assert console.page.url.endswith("/console/login")
    assert response.status == 200
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(ConsoleSignIn)) == 0
    console.no_problems()


def test_ticket_expires_after_five_minutes(app, demo):
    """Issue 13: tickets expire in 5 minutes."""
    client = app.test_client()
    client.get("/console/login")
    with app.app_context():
        ticket = db.session.scalars(db.select(ConsoleLoginTicket)).one()
        assert ticket.expires_at - ticket.created_at == timedelta(minutes=5)
        ticket.expires_at = utcnow() - timedelta(seconds=1)
        ticket_id = ticket.id
        db.session.commit()
    r = client.post(
        f"/api/v1/console-logins/{ticket_id}/confirm",
        headers=bearer(app, "committee"),
        json=code_of(app, ticket_id),
    )
    assert r.status_code == 409 and r.get_json()["reason"] == "console_ticket_expired"
    poll = client.get("/console/login/poll", headers={"HX-Request": "true"})
    assert poll.status_code == 286  # htmx stops polling
    assert "已过期" in poll.get_data(as_text=True)
    missing = client.post(
        "/api/v1/console-logins/nope/confirm",
        headers=bearer(app, "committee"),
        json={"code": "0000"},
    )
    assert missing.status_code == 404


def test_ticket_is_confirmed_and_picked_up_once(app, demo):
    """Issue 13: a ticket works once, however many phones confirm it and however many polls
    race to pick the session up."""
    with app.app_context():
        ticket_id = tickets.new_ticket("127.0.0.1").id
        db.session.commit()
    heads = [bearer(app, "committee") for _ in range(8)]
    body = code_of(app, ticket_id)

    def confirm(i: int) -> int:
        return (
            app.test_client()
            .post(f"/api/v1/console-logins/{ticket_id}/confirm", headers=heads[i], json=body)
            .status_code
        )

    codes = fire_at_once(8, confirm)
    assert sorted(codes) == [200] + [409] * 7

    def redeem(_i: int):
        with app.app_context():
            try:
                found = tickets.redeem(ticket_id, "127.0.0.1", "race")
                db.session.commit()
                return "token" if found else "waiting"
            except TicketUsed:
                db.session.rollback()
                return "used"

    results = fire_at_once(8, redeem)
    assert sorted(results) == ["token"] + ["used"] * 7
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(ConsoleSignIn)) == 1


def test_confirm_after_expiry_is_refused_by_the_service(app, demo):
    """Issue 13: a confirmation arriving after the 5 minutes does not sign anyone in."""
    with app.app_context():
        ticket = tickets.new_ticket(None)
        account = db.session.scalar(db.select(Account).where(Account.openid == "demo_committee"))
        p = principal_for(account)
        try:
            tickets.confirm(
                p, ticket.id, ticket.code, now=utcnow() + timedelta(minutes=5, seconds=1)
            )
        except TicketExpired:
            pass
        else:
            raise AssertionError("an expired ticket was confirmed")
        db.session.rollback()


def test_logout_unbind_and_removed_grant_end_the_session(app, demo, console):
    """Issue 13: the console session ends by logout, by unbinding, and when the grant goes."""
    client = app.test_client()
    committee = bearer(app, "committee")
    # Logout revokes the session row behind the cookie.
    console.demo_sign_in("secretary")
    console.page.click("text=退出登录")
    console.page.wait_for_url(re.compile(r"/console/login$"))
    with app.app_context():
        rows = db.session.scalars(db.select(AuthSession).join(ConsoleSignIn)).all()
        assert len(rows) == 1 and rows[0].revoked_at is not None
    # Unbinding the account (the API's admin act) ends its console session too.
    console.demo_sign_in("secretary")
    assert "/console/branches/" in console.page.url
    r = client.post(f"/api/v1/admin/people/{demo['people']['D0002']}/unbind", headers=committee)
    assert r.status_code == 200 and r.get_json() == {"unbound": True}
    console.go("/console/")
    assert console.page.url.endswith("/console/login")
    assert "登录已失效" in console.page.inner_text(".alert")
    # A removed grant: roles are read on every request, so the next page is the login page.
    console.demo_sign_in("committee")
    assert console.page.url.endswith("/console/mine")
    with app.app_context():
        # a mine keeps a committee member (issue 19): another one first
        grants.grant(db.session.get(Person, demo["people"]["D0002"]), "committee")
        grants.revoke(db.session.get(Person, demo["people"]["D0001"]), "committee")
        db.session.commit()
    console.go("/console/mine")
    assert console.page.url.endswith("/console/login")
    assert "没有控制台权限" in console.page.inner_text(".alert")
    console.no_problems()


def test_session_cookie_flags(app, demo):
    """Issue 13: the console cookie is HttpOnly and SameSite=Lax, scoped to /console."""
    client = app.test_client()
    token = csrf_of(client.get("/console/login").get_data(as_text=True))
    r = client.post("/console/login/demo", data={"csrf_token": token, "openid": "committee"})
    cookie = next(c for c in r.headers.getlist("Set-Cookie") if c.startswith("frontline_console="))
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Path=/console" in cookie
    assert "Secure" not in cookie  # development over plain http


def test_session_cookie_is_secure_in_production(tmp_path):
    """Issue 13: Secure in production (the console cookie and the CSRF state cookie); the
    console's settings come from config/ like every other (CONSOLE_COOKIE_SECURE overrides)."""
    from flask import Flask

    import console
    from config import load_settings

    env = {
        "APP_ENV": "production",
        "SECRET_KEY": "x" * 32,
        "DATABASE_URL": "postgresql+psycopg://db.internal/frontline",
        "REDIS_URL": "redis://cache.internal:6379/0",
        "WECHAT_APPID": "wx123",
        "WECHAT_SECRET": "s" * 32,
        "WECHAT_PUSH_TOKEN": "pushtoken",
        "WECHAT_PUSH_AES_KEY": "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG",
        "PUBLIC_BASE_URL": "https://frontline.example.com",
    }
    app = Flask(__name__)
    app.config.update(load_settings(str(tmp_path), env=env))
    console.init_app(app)
    assert app.config["CONSOLE_COOKIE_SECURE"] is True
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax"
    assert app.config["CONSOLE_SESSION_TTL_SECONDS"] == 12 * 3600
    assert app.config["CONSOLE_TICKET_TTL_SECONDS"] == 300
    assert app.config["CONSOLE_LOGIN_PAGE"] == "pages/console/confirm"
    plain_http_intranet = load_settings(
        str(tmp_path),
        env=env | {"CONSOLE_COOKIE_SECURE": "0", "CONSOLE_SESSION_TTL_SECONDS": "3600"},
    )
    assert plain_http_intranet["CONSOLE_COOKIE_SECURE"] is False
    assert plain_http_intranet["CONSOLE_SESSION_TTL_SECONDS"] == 3600
    assert load_settings(str(tmp_path), env={})["CONSOLE_COOKIE_SECURE"] is False


def test_old_tickets_are_purged(app):
    """Every login page makes a ticket: the daily job drops those expired over a day ago."""
    from console.jobs import purge_tickets_job

    with app.app_context():
        old = tickets.new_ticket(None, now=utcnow() - timedelta(days=2))
        fresh = tickets.new_ticket(None)
        old_id, fresh_id = old.id, fresh.id
        db.session.commit()
        assert purge_tickets_job() == 1
        assert db.session.get(ConsoleLoginTicket, old_id) is None
        assert db.session.get(ConsoleLoginTicket, fresh_id) is not None


def test_a_reload_shows_the_same_code_and_refresh_a_new_one(app):
    """A reload of the login page does not pile up tickets; 刷新二维码 makes a new one."""
    client = app.test_client()

    def shown(path: str) -> str:
        return re.search(r'data-ticket="([^"]+)"', client.get(path).get_data(as_text=True))[1]

    first = shown("/console/login")
    assert shown("/console/login") == first
    fresh = shown("/console/login?new=1")
    assert fresh != first
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(ConsoleLoginTicket)) == 2


def _imports(path) -> set[str]:
    import ast

    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found.update(f"{node.module}.{a.name}" for a in node.names)
    return found


def test_login_tickets_live_in_accounts_and_jobs_import_no_app():
    """Issue 13: the tickets are accounts.console_tickets (console/tickets.py is gone), the API
    and the console both use it; nothing under jobs/ imports app or miniapp_api."""
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    assert not (root / "console" / "tickets.py").exists()
    assert "accounts.console_tickets" in _imports(root / "miniapp_api" / "console_logins.py")
    for path in (root / "accounts").glob("*.py"):
        assert not {m for m in _imports(path) if m.split(".")[0] == "console"}, path
    for path in (root / "jobs").rglob("*.py"):
        bad = {m for m in _imports(path) if m.split(".")[0] in ("app", "miniapp_api", "console")}
        assert not bad, (path, bad)
