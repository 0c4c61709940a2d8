"""Signing in to the console without a browser, and the tokens the mini-program would hold."""

from __future__ import annotations

import re
from typing import Any

from models import Account, db


def csrf_of(html: str) -> str:
    return re.search(r'"X-CSRFToken": "([^"]+)"', html).group(1)


def client_sign_in(client, openid: str) -> str:
    """Demo sign-in with a test client; returns the page's CSRF token."""
    token = csrf_of(client.get("/console/login").get_data(as_text=True))
    r = client.post("/console/login/demo", data={"csrf_token": token, "openid": openid})
    assert r.status_code == 303, r.get_data(as_text=True)
    return csrf_of(client.get("/console/login", follow_redirects=True).get_data(as_text=True))


def bearer(app, openid: str) -> dict[str, str]:
    """Authorization headers of a demo account, as the mini-program would hold them."""
    from accounts.tokens import issue_token

    with app.app_context():
        account = db.session.scalar(db.select(Account).where(Account.openid == "demo_" + openid))
        token, _ = issue_token(account, "127.0.0.1", "mini-program")
        db.session.commit()
    return {"Authorization": f"Bearer {token}"}


def code_of(app, ticket: str) -> dict[str, str]:
    """The body of a confirm: the short code the browser (and the phone) shows."""
    from models import ConsoleLoginTicket

    with app.app_context():
        return {"code": db.session.get(ConsoleLoginTicket, ticket).code}


def ticket_of(page: Any) -> str:
    """The ticket the login page shows (the scene of its code)."""
    ticket = page.get_attribute("#login-state", "data-ticket")
    assert ticket and re.fullmatch(r"[A-Za-z0-9_-]{16,32}", ticket)
    return ticket
