"""The console session: the cookie, who is calling, the guard on every page, CSRF, the
Content-Security-Policy, and how refusals are shown."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

from flask import (
    Response,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    url_for,
)

from accounts.console_tickets import may_sign_in
from accounts.errors import TokenExpired, TokenInvalid, TokenRevoked
from accounts.principal import Principal
from accounts.principal_cache import authenticate
from accounts.tokens import load_session, revoke_session
from console import csrf
from console.blueprint import bp
from console.tables import refuse_bad_strings
from domain_errors import DomainError, NotFound
from models import AuthSession, Branch, db
from people import MAX_ID
from web import unit_of_work
from web.errors import Failure
from web.rate_limits import client_ip  # noqa: F401 - the views take it from here

COOKIE = "frontline_console"
# Pages anyone may open: the sign-in page and its parts, and the static files.
PUBLIC = {
    "console.static",
    "console.login",
    "console.login_code",
    "console.login_poll",
    "console.login_demo",
    "console.login_refresh",
}
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
    "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'"
)


def set_session_cookie(response: Response, token: str) -> Response:
    """HttpOnly, SameSite=Lax, Secure in production; lives as long as the session row."""
    response.set_cookie(
        COOKIE,
        token,
        max_age=current_app.config["CONSOLE_SESSION_TTL_SECONDS"],
        path="/console",
        httponly=True,
        samesite="Lax",
        secure=current_app.config["CONSOLE_COOKIE_SECURE"],
    )
    return response


def clear_session_cookie(response: Response) -> Response:
    response.delete_cookie(
        COOKIE,
        path="/console",
        httponly=True,
        samesite="Lax",
        secure=current_app.config["CONSOLE_COOKIE_SECURE"],
    )
    return response


def _resolve() -> tuple[str, AuthSession | None, Principal] | None:
    """(session id, session row if loaded, principal) of the console cookie, or None when
    there is no live one. Through the principal cache, as the API's bearer tokens."""
    token = request.cookies.get(COOKIE)
    if not token or len(token) > 512:
        return None
    try:
        found = authenticate(token, console=True)
    except (TokenInvalid, TokenExpired, TokenRevoked):
        return None
    # Only sessions opened by a console sign-in: a phone's bearer token is no console cookie.
    if not found.console:
        return None
    return found.sid, found.session, found.principal


def console_session() -> AuthSession:
    """The session row of this console request (read when a view needs it: sign-out, files)."""
    if g.get("console_session") is None:
        g.console_session = load_session(g.console_sid)
    return g.console_session


def principal() -> Principal:
    """The signed-in caller of this console request (the guard has checked it)."""
    return g.console_principal


def is_htmx() -> bool:
    return request.headers.get("HX-Request") == "true"


def to_login(message: str | None = None) -> Response:
    """Send the browser to the sign-in page (htmx requests follow HX-Redirect)."""
    if message:
        flash(message, "error")
    target = url_for("console.login")
    if is_htmx():
        response = Response(status=401)
        response.headers["HX-Redirect"] = target
    else:
        response = redirect(target)
    return clear_session_cookie(response)


@bp.before_request
def guard() -> Response | None:
    """CSRF on every state-changing request; a live console session with a console role."""
    if request.method not in ("GET", "HEAD", "OPTIONS"):
        csrf.protect()
    if not request.path.startswith("/console/static/"):
        refuse_bad_strings()
    if request.endpoint in PUBLIC:
        return None
    found = _resolve()
    if found is None:
        # No cookie at all is a first visit (or a signed-out one): the sign-in page is the
        # answer, not an error. A cookie that no longer signs anyone in says why.
        return to_login(None if request.cookies.get(COOKIE) is None else "登录已失效，请重新登录")
    sid, session, p = found
    g.console_sid = sid
    g.console_session = session
    if not may_sign_in(p):
        # A grant removed or the person unbound: the session ends with the role.
        unit_of_work.committed(revoke_session, console_session())
        return to_login("您已没有控制台权限，请联系党委")
    g.console_principal = p
    return None


@bp.after_app_request
def security_headers(response: Response) -> Response:
    """A Content-Security-Policy (no inline scripts or styles) on every console answer."""
    if request.path.startswith("/console"):
        response.headers["Content-Security-Policy"] = CSP
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "same-origin"
        if not request.path.startswith("/console/static/"):
            response.headers["Cache-Control"] = "no-store"
    return response


# --- scope: what a page may show ---------------------------------------------------------------


def branch_or_404(branch_id: int) -> Branch:
    """A branch the caller manages (secretary of it, committee of its mine); 404 otherwise."""
    branch = db.session.get(Branch, branch_id) if 0 < branch_id <= MAX_ID else None
    if branch is None or not principal().manages_branch(branch.id, branch.mine_id):
        raise NotFound("页面不存在或无权查看")
    return branch


def committee_or_404() -> int:
    """The caller's mine if they are committee staff; 404 (not a hint) otherwise."""
    p = principal()
    if not p.committee_of:
        raise NotFound("页面不存在或无权查看")
    return p.person.mine_id


def managed_branches() -> list[Branch]:
    """The branches the caller's menu offers: their own, or every branch of the mine."""
    p = principal()
    stmt = db.select(Branch)
    if p.committee_of:
        stmt = stmt.where(Branch.mine_id.in_(p.committee_of))
    else:
        stmt = stmt.where(Branch.id.in_(p.secretary_of or [0]))
    return list(db.session.scalars(stmt.order_by(Branch.name)))


# --- answers ------------------------------------------------------------------------------------


def message_of(error: DomainError) -> str:
    """The API's Chinese message, with the field errors a form needs to show."""
    parts = [error.message]
    errors = error.errors or {}
    details: list[str] = []
    for key, value in errors.items():
        if key == "rows" and isinstance(value, list):
            for row in value[:20]:
                for field, msgs in (row.get("errors") or {}).items():
                    details.append(f"第 {row.get('row')} 行 {field}：{'；'.join(map(str, msgs))}")
            if len(value) > 20:
                details.append(f"……共 {len(value)} 行有错误")
        elif isinstance(value, list):
            details.append("；".join(str(v) for v in value))
        elif isinstance(value, dict):
            details.extend("；".join(map(str, v)) for v in value.values() if isinstance(v, list))
    if details and not (len(details) == 1 and details[0] == error.message):
        parts.append("：" + "；".join(details) if len(details) == 1 else "\n" + "\n".join(details))
    return "".join(parts)


def done(message: str, to: str | None = None) -> Response:
    """An action went through: flash its message, then reload the page (or go to `to`)."""
    flash(message, "success")
    if is_htmx():
        response = Response("", status=200)
        if to:
            response.headers["HX-Redirect"] = to
        else:
            response.headers["HX-Refresh"] = "true"
        return response
    return redirect(to or request.referrer or url_for("console.index"))


def trigger(response: Response, event: str, detail: dict[str, Any]) -> Response:
    """Fire a client-side event with htmx (ASCII JSON: headers carry no raw Chinese)."""
    response.headers["HX-Trigger"] = json.dumps({event: detail}, ensure_ascii=True)
    return response


def _error_response(status: int, message: str, reason: str) -> Response:
    if is_htmx() or request.accept_mimetypes.best == "text/plain":
        response = Response(message, status=status, mimetype="text/plain")
        response.headers["X-Console-Reason"] = reason
        response.headers["X-Console-Message"] = quote(message)
        return response
    _adopt_signed_in_user()
    body = render_template("error.html", status=status, message=message, reason=reason)
    return Response(body, status=status)


def _adopt_signed_in_user() -> None:
    """A path no page matched never ran the guard: look at the cookie here, so a signed-in
    user's error page has the menu and leads back to 首页. Any failure leaves it signed out."""
    if g.get("console_principal") is not None or not request.path.startswith("/console/"):
        return
    try:
        found = _resolve()
    except Exception:  # noqa: BLE001 - an error page must render whatever is down
        return
    if found is not None and may_sign_in(found[2]):
        g.console_principal = found[2]


# The console's messages for HTTP errors (the API's reasons stay in its JSON).
HTTP_MESSAGES = {
    404: "页面不存在或无权查看",
    500: "服务器开小差了，请稍后再试",
    405: "不支持该请求方法",
    413: "上传的文件过大",
    429: "操作过于频繁，请稍后再试",
}


def render_failure(failure: Failure) -> Response:
    """The console's door of the one error mapper (web.errors): an error page, or for htmx
    the plain message with X-Console-Reason; 503s carry Retry-After."""
    if failure.kind == "domain":
        assert isinstance(failure.error, DomainError)
        message, reason = message_of(failure.error), failure.reason or "http_error"
    elif failure.kind == "unavailable":
        message, reason = failure.message or "", failure.reason or "http_error"
    elif failure.reason == "csrf_failed":
        message, reason = failure.message or "", failure.reason
    else:
        message, reason = HTTP_MESSAGES.get(failure.status, "请求无法完成"), "http_error"
    response = _error_response(failure.status, message, reason)
    if failure.kind == "unavailable" and "Retry-After" in failure.headers:
        response.headers["Retry-After"] = failure.headers["Retry-After"]
    return response
