"""审计: points adjustments (those waiting for a second committee member's decision, and every
one decided), talk-record reads, binds and unbinds, console sign-ins, people marked as left (and
back on a roster), objections answered (the committee's mine)."""

from __future__ import annotations

from flask import render_template

from accounts import queries as account_queries
from console.auth import committee_or_404, principal
from console.blueprint import bp
from console.tables import arg_int, arg_str, paginate
from console.views import points
from models import (
    LEAVE_ACTIONS,
    BindAudit,
    ConsoleSignIn,
    LeaveRecord,
    Objection,
    TalkAccess,
)
from pairings import queries as pairing_queries
from pairings import talks
from roster import queries as roster_queries
from votes import queries as vote_queries

SECTIONS = ("points", "talks", "binds", "signins", "leavers", "objections")


@bp.get("/audit")
def audit():
    """One audit section at a time, each a filtered, sorted, paged table."""
    mine_id = committee_or_404()
    section = arg_str("section", 10, SECTIONS) or "points"
    q = arg_str("q")
    context: dict = {"section": section, "q": q}
    if section == "points":
        context.update(points.audit_context())
        return render_template("audit.html", **context)
    if section == "talks":
        talk_id = arg_int("talk_id")
        stmt = pairing_queries.talk_reads(principal(), talk_id, q)
        context["talk_id"] = talk_id
        page = paginate(stmt, {"at": TalkAccess.at}, "at", rows=True, tiebreak=TalkAccess.id)
        context["names"] = talks.people_names(
            {t.member_id for _, _, t in page.items} | {t.employee_id for _, _, t in page.items}
        )
    elif section == "binds":
        action = arg_str("action", 8, ("bind", "unbind"))
        stmt = account_queries.bind_records(mine_id, action, q)
        context["action"] = action
        page = paginate(stmt, {"at": BindAudit.at}, "at", rows=True, tiebreak=BindAudit.id)
    elif section == "leavers":
        action = arg_str("action", 8, LEAVE_ACTIONS)
        stmt = roster_queries.leave_records(mine_id, action, q)
        context["action"] = action
        page = paginate(stmt, {"at": LeaveRecord.at}, "at", rows=True, tiebreak=LeaveRecord.id)
    elif section == "objections":
        status = arg_str("status", 10, ("upheld", "dismissed"))
        stmt = vote_queries.answered_objections(mine_id, status, q)
        context["status"] = status
        page = paginate(stmt, {"at": Objection.answered_at}, "at", rows=True, tiebreak=Objection.id)
    else:
        method = arg_str("method", 8, ("scan", "demo"))
        stmt = account_queries.console_sign_ins(mine_id, method, q)
        context["method"] = method
        page = paginate(stmt, {"at": ConsoleSignIn.at}, "at", rows=True, tiebreak=ConsoleSignIn.id)
    return render_template("audit.html", page=page, **context)
