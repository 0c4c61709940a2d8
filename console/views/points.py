"""积分: a branch's ledger and its manual adjustment requests (the secretary; committee staff on
any branch of their mine), one request in the drawer, and the committee's decision — approve or
reject, with a reason — which 审计 gathers under 「待审批的积分调整」.

A request reaches the ledger only when a committee member of the mine other than its author
(and not the person it is about) approves it (`points.requests`). The pages offer the decision
only to whom the service would accept it from, and the service refuses everyone else anyway."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import sqlalchemy.exc
from flask import current_app, render_template, request, url_for

from console import bulk
from console.auth import branch_or_404, committee_or_404, done, principal
from console.blueprint import bp
from console.exports import select_rows
from console.tables import (
    Page,
    arg_int,
    arg_str,
    form_value,
    load_form,
    ordered,
    paginate,
    wants_export,
)
from console.views.branch import _form, xlsx
from domain_errors import InvalidInput, NotFound
from inputs import MAX_ID
from models import REQUEST_STATUSES, Person, PointsRequest, db
from pairings import exports, talks
from points import ledger as points_service
from points import queries as point_queries
from points import requests as points_requests
from points.errors import OwnPoints, OwnRequest
from points.schemas import DELTA_MESSAGE, PointsRequestIn
from roster import queries as roster_queries
from votes.candidacies import stands_in_unpublished_campaign, unpublished_candidacies
from web import unit_of_work
from web.downloads import file_name

REQUEST_SORTS = {
    "requested_at": PointsRequest.requested_at,
    "decided_at": PointsRequest.decided_at,
    "delta": PointsRequest.delta,
}
# Why a committee member is not offered the decision, said on the row and in the drawer.
NOT_YOURS = {
    OwnRequest: "本人提出，须由其他党委成员审批",
    OwnPoints: "涉及您本人的积分，须由其他党委成员审批",
}


@dataclass
class RequestRow:
    """A request as the tables and the drawer show it: the candidacies that flag it, and
    whether the viewer may decide it (or why not)."""

    request: PointsRequest
    candidacies: list[dict] = field(default_factory=list)
    can_decide: bool = False
    note: str = ""


def request_rows(found: list[PointsRequest]) -> list[RequestRow]:
    """Rows for requests, each flagged when its person stands in an unpublished campaign."""
    p = principal()
    candidacies = unpublished_candidacies([r.person_id for r in found])
    rows = []
    for r in found:
        refusal = points_requests.decision_refusal(p, r)
        rows.append(
            RequestRow(
                r,
                candidacies.get(r.person_id, []),
                can_decide=refusal is None,
                note=NOT_YOURS.get(type(refusal), ""),
            )
        )
    return rows


def _request_page(stmt: Any, prefix: str, default_order: str = "desc", size: int = 10) -> Page:
    return paginate(
        point_queries.with_people(stmt),
        REQUEST_SORTS,
        "requested_at",
        default_order,
        tiebreak=PointsRequest.id,
        prefix=prefix,
        page_size=size,
    )


def pending_count() -> int:
    """How many requests of the caller's mine wait for a committee decision (the menu badge)."""
    p = principal()
    if not p.committee_of:
        return 0
    try:
        return point_queries.pending_count(p)
    except (sqlalchemy.exc.OperationalError, sqlalchemy.exc.InterfaceError):
        # The layout draws the "database unavailable" page too: a badge must not break it.
        db.session.rollback()
        return 0


# --- the branch's 积分 page --------------------------------------------------------------------


def _period() -> points_service.Period:
    """The ?period= of the page (this year when absent); the API's rule (invalid_period, 422)."""
    return points_service.parse_period(arg_str("period", 8) or None)


@bp.get("/branches/<int:branch_id>/points")
def branch_points(branch_id: int):
    """The branch's points ledger (party members' totals over a period, with what waits for
    approval) and its adjustment requests — pending, approved, rejected — paged and filtered."""
    branch = branch_or_404(branch_id)
    period = _period()
    q = arg_str("q")
    page = paginate(
        point_queries.members_totals(branch.mine_id, branch.id, period, q),
        {
            "total": db.literal_column("total"),
            "employee_no": Person.employee_no,
            "name": Person.name,
        },
        "total",
        rows=True,
        tiebreak=Person.id,
    )
    members = point_queries.all_members_totals(branch.mine_id, branch.id, period)
    status = arg_str("rs", 8, REQUEST_STATUSES)
    requests_page = _request_page(
        points_requests.requests_query(principal(), status or None, branch_id=branch.id), "r_"
    )
    counts = point_queries.status_counts(
        points_requests.requests_query(principal(), branch_id=branch.id)
    )
    return render_template(
        "branch/points.html",
        branch=branch,
        page=page,
        period=period,
        q=q,
        members=members,
        max_points=current_app.config["POINTS_MANUAL_MAX"],
        pending=point_queries.pending_by_person([row[0].id for row in page.items]),
        requests_page=requests_page,
        request_rows=request_rows(requests_page.items),
        rs=status,
        statuses=REQUEST_STATUSES,
        status_counts=counts,
        highlight=arg_int("hl"),
    )


@bp.get("/branches/<int:branch_id>/points/<int:person_id>")
def branch_points_person(branch_id: int, person_id: int):
    """A member's ledger entries over the period and their adjustment requests, in the drawer."""
    branch = branch_or_404(branch_id)
    person = roster_queries.person(person_id)
    if person is None or person.branch_id != branch.id:
        raise NotFound()
    period = _period()
    total, entries = points_service.ledger(person.id, period)
    actors = talks.people_names({e.actor_person_id for e in entries if e.actor_person_id})
    asked = point_queries.requests_about(principal(), person.id)
    return render_template(
        "branch/points_drawer.html",
        branch=branch,
        person=person,
        period=period,
        total=total,
        entries=entries,
        actors=actors,
        request_rows=request_rows(list(asked)),
    )


@bp.post("/branches/<int:branch_id>/points")
def branch_points_adjust(branch_id: int):
    """Ask for a manual adjustment with a reason (the API's POST /admin/points): it takes effect
    when a committee member other than the author approves it. The page comes back with the
    new request on top of its list."""
    branch = branch_or_404(branch_id)
    raw = form_value("delta")
    try:
        delta: int | str = int(raw)
    except ValueError:
        delta = raw  # for the schema to refuse
    data = load_form(
        PointsRequestIn(),
        {"employee_no": form_value("employee_no"), "delta": delta, "reason": form_value("reason")},
        messages={"delta": DELTA_MESSAGE, "reason": "请填写原因"},
    )
    asked = points_requests.request_adjustment(
        principal(), data["employee_no"], data["delta"], data["reason"]
    )
    unit_of_work.flush()
    return done(
        f"已提交 {asked.person.name} 的积分调整申请（{asked.delta:+d}），"
        "待另一位党委成员审批后生效",
        to=url_for("console.branch_points", branch_id=branch.id, hl=asked.id),
    )


@bp.get("/branches/<int:branch_id>/points/export.xlsx")
def branch_points_export(branch_id: int):
    """The points ledger of the branch (totals and every entry) over the period."""
    branch = branch_or_404(branch_id)
    period = _period()
    data = exports.points_ledger(branch.mine_id, branch.id, period)
    return xlsx(data, file_name("points", (branch.name, branch.id), period.key))


# --- one request, and the committee's decision --------------------------------------------------


def _visible_request(request_id: int) -> PointsRequest:
    """A request the caller may read (a secretary: their branches'; committee: the mine's)."""
    found = point_queries.visible_request(principal(), request_id)
    if found is None:
        raise NotFound("页面不存在或无权查看")
    return found


@bp.get("/points/requests/<int:request_id>")
def points_request(request_id: int):
    """A request in the drawer: who asked what for whom and why, the campaign flag, the
    decision (or its form for a committee member who may take it), the person's other
    requests."""
    asked = _visible_request(request_id)
    (row,) = request_rows([asked])
    others = point_queries.requests_about(principal(), asked.person_id, besides=asked.id, limit=10)
    total = points_service.totals([asked.person_id], points_service.parse_period(None).since)
    return render_template(
        "points/request_drawer.html",
        row=row,
        r=asked,
        others=others,
        year_total=total[asked.person_id],
    )


@bp.post("/points/requests/<int:request_id>/decide")
def points_request_decide(request_id: int):
    """Approve (the points reach the ledger) or reject a pending request, with a reason: a
    committee member of the mine other than its author and the person it is about."""
    committee_or_404()
    if not 0 < request_id <= MAX_ID:
        raise NotFound("页面不存在或无权查看")
    decision = request.form.get("decision")
    if decision not in ("approve", "reject"):
        raise InvalidInput(errors={"decision": ["请选择批准或驳回"]})
    approve = decision == "approve"
    decided = points_requests.decide(
        principal(), request_id, approve, _form("reason", 255, multiline=True)
    )
    unit_of_work.flush()
    what = f"{decided.person.name} 的积分调整（{decided.delta:+d}）"
    if approve:
        return done(f"已批准 {what}，已记入积分台账")
    return done(f"已驳回 {what}")


@bp.post("/points/requests/bulk-decide")
def points_requests_bulk_decide():
    """批量批准 / 批量驳回 of the ticked pending requests with one 审批意见: each decided on its
    own (console.bulk: the author's own, the person's own, one decided meanwhile are reported
    and the others still go through)."""
    committee_or_404()
    ids = bulk.selected_ids()
    decision = request.form.get("decision")
    if decision not in ("approve", "reject"):
        raise InvalidInput(errors={"decision": ["请选择批准或驳回"]})
    approve = decision == "approve"
    reason = _form("reason", 255, multiline=True)
    if not reason:
        raise InvalidInput("请填写审批意见", errors={"reason": ["请填写审批意见"]})
    p = principal()

    def decide(request_id: int) -> str:
        decided = points_requests.decide(p, request_id, approve, reason)
        return f"{decided.person.name}（{decided.delta:+d}）"

    outcomes = bulk.each(ids, decide)
    unit_of_work.flush()
    return bulk.report("批准" if approve else "驳回", outcomes)


# --- 审计: 「待审批的积分调整」 and every adjustment ----------------------------------------------


def audit_context() -> dict[str, Any]:
    """The 审计 page's points section: every pending request of the mine (oldest first), and
    one list of every adjustment filtered by status, branch, candidate flag and people."""
    mine_id = committee_or_404()
    p = principal()
    pending = _request_page(points_requests.requests_query(p, "pending"), "p_", "asc", 20)
    status = arg_str("rs", 8, REQUEST_STATUSES)
    branch_id = arg_int("branch_id")
    flagged = arg_str("flag", 1, ("1",))
    q = arg_str("q")
    stmt = point_queries.audited_requests(
        p,
        status or None,
        branch_id,
        q,
        where=stands_in_unpublished_campaign(PointsRequest.person_id) if flagged else None,
    )
    page = _request_page(stmt, "", "desc", 20)
    if wants_export():
        rows, _, _ = ordered(
            point_queries.with_people(stmt),
            REQUEST_SORTS,
            "requested_at",
            "desc",
            tiebreak=PointsRequest.id,
        )
        return {"export": request_rows(select_rows(rows))}
    return {
        "pending": pending,
        "pending_rows": request_rows(pending.items),
        "page": page,
        "request_rows": request_rows(page.items),
        "rs": status,
        "statuses": REQUEST_STATUSES,
        "branch_id": branch_id,
        "flag": flagged,
        "branches": roster_queries.branches_of_mine(mine_id),
    }
