"""Signing in: the scan code and its polling, and (demo mode only) the demo users."""

from __future__ import annotations

import secrets

from flask import (
    Response,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)

from accounts import console_tickets as tickets
from accounts import queries as account_queries
from accounts.console_tickets import TicketNotFound
from accounts.principal import principal_for
from console.auth import _resolve, client_ip, set_session_cookie
from console.blueprint import bp
from console.errors import DemoSignInDisabled
from console.login_code import login_code_image
from domain_errors import DomainError
from models import db
from web import unit_of_work
from web.rate_limits import limiter

TICKET_KEY = "console_ticket"
BROWSER_KEY = "console_browser"
DEMO_PREFIX = "demo_"
# htmx stops polling when an answer has this status.
STOP_POLLING = 286


def demo_users() -> list[dict]:
    """The bound demo accounts (`demo:<name>` logins), with whether they may use the console."""
    accounts = account_queries.accounts_by_openid_prefix(DEMO_PREFIX)
    out = []
    for account in accounts:
        p = principal_for(account)
        out.append(
            {
                "openid": account.openid[len(DEMO_PREFIX) :],
                "person": p.person,
                "roles": p.roles,
                "allowed": tickets.may_sign_in(p),
            }
        )
    return out


def _ticket_limits() -> str:
    return current_app.config["CONSOLE_TICKET_LIMITS"]


def _makes_no_ticket() -> bool:
    """A signed-in browser, or a reload that shows this browser's good code again: no new
    ticket, so not counted against the per-IP limit on new login codes."""
    if _resolve() is not None:
        return True
    ticket_id = session.get(TICKET_KEY)
    return (
        isinstance(ticket_id, str)
        and "new" not in request.args
        and tickets.waiting_ticket(ticket_id) is not None
    )


def _browser_key() -> str:
    """This browser, by an id in its signed session cookie (set on its first visit). A client
    that drops its cookies is a new browser each time: the per-IP backstop still counts it."""
    browser = session.get(BROWSER_KEY)
    if not isinstance(browser, str):
        browser = session[BROWSER_KEY] = secrets.token_urlsafe(12)
    return f"console-ticket:{browser}"


def _ticket_ip_limits() -> str:
    return current_app.config["CONSOLE_TICKET_IP_LIMITS"]


@bp.get("/login")
@limiter.limit(
    _ticket_limits, key_func=_browser_key, exempt_when=_makes_no_ticket, scope="console-ticket"
)
@limiter.limit(
    _ticket_ip_limits,
    key_func=lambda: f"console-ticket-ip:{client_ip()}",
    exempt_when=_makes_no_ticket,
    scope="console-ticket-ip",
)
def login():
    """The sign-in page: a fresh one-time code (5 minutes), polled until it is confirmed."""
    if _resolve() is not None:
        return redirect(url_for("console.index"))
    # A reload shows this browser's code again while it is still good; 刷新二维码 asks anew.
    ticket = None
    if TICKET_KEY in session and "new" not in request.args:
        ticket = tickets.waiting_ticket(str(session[TICKET_KEY]))
    if ticket is None:
        ticket = tickets.new_ticket(client_ip(), user_agent=request.headers.get("User-Agent"))
        unit_of_work.flush()
        session[TICKET_KEY] = ticket.id
    demo = current_app.config["DEMO_LOGIN"]
    return render_template(
        "login.html",
        ticket=ticket,
        ttl_minutes=current_app.config["CONSOLE_TICKET_TTL_SECONDS"] // 60,
        demo=demo,
        demo_users=demo_users() if demo else [],
    )


def _rotate_csrf() -> None:
    """Signing in rotates the CSRF secret: a token from the sign-in page (which anyone could
    have read or planted before the session existed) does not work in the session."""
    session.pop("csrf_token", None)
    g.pop("csrf_token", None)


def _my_ticket() -> str:
    ticket_id = session.get(TICKET_KEY)
    if not isinstance(ticket_id, str):
        raise TicketNotFound()
    return ticket_id


@bp.get("/login/code")
def login_code():
    """The code image for this browser's ticket."""
    data, content_type = login_code_image(_my_ticket())
    return Response(data, mimetype=content_type, headers={"Cache-Control": "no-store"})


@bp.get("/login/poll")
def login_poll():
    """Polled by the sign-in page: signs this browser in once its ticket is confirmed."""
    try:
        ticket_id = _my_ticket()
        found = tickets.redeem(ticket_id, client_ip(), request.headers.get("User-Agent"))
    except DomainError as exc:
        db.session.rollback()
        return Response(
            render_template("login_state.html", state="failed", message=exc.message),
            status=STOP_POLLING,
        )
    if found is None:
        return render_template("login_state.html", state="waiting", message=None)
    token, _account = found
    session.pop(TICKET_KEY, None)
    _rotate_csrf()
    flash("扫码登录成功", "success")
    response = Response("", status=200)
    response.headers["HX-Redirect"] = url_for("console.index")
    return set_session_cookie(response, token)


@bp.post("/login/demo")
def login_demo():
    """Demo mode only: sign in as one of the demo users without a phone."""
    if not current_app.config["DEMO_LOGIN"]:
        raise DemoSignInDisabled()
    openid = (request.form.get("openid") or "").strip()
    account = account_queries.account_by_openid(DEMO_PREFIX + openid[:60])
    # A member or employee is refused here exactly as at the scan (ConsoleNotAllowed, 403).
    token = tickets.start_session(account, "demo", client_ip(), request.headers.get("User-Agent"))
    session.pop(TICKET_KEY, None)
    _rotate_csrf()
    flash("已以演示账号登录", "success")
    return set_session_cookie(redirect(url_for("console.index"), 303), token)
