"""Manual points adjustments: a request (pending) that reaches the ledger only when a committee
member of the mine other than its author approves it.

Nobody adjusts their own points: a secretary or committee member cannot ask for themselves,
and a committee member cannot decide a request about themselves. pending → approved (one
ledger entry, ref `request:<id>`) or rejected, both with a reason, both people on record. The
decision is one conditional UPDATE (`… WHERE status = 'pending'`), so of two committee members
deciding at once exactly one wins. The caller commits.
"""

from __future__ import annotations

from typing import Any, TypeVar

from accounts.principal import Principal
from domain_errors import DomainError
from models import Person, PointsRequest, db, utcnow
from points import rulebook
from points.errors import (
    EvidenceRequired,
    InvalidDelta,
    NotAMember,
    NotYourBranch,
    OwnPoints,
    OwnRequest,
    PersonNotFound,
    ReasonRequired,
    RequestDecided,
    RequestNotFound,
    RuleNotFound,
)
from points.ledger import award
from points.settings import settings

REASON_MAX = 255

Row = TypeVar("Row")


def file_pending(model: type[Row], author_id: int, **columns: Any) -> Row:
    """A new maker-checker row (a points request, a campaign's points sheet, a correction of a
    team's assessment result) waiting for its decider: pending, its author and the time on
    record; added and flushed (its id is set). The caller commits."""
    row = model(status="pending", requested_by_id=author_id, requested_at=utcnow(), **columns)
    db.session.add(row)
    db.session.flush()
    return row


def _reason(value: str | None, field: str = "reason") -> str:
    text = (value or "").strip()
    if not text:
        raise ReasonRequired(errors={field: ["请填写原因"]})
    return text[:REASON_MAX]


def check_delta(delta: int) -> None:
    """A manual adjustment is a non-zero whole number within POINTS_MANUAL_MAX either way."""
    limit = settings().manual_max
    if isinstance(delta, bool) or not isinstance(delta, int) or delta == 0 or abs(delta) > limit:
        raise InvalidDelta(errors={"delta": [f"分值须为非零整数，绝对值不超过 {limit}"]})


def request_adjustment(
    principal: Principal,
    employee_no: str,
    delta: int | None,
    reason: str,
    rule_code: str | None = None,
    evidence: str | None = None,
) -> PointsRequest:
    """A secretary (own branch) or committee member asks to add or deduct a party member's
    points, freely or under a manual rule of the rulebook (its points unless a delta is given,
    its evidence requirement); the request waits for another committee member, unless the
    rule needs no second approver."""
    author = principal.require("secretary", "committee")
    why = _reason(reason)
    rule = None
    if rule_code is not None:
        rule = rulebook.rule_for(author.mine_id, "manual", utcnow(), rule_code)
        if rule is None:
            raise RuleNotFound(errors={"rule_code": ["没有这条生效中的人工认定细则"]})
        if delta is None:
            delta = rule.points
        if rule.evidence_required and not (evidence or "").strip():
            raise EvidenceRequired(errors={"evidence": ["该细则须提供佐证材料"]})
    if delta is None:
        raise InvalidDelta(errors={"delta": ["请填写分值"]})
    check_delta(delta)
    person = db.session.scalar(
        db.select(Person).where(
            Person.mine_id == author.mine_id, Person.employee_no == employee_no.strip()
        )
    )
    if person is None:
        raise PersonNotFound(errors={"employee_no": ["花名册中没有这个工号"]})
    if person.id == author.id:
        raise OwnPoints()
    if not principal.manages_branch(person.branch_id, person.mine_id):
        raise NotYourBranch()
    if not person.is_party_member:
        raise NotAMember(errors={"employee_no": ["只有党员可以获得积分"]})
    request = file_pending(
        PointsRequest,
        author.id,
        mine_id=person.mine_id,
        person_id=person.id,
        delta=delta,
        reason=why,
        rule_code=rule.code if rule is not None else None,
        evidence=(evidence or "").strip()[:REASON_MAX] or None,
    )
    if rule is not None and not rule.second_approver:
        _approve(request, author.id, "细则无需二次审批")
    return request


def _approve(request: PointsRequest, decider_id: int, why: str) -> None:
    """Put an approved request on the ledger (under its rule, if it names one)."""
    won = db.session.execute(
        db.update(PointsRequest)
        .where(PointsRequest.id == request.id, PointsRequest.status == "pending")
        .values(
            status="approved", decided_by_id=decider_id, decided_at=utcnow(), decision_reason=why
        )
        .execution_options(synchronize_session=False)
    )
    if won.rowcount != 1:
        raise RequestDecided()
    _write(request)
    db.session.refresh(request)


def _write(request: PointsRequest) -> None:
    entry = award(
        request.person_id,
        request.delta,
        "manual",
        request.reason,
        ref=f"request:{request.id}",
        actor_person_id=request.requested_by_id,
        rule_code=request.rule_code,
    )
    if entry is None:  # the ledger's unique (person, kind, ref) stands behind the UPDATE
        raise RequestDecided()
    db.session.execute(
        db.update(PointsRequest)
        .where(PointsRequest.id == request.id)
        .values(entry_id=entry.id)
        .execution_options(synchronize_session=False)
    )


def decision_refusal(principal: Principal, request: PointsRequest) -> DomainError | None:
    """Why the caller may not decide this request now (None: they may) — what `decide`
    enforces, so that a page offers the decision only to whom it would accept it from."""
    if request.mine_id not in principal.committee_of:
        return RequestNotFound()
    if request.person_id == principal.person_id:
        return OwnPoints()
    if request.requested_by_id == principal.person_id:
        return OwnRequest()
    if request.status != "pending":
        return RequestDecided()
    return None


def decide(principal: Principal, request_id: int, approve: bool, reason: str) -> PointsRequest:
    """A committee member of the mine, not the author and not the person concerned, approves
    (the points reach the ledger) or rejects the request, with a reason."""
    decider = principal.require("committee")
    request = db.session.get(PointsRequest, request_id)
    if request is None:
        raise RequestNotFound()
    refusal = decision_refusal(principal, request)
    if refusal is not None:
        raise refusal
    why = _reason(reason)
    now = utcnow()
    values: dict[str, Any] = {
        "status": "approved" if approve else "rejected",
        "decided_by_id": decider.id,
        "decided_at": now,
        "decision_reason": why,
    }
    won = db.session.execute(
        db.update(PointsRequest)
        .where(PointsRequest.id == request.id, PointsRequest.status == "pending")
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    if won.rowcount != 1:
        raise RequestDecided()
    if approve:
        _write(request)
    db.session.refresh(request)
    return request


def requests_query(
    principal: Principal,
    status: str | None = None,
    branch_id: int | None = None,
    person_id: int | None = None,
):
    """A select of the requests the caller may read, newest first: the committee every
    request of its mine, a secretary those about members of their branches."""
    viewer = principal.require("secretary", "committee")
    stmt = db.select(PointsRequest).join(Person, Person.id == PointsRequest.person_id)
    if viewer.mine_id in principal.committee_of:
        stmt = stmt.where(PointsRequest.mine_id == viewer.mine_id)
    else:
        stmt = stmt.where(Person.branch_id.in_(principal.secretary_of))
    if status:
        stmt = stmt.where(PointsRequest.status == status)
    if branch_id is not None:
        stmt = stmt.where(Person.branch_id == branch_id)
    if person_id is not None:
        stmt = stmt.where(PointsRequest.person_id == person_id)
    return stmt.order_by(PointsRequest.requested_at.desc(), PointsRequest.id.desc())
