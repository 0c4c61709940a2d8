"""What the pages read about member points beyond `points.ledger` and `points.requests`: the
branch ledger with a search, requests with their people, counts per status, what waits per
person, and the audited list. Plain arguments in, selects or rows out."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select
from sqlalchemy.orm import selectinload

from accounts.principal import Principal
from inputs import MAX_ID, contains
from models import Person, PointsRequest, db
from points import ledger, requests


def members_totals(mine_id: int, branch_id: int, period: ledger.Period, q: str = "") -> Select:
    """The branch ledger's rows (see `ledger.members_totals_query`), `q` in name or number."""
    stmt = ledger.members_totals_query(mine_id, branch_id, period)
    if q:
        stmt = stmt.where(contains(Person.name, q) | contains(Person.employee_no, q))
    return stmt


def all_members_totals(mine_id: int, branch_id: int, period: ledger.Period) -> list[Any]:
    """Every row of the branch ledger by employee number (the adjustment form's picker)."""
    stmt = ledger.members_totals_query(mine_id, branch_id, period)
    return list(db.session.execute(stmt.order_by(None).order_by(Person.employee_no)).all())


def with_people(stmt: Select) -> Select:
    """A request select with its person (and branch), author and decider loaded."""
    return stmt.options(
        selectinload(PointsRequest.person).selectinload(Person.branch),
        selectinload(PointsRequest.requested_by),
        selectinload(PointsRequest.decided_by),
    )


def status_counts(stmt: Select) -> dict[str, int]:
    """status → how many of a request select's rows (for the filter's tabs)."""
    sub = stmt.order_by(None).subquery()
    found = db.session.execute(db.select(sub.c.status, db.func.count()).group_by(sub.c.status))
    return {status: int(n) for status, n in found}


def pending_count(principal: Principal) -> int:
    """How many requests the caller may read wait for a committee decision."""
    stmt = requests.requests_query(principal, "pending").order_by(None)
    return int(db.session.scalar(db.select(db.func.count()).select_from(stmt.subquery())) or 0)


def pending_by_person(person_ids: list[int]) -> dict[int, tuple[int, int]]:
    """person id → (requests waiting, their sum) — what is asked but not yet on the ledger."""
    if not person_ids:
        return {}
    found = db.session.execute(
        db.select(PointsRequest.person_id, db.func.count(), db.func.sum(PointsRequest.delta))
        .where(PointsRequest.person_id.in_(person_ids), PointsRequest.status == "pending")
        .group_by(PointsRequest.person_id)
    )
    return {pid: (int(n), int(total or 0)) for pid, n, total in found}


def requests_about(
    principal: Principal, person_id: int, *, besides: int | None = None, limit: int = 20
) -> list[PointsRequest]:
    """The newest requests about a person the caller may read (`besides` left out)."""
    stmt = requests.requests_query(principal, person_id=person_id)
    if besides is not None:
        stmt = stmt.where(PointsRequest.id != besides)
    return list(db.session.scalars(with_people(stmt).limit(limit)).all())


def visible_request(principal: Principal, request_id: int) -> PointsRequest | None:
    """A request the caller may read (a secretary: their branches'; committee: the mine's)."""
    if not 0 < request_id <= MAX_ID:
        return None
    stmt = with_people(requests.requests_query(principal)).where(PointsRequest.id == request_id)
    return db.session.scalar(stmt)


def audited_requests(
    principal: Principal,
    status: str | None = None,
    branch_id: int | None = None,
    q: str = "",
    *,
    where: Any = None,
) -> Select:
    """Requests for the audit list: of a status and branch, `q` in the name or number of the
    person, or the name of its author or decider; `where` an extra condition (the campaign
    flag, which lives above points)."""
    stmt = requests.requests_query(principal, status, branch_id=branch_id)
    if where is not None:
        stmt = stmt.where(where)
    if q:
        author, decider = db.aliased(Person), db.aliased(Person)
        stmt = (
            stmt.outerjoin(author, author.id == PointsRequest.requested_by_id)
            .outerjoin(decider, decider.id == PointsRequest.decided_by_id)
            .where(
                contains(Person.name, q)
                | contains(Person.employee_no, q)
                | contains(author.name, q)
                | contains(decider.name, q)
            )
        )
    return stmt


# -- 待办 counts (registered with notifications.todo in points.init_app) -------------------------


def requests_to_approve_count(principal: Principal, now: Any) -> int | None:
    """Pending requests of the committee member's mines they may decide: not asked by them and
    not about their own points (None: not committee)."""
    if not principal.committee_of or principal.person_id is None:
        return None
    return int(
        db.session.scalar(
            db.select(db.func.count())
            .select_from(PointsRequest)
            .where(
                PointsRequest.mine_id.in_(principal.committee_of),
                PointsRequest.status == "pending",
                db.or_(
                    PointsRequest.requested_by_id.is_(None),
                    PointsRequest.requested_by_id != principal.person_id,
                ),
                PointsRequest.person_id != principal.person_id,
            )
        )
        or 0
    )
