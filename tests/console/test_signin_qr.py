"""issue 19 items 11 and 12: signing in rotates the CSRF secret; the phone is shown which
browser asks (its IP, user agent and a short code the browser shows too) and confirms that
code (QRLJacking: a code that is not the one on the screen is refused)."""

from __future__ import annotations

import re

from models import ConsoleLoginTicket, ConsoleSignIn, db
from tests.console.sign_in import bearer, csrf_of

UA = "Mozilla/5.0 (Windows NT 10.0) Chrome/120 secretary-office-pc"


def test_demo_sign_in_rotates_the_csrf_secret(app, demo):
    client = app.test_client()
    before = csrf_of(client.get("/console/login").get_data(as_text=True))
    r = client.post("/console/login/demo", data={"csrf_token": before, "openid": "committee"})
    assert r.status_code == 303
    # the sign-in page's token no longer works in the session
    r = client.post("/console/logout", data={"csrf_token": before})
    assert r.status_code == 400, r.status_code
    after = csrf_of(client.get("/console/mine").get_data(as_text=True))
    assert after != before
    r = client.post("/console/logout", data={"csrf_token": after})
    assert r.status_code in (302, 303)


def test_scan_sign_in_rotates_the_csrf_secret(app, demo):
    browser = app.test_client()
    page = browser.get("/console/login", headers={"User-Agent": UA}).get_data(as_text=True)
    before = csrf_of(page)
    ticket = re.search(r'data-ticket="([^"]+)"', page).group(1)
    phone = app.test_client()
    shown = phone.get(f"/api/v1/console-logins/{ticket}", headers=bearer(app, "committee")).json
    r = phone.post(
        f"/api/v1/console-logins/{ticket}/confirm",
        headers=bearer(app, "committee"),
        json={"code": shown["code"]},
    )
    assert r.status_code == 200, r.json
    r = browser.get("/console/login/poll", headers={"HX-Request": "true"})
    assert r.headers.get("HX-Redirect"), r.get_data(as_text=True)
    r = browser.post("/console/logout", data={"csrf_token": before})
    assert r.status_code == 400


def test_the_phone_sees_which_browser_asks_and_confirms_its_code(app, demo):
    browser = app.test_client()
    page = browser.get("/console/login", headers={"User-Agent": UA}).get_data(as_text=True)
    ticket = re.search(r'data-ticket="([^"]+)"', page).group(1)
    code = re.search(r'id="login-code-digits">(\d{4})<', page).group(1)
    phone = app.test_client()
    headers = bearer(app, "secretary")
    r = phone.get(f"/api/v1/console-logins/{ticket}", headers=headers)
    assert r.status_code == 200, r.json
    assert r.json["code"] == code
    assert r.json["browser_ip"] == "127.0.0.1" and r.json["browser_user_agent"] == UA
    # a member cannot look
    r = phone.get(f"/api/v1/console-logins/{ticket}", headers=bearer(app, "member"))
    assert r.status_code == 403 and r.json["reason"] == "console_not_allowed"
    # no code, a malformed code, another code: refused, the ticket still waits
    url = f"/api/v1/console-logins/{ticket}/confirm"
    assert phone.post(url, headers=headers).status_code == 422
    assert phone.post(url, headers=headers, json={"code": "12a4"}).status_code == 422
    wrong = f"{(int(code) + 1) % 10000:04d}"
    r = phone.post(url, headers=headers, json={"code": wrong})
    assert r.status_code == 409 and r.json["reason"] == "console_code_mismatch"
    with app.app_context():
        assert db.session.get(ConsoleLoginTicket, ticket).status == "waiting"
        assert db.session.scalar(db.select(db.func.count()).select_from(ConsoleSignIn)) == 0
    r = phone.post(url, headers=headers, json={"code": code})
    assert r.status_code == 200 and r.json["browser_user_agent"] == UA
    # after use the phone is told so
    r = phone.get(f"/api/v1/console-logins/{ticket}", headers=headers)
    assert r.status_code == 409 and r.json["reason"] == "console_ticket_used"


def test_each_ticket_has_its_own_code(app, demo):
    from accounts import console_tickets as tickets

    with app.app_context():
        codes = {tickets.new_ticket("10.0.0.1").code for _ in range(12)}
        db.session.rollback()
    assert len(codes) > 1 and all(re.fullmatch(r"\d{4}", c) for c in codes)
