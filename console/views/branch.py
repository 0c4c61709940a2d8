"""The secretary's pages of one branch: 首页, 心愿审核, 结对管理, 谈心记录 (积分 is in
`console.views.points`).

Committee staff may open them for any branch of their mine; anyone else gets 404."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import Response, render_template, request
from sqlalchemy.orm import selectinload

from console import bulk, charts
from console.auth import branch_or_404, client_ip, done, principal
from console.blueprint import bp
from console.tables import arg_int, arg_month, arg_str, form_value, given, load_form, paginate
from domain_errors import InvalidInput, NotFound
from inputs import text_problem
from models import (
    CARE_FLAGS,
    TALK_MODES,
    WISH_CATEGORIES,
    WISH_STATUSES,
    CareEvent,
    PairingReview,
    Person,
    Talk,
    Wish,
    db,
    utcnow,
)
from pairings import care, compliance, duties, exports, overview, services, talks
from pairings import queries as pairing_queries
from pairings.months import month_of
from pairings.schemas import CareFlagsIn, PairingIn
from pairings.services import limit_for
from roster import queries as roster_queries
from roster import transfers
from web import unit_of_work
from web.downloads import FileName, attachment, file_name
from wishes import export as wish_export
from wishes import queries as wish_queries
from wishes import services as wish_services
from wishes.schemas import ReasonIn, ReviewIn

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _month() -> str:
    """The ?month= of a page (this Shanghai month when absent); the API's rule or a 422."""
    return arg_month() or month_of(utcnow())


def _form(name: str, max_len: int = 500, *, multiline: bool = False) -> str:
    """A trimmed form text under the API's text rules (inputs.text_problem), or a 422."""
    value = (request.form.get(name) or "").strip()
    problem = text_problem(value, max_len, multiline=multiline)
    if problem is not None:
        raise InvalidInput(errors={name: [problem]})
    return value


def xlsx(data: bytes, name: FileName) -> Response:
    """An Excel download named by the one rule (downloads.file_name), as the API names it."""
    return attachment(data, name, XLSX)


# --- 首页 -------------------------------------------------------------------------------------


@bp.get("/branches/<int:branch_id>/")
def branch_home(branch_id: int):
    """This month's talk compliance as a chart, wishes to review, claims near their deadline,
    people with care flags."""
    branch = branch_or_404(branch_id)
    p = principal()
    month = _month()
    summary = compliance.branch_compliance(branch, month)
    pending, pending_count = wish_queries.review_queue(p, branch.id)
    near = wish_queries.claims_due(p, branch.id, utcnow() + timedelta(days=7))
    flagged = pairing_queries.flagged_people(branch.id)
    overdue = list(
        db.session.scalars(
            duties.events_query(p, "overdue", branch_id=branch.id)
            .options(selectinload(CareEvent.employee), selectinload(CareEvent.assignee))
            .limit(10)
        )
    )
    return render_template(
        "branch/home.html",
        overdue=overdue,
        overdue_count=db.session.scalar(
            db.select(db.func.count()).select_from(
                duties.events_query(p, "overdue", branch_id=branch.id).subquery()
            )
        ),
        kind_labels=duties.KIND_LABELS,
        due_day=duties.due_day,
        family_labels=duties.FAMILY_LABELS,
        branch=branch,
        month=month,
        summary=summary,
        pending=pending,
        pending_count=pending_count,
        near=near,
        flagged=flagged,
        donut=charts.compliance_donut(summary),
        member_chart=charts.compliance_members(summary),
    )


# --- 心愿审核 ---------------------------------------------------------------------------------


def _wish_filters(branch_id: int) -> tuple[Any, dict[str, str]]:
    """The 心愿审核 list's select and its filters (status defaults to 待审核)."""
    status = arg_str("status", 16, WISH_STATUSES) if "status" in request.args else "pending_review"
    filters = {
        "status": status,
        "category": arg_str("category", 16, WISH_CATEGORIES),
        "q": arg_str("q"),
        "month": arg_month(),
    }
    stmt = wish_queries.managed_matching(
        principal(),
        branch_id,
        status or None,
        filters["month"] or None,
        filters["category"] or None,
        filters["q"],
    )
    return stmt, filters


@bp.get("/branches/<int:branch_id>/wishes")
def branch_wishes(branch_id: int):
    """The review queue (default 待审核) with filters, sorting and pages."""
    branch = branch_or_404(branch_id)
    stmt, filters = _wish_filters(branch.id)
    page = paginate(
        stmt.options(
            selectinload(Wish.wisher), selectinload(Wish.claimer), selectinload(Wish.author)
        ),
        {"created_at": Wish.created_at, "updated_at": Wish.updated_at, "title": Wish.title},
        "created_at",
        "asc" if filters["status"] == "pending_review" else "desc",
        tiebreak=Wish.id,
    )
    return render_template(
        "branch/wishes.html",
        branch=branch,
        page=page,
        statuses=WISH_STATUSES,
        categories=WISH_CATEGORIES,
        can_post=branch.id in principal().secretary_of,
        **filters,
    )


@bp.get("/branches/<int:branch_id>/wishes/export.xlsx")
def branch_wishes_export(branch_id: int):
    """The wishes (as filtered) and their history as the 台账 workbook, like the API's export."""
    branch = branch_or_404(branch_id)
    stmt, _ = _wish_filters(branch.id)
    return xlsx(
        wish_export.workbook(wish_queries.wishes_of(stmt)),
        file_name("wishes", (branch.name, branch.id)),
    )


@bp.get("/branches/<int:branch_id>/wishes/<int:wish_id>")
def branch_wish(branch_id: int, wish_id: int):
    """A wish in the drawer: content, the content-check verdict, history, and its actions."""
    branch = branch_or_404(branch_id)
    p = principal()
    wish = wish_services.get_visible(p, wish_id)
    if wish.branch_id != branch.id:
        raise NotFound()
    from wishes.privacy import available_actions

    return render_template(
        "branch/wish_drawer.html",
        branch=branch,
        wish=wish,
        history=wish_services.history(wish.id),
        photos=wish_services.photos_of(wish.id),
        actions=available_actions(wish, p),
        # The API's rule for the wisher's and claimer's phone (wishes.privacy).
        full_phones=wish_services.sees_identity(p, wish),
    )


@bp.post("/branches/<int:branch_id>/wishes/<int:wish_id>/review")
def branch_wish_review(branch_id: int, wish_id: int):
    """Approve, or reject with a reason (the API's review_wish)."""
    branch_or_404(branch_id)
    data = load_form(
        ReviewIn(),
        {"approve": request.form.get("decision") == "approve", "reason": form_value("reason")},
    )
    approve = data["approve"]  # a rejection without a reason is the service's to refuse
    wish = wish_services.review_wish(principal(), wish_id, approve, data["reason"])
    unit_of_work.flush()
    return done(f"心愿「{wish.title}」已{'通过审核并发布' if approve else '驳回'}")


@bp.post("/branches/<int:branch_id>/wishes/bulk-review")
def branch_wishes_bulk_review(branch_id: int):
    """批量通过 / 批量驳回 (one reason for all) of the ticked wishes: each wish reviewed on its
    own (console.bulk), the others still go through when one is refused."""
    branch = branch_or_404(branch_id)
    ids = bulk.selected_ids()
    approve = request.form.get("decision") == "approve"
    reason = None
    if not approve:
        data = load_form(
            ReasonIn(), {"reason": form_value("reason")}, messages={"reason": "请填写驳回原因"}
        )
        reason = data["reason"]
    p = principal()

    def review(wish_id: int) -> str:
        if wish_services.get_visible(p, wish_id).branch_id != branch.id:
            raise NotFound()
        return f"「{wish_services.review_wish(p, wish_id, approve, reason).title}」"

    outcomes = bulk.each(ids, review)
    unit_of_work.flush()
    return bulk.report("通过审核并发布" if approve else "驳回", outcomes)


@bp.post("/branches/<int:branch_id>/wishes/<int:wish_id>/close")
def branch_wish_close(branch_id: int, wish_id: int):
    """Close a wish with a reason."""
    branch_or_404(branch_id)
    data = load_form(
        ReasonIn(), {"reason": form_value("reason")}, messages={"reason": "请填写原因"}
    )
    wish = wish_services.close_wish(principal(), wish_id, data["reason"])
    unit_of_work.flush()
    return done(f"心愿「{wish.title}」已关闭")


# --- 结对管理 ---------------------------------------------------------------------------------


@bp.get("/branches/<int:branch_id>/pairings")
def branch_pairings(branch_id: int):
    """Members against their 3/5 limit, employees not yet paired, and the pairing form."""
    branch = branch_or_404(branch_id)
    q = arg_str("q")
    members = paginate(
        overview.branch_members(branch.id, q),
        {
            "employee_no": Person.employee_no,
            "name": Person.name,
            "active": db.literal_column("active"),
        },
        "employee_no",
        "asc",
        rows=True,
        tiebreak=Person.id,
    )
    running = overview.active_pairings_of([m.id for m, _ in members.items])
    uq = arg_str("uq")
    unpaired = paginate(
        overview.unpaired_employees(branch.id, uq).options(selectinload(Person.unit)),
        {"employee_no": Person.employee_no, "name": Person.name},
        "employee_no",
        "asc",
        tiebreak=Person.id,
        prefix="u_",
    )
    care_by_person = care.care_flags_by_person(
        [p.employee_id for ps in running.values() for p in ps] + [e.id for e in unpaired.items]
    )
    all_members = pairing_queries.all_members(branch.id)
    all_unpaired = pairing_queries.all_unpaired(branch.id)
    review_status = arg_str("rv", 8, ("open", "closed", "all")) or "open"
    reviews = paginate(
        transfers.branch_reviews(branch, review_status),
        {"opened_at": PairingReview.opened_at},
        "opened_at",
        tiebreak=PairingReview.id,
        prefix="r_",
        page_size=10,
    )
    review_rows = [transfers.review_view(r) for r in reviews.items]
    deciders = talks.people_names(
        {
            side["by_id"]
            for r in review_rows
            for side in (r["member_side"], r["employee_side"])
            if side is not None
        }
    )
    p = principal()
    return render_template(
        "branch/pairings.html",
        reviews=reviews,
        review_rows=review_rows,
        review_status=review_status,
        any_reviews=review_status != "open"
        or reviews.total > 0
        or roster_queries.review_count(branch),
        deciders=deciders,
        sides={
            r["id"]: (
                p.manages_branch(r["member_branch"]["id"], branch.mine_id),
                p.manages_branch(r["employee_branch"]["id"], branch.mine_id),
            )
            for r in review_rows
        },
        branch=branch,
        members=members,
        running=running,
        unpaired=unpaired,
        care_by_person=care_by_person,
        q=q,
        uq=uq,
        limit_for=limit_for,
        all_members=all_members,
        all_unpaired=all_unpaired,
        can_pair=branch.id in principal().secretary_of,
    )


@bp.post("/branches/<int:branch_id>/pairings")
def branch_pair(branch_id: int):
    """Pair a member with an employee (409 pairing_limit past 3, or 5 for a cadre)."""
    branch_or_404(branch_id)
    data = load_form(
        PairingIn(),
        given(member_id=form_value("member_id"), employee_id=form_value("employee_id")),
        messages={"member_id": "请选择", "employee_id": "请选择"},
    )
    pairing = services.create_pairing(principal(), data["member_id"], data["employee_id"])
    unit_of_work.flush()
    return done(f"已结对：{pairing.member.name} — {pairing.employee.name}")


@bp.post("/branches/<int:branch_id>/pairings/<int:pairing_id>/end")
def branch_unpair(branch_id: int, pairing_id: int):
    """End a pairing (history kept)."""
    branch_or_404(branch_id)
    pairing = services.end_pairing(principal(), pairing_id)
    unit_of_work.flush()
    return done(f"已解除结对：{pairing.member.name} — {pairing.employee.name}")


@bp.post("/branches/<int:branch_id>/pairing-reviews/<int:review_id>/<any(confirm, end):action>")
def branch_review_decide(branch_id: int, review_id: int, action: str):
    """A pairing a transfer made cross branches: confirm it for the side(s) the caller manages
    (it goes on under the member's branch once both have), or end it (history kept)."""
    branch_or_404(branch_id)
    if action == "confirm":
        review = transfers.confirm_review(principal(), review_id)
    else:
        review = transfers.end_review(principal(), review_id)
    unit_of_work.flush()
    view = transfers.review_view(review)
    pair = f"{view['member']['name']} — {view['employee']['name']}"
    if action == "end":
        return done(f"已解除跨支部结对：{pair}")
    if view["status"] == "closed":
        return done(f"双方支部均已确认，结对继续：{pair}（归入{view['member_branch']['name']}）")
    return done(f"已确认继续结对：{pair}，等待另一方支部确认")


@bp.get("/branches/<int:branch_id>/people/<int:person_id>/care")
def branch_care(branch_id: int, person_id: int):
    """A person's care flags with their history, in the drawer."""
    branch = branch_or_404(branch_id)
    person, current, history = care.care_history(principal(), person_id)
    setters = talks.people_names({c.set_by_id for c in history if c.set_by_id})
    return render_template(
        "branch/care_drawer.html",
        branch=branch,
        person=person,
        current=current,
        history=history,
        setters=setters,
        flags=CARE_FLAGS,
        can_edit=bool(principal().secretary_of),
    )


@bp.post("/branches/<int:branch_id>/people/<int:person_id>/care")
def branch_care_set(branch_id: int, person_id: int):
    """Set the care flags (every change is kept)."""
    branch_or_404(branch_id)
    data = load_form(
        CareFlagsIn(), {"flags": request.form.getlist("flags"), "note": form_value("note")}
    )
    _, changed = care.set_care_flags(principal(), person_id, data["flags"], data["note"])
    return done("关怀标记已更新" if changed else "关怀标记没有变化")


# --- 谈心记录 ---------------------------------------------------------------------------------


@bp.get("/branches/<int:branch_id>/talks")
def branch_talks(branch_id: int):
    """The month's talk records of the branch; every record listed is logged, as in the API."""
    branch = branch_or_404(branch_id)
    p = principal()
    month = _month()
    member_id = arg_int("member_id")
    mode = arg_str("mode", 16, TALK_MODES)
    stmt = talks.talks_query(p, month, branch_id=branch.id, member_id=member_id)
    if mode:
        stmt = stmt.where(Talk.mode == mode)
    page = paginate(
        stmt.options(
            selectinload(Talk.member), selectinload(Talk.employee), selectinload(Talk.author)
        ),
        {"talked_at": Talk.talked_at, "created_at": Talk.created_at},
        "talked_at",
        tiebreak=Talk.id,
    )
    talks.record_reads(p, page.items, "list", client_ip())
    summary = compliance.branch_compliance(branch, month)
    return render_template(
        "branch/talks.html",
        branch=branch,
        page=page,
        month=month,
        member_id=member_id,
        mode=mode,
        modes=TALK_MODES,
        summary=summary,
        counts=compliance.talk_counts,
        can_write=branch.id in p.secretary_of,
    )


@bp.get("/branches/<int:branch_id>/talks/<int:talk_id>")
def branch_talk(branch_id: int, talk_id: int):
    """One talk record in the drawer; the read is logged (action detail)."""
    branch = branch_or_404(branch_id)
    p = principal()
    talk = talks.visible_talk(p, talk_id)
    if talk.branch_id != branch.id:
        raise NotFound()
    talks.record_reads(p, [talk], "detail", client_ip())
    now = utcnow()
    open_record = talk.corrected_by_id is None
    can_edit = open_record and talk.author_id == p.person_id and now < talks.editable_until(talk)
    return render_template(
        "branch/talk_drawer.html",
        branch=branch,
        talk=talk,
        editable_until=talks.editable_until(talk),
        can_edit=can_edit,
        can_correct=open_record and not can_edit and branch.id in p.secretary_of,
        modes=TALK_MODES,
        now=now,
    )


@bp.get("/branches/<int:branch_id>/talks/export.xlsx")
def branch_talks_export(branch_id: int):
    """The month's talk ledger (台账); every record in it is logged (action export)."""
    branch = branch_or_404(branch_id)
    month = _month()
    data = exports.talk_ledger(principal(), branch, month, client_ip())
    return xlsx(data, file_name("talks", (branch.name, branch.id), month))
