"""审计: points adjustments (those waiting for a second committee member's decision, and every
one decided), talk-record reads, binds and unbinds, console sign-ins, people marked as left (and
back on a roster), objections answered (the committee's mine)."""

from __future__ import annotations

from flask import render_template

from console.auth import committee_or_404, principal
from console.blueprint import bp
from console.tables import arg_int, arg_str, paginate
from console.views import points
from inputs import contains
from models import (
    LEAVE_ACTIONS,
    Account,
    BindAudit,
    Campaign,
    Candidate,
    ConsoleSignIn,
    LeaveRecord,
    Objection,
    Person,
    Talk,
    TalkAccess,
    db,
)
from pairings import talks

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
        stmt = (
            db.select(TalkAccess, Person, Talk)
            .join(Person, Person.id == TalkAccess.viewer_id)
            .join(Talk, Talk.id == TalkAccess.talk_id)
            .where(talks.access_log_query(principal()).whereclause)
        )
        if talk_id:
            stmt = stmt.where(TalkAccess.talk_id == talk_id)
        if q:
            stmt = stmt.where(contains(Person.name, q) | contains(Person.employee_no, q))
        context["talk_id"] = talk_id
        page = paginate(stmt, {"at": TalkAccess.at}, "at", rows=True, tiebreak=TalkAccess.id)
        context["names"] = talks.people_names(
            {t.member_id for _, _, t in page.items} | {t.employee_id for _, _, t in page.items}
        )
    elif section == "binds":
        stmt = (
            db.select(BindAudit, Person, Account)
            .join(Person, Person.id == BindAudit.person_id)
            .join(Account, Account.id == BindAudit.account_id)
            .where(Person.mine_id == mine_id)
        )
        action = arg_str("action", 8, ("bind", "unbind"))
        if action:
            stmt = stmt.where(BindAudit.action == action)
        if q:
            stmt = stmt.where(contains(Person.name, q) | contains(Person.employee_no, q))
        context["action"] = action
        page = paginate(stmt, {"at": BindAudit.at}, "at", rows=True, tiebreak=BindAudit.id)
    elif section == "leavers":
        actor = db.aliased(Person)
        stmt = (
            db.select(LeaveRecord, Person, actor)
            .join(Person, Person.id == LeaveRecord.person_id)
            .outerjoin(actor, actor.id == LeaveRecord.actor_id)
            .where(LeaveRecord.mine_id == mine_id)
        )
        action = arg_str("action", 8, LEAVE_ACTIONS)
        if action:
            stmt = stmt.where(LeaveRecord.action == action)
        if q:
            stmt = stmt.where(contains(Person.name, q) | contains(Person.employee_no, q))
        context["action"] = action
        page = paginate(stmt, {"at": LeaveRecord.at}, "at", rows=True, tiebreak=LeaveRecord.id)
    elif section == "objections":
        objector, answerer, nominee = (db.aliased(Person) for _ in range(3))
        stmt = (
            db.select(Objection, Campaign.title, nominee.name, objector, answerer)
            .join(Campaign, Campaign.id == Objection.campaign_id)
            .join(Candidate, Candidate.id == Objection.candidate_id)
            .join(nominee, nominee.id == Candidate.person_id)
            .join(objector, objector.id == Objection.objector_id)
            .outerjoin(answerer, answerer.id == Objection.answered_by_id)
            .where(Campaign.mine_id == mine_id, Objection.answered_at.is_not(None))
        )
        status = arg_str("status", 10, ("upheld", "dismissed"))
        if status:
            stmt = stmt.where(Objection.status == status)
        if q:
            stmt = stmt.where(
                contains(nominee.name, q) | contains(answerer.name, q) | contains(Campaign.title, q)
            )
        context["status"] = status
        page = paginate(stmt, {"at": Objection.answered_at}, "at", rows=True, tiebreak=Objection.id)
    else:
        stmt = (
            db.select(ConsoleSignIn, Person)
            .join(Person, Person.id == ConsoleSignIn.person_id)
            .where(ConsoleSignIn.mine_id == mine_id)
        )
        method = arg_str("method", 8, ("scan", "demo"))
        if method:
            stmt = stmt.where(ConsoleSignIn.method == method)
        if q:
            stmt = stmt.where(
                contains(Person.name, q)
                | contains(Person.employee_no, q)
                | contains(ConsoleSignIn.ip, q)
            )
        context["method"] = method
        page = paginate(stmt, {"at": ConsoleSignIn.at}, "at", rows=True, tiebreak=ConsoleSignIn.id)
    return render_template("audit.html", page=page, **context)
