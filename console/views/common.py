"""The entry page, the layout's context, template filters, and signing out."""

from __future__ import annotations

from typing import Any

from flask import g, redirect, request, url_for

from accounts.tokens import revoke_session
from assessments import access
from clock import local_day
from console import labels
from console.auth import clear_session_cookie, console_session, managed_branches, principal
from console.blueprint import bp
from console.views import points
from models import utcnow


@bp.app_template_filter("zh")
def zh(value: str | None, table: str) -> str:
    return labels.label(value, table)


@bp.app_template_filter("cn_time")
def cn_time(value, fmt: str = "%Y-%m-%d %H:%M") -> str:
    return labels.local_time(value, fmt)


@bp.app_template_filter("photo_note")
def photo_note(value: str | None) -> str:
    return labels.photo_note(value)


@bp.app_template_filter("masked_phone")
def masked_phone(value: str | None) -> str:
    return labels.masked_phone(value)


@bp.app_template_filter("roster_value")
def roster_value(value: object, field: str) -> str:
    return labels.roster_value(field, value)


@bp.app_template_global("this_year")
def this_year() -> int:
    """The year in China now: the pickers' year range is centred on it."""
    return local_day(utcnow()).year


@bp.app_context_processor  # error pages of paths no console page matched too
def layout() -> dict[str, Any]:
    """Who is signed in and what the left menu offers."""
    p = g.get("console_principal")
    hx = request.headers.get("HX-Request") == "true"
    if p is None:
        return {"me": None, "hx": hx}
    branches = managed_branches()
    current = request.view_args.get("branch_id") if request.view_args else None
    return {
        "me": p.person,
        "my_roles": p.roles,
        "is_committee": bool(p.committee_of),
        "is_secretary": bool(p.secretary_of),
        # 科室评分 in the menu: the caller scores for an office (the assessment's duty).
        "is_scorer": bool(access.duty_units(p.person_id, "scorer")),
        "menu_branches": branches,
        "menu_branch_id": current
        or (p.secretary_of[0] if p.secretary_of else None)
        or (branches[0].id if branches else None),
        "endpoint": request.endpoint or "",
        "hx": hx,
        # Drawers and error pages need no menu: spare them the count.
        "pending_points": 0 if hx else points.pending_count(),
        # The top bar's badge: unread messages plus open duties (待办).
        "inbox_badge": 0 if hx else _inbox_badge(p),
    }


def _inbox_badge(p: Any) -> int:
    """Unread messages and open duties; 0 when the database cannot say (the layout also draws
    the "database unavailable" page)."""
    import sqlalchemy.exc

    from notifications import inbox, todo

    try:
        return inbox.unread_count(p.person_id) + todo.total_of(p)
    except (sqlalchemy.exc.OperationalError, sqlalchemy.exc.InterfaceError):
        return 0


@bp.get("/")
def index():
    """Committee staff start on the mine's overview, secretaries on their branch's home."""
    p = principal()
    if p.committee_of:
        return redirect(url_for("console.mine_overview"))
    return redirect(url_for("console.branch_home", branch_id=p.secretary_of[0]))


@bp.post("/logout")
def logout():
    """End this console session (the same revocation as a token's logout)."""
    revoke_session(console_session())
    return clear_session_cookie(redirect(url_for("console.login")))
