"""Lists of wishes for each audience, and monthly counts for secretaries and committee."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Select, or_, select

from accounts.principal import Principal
from clock import SHANGHAI
from domain_errors import Forbidden, InvalidInput
from inputs import contains
from models import WISH_STATUSES, Branch, Person, Wish, db
from wishes.states import PUBLIC_STATUSES


def public_pool(
    p: Principal, status: str = "open", category: str | None = None, branch_id: int | None = None
) -> Select:
    """The mine's public wishes (default: open, the pool members claim from), newest first."""
    person = p.require_bound()
    if status not in PUBLIC_STATUSES:
        raise InvalidInput(errors={"status": [f"公开列表只支持 {', '.join(PUBLIC_STATUSES)}"]})
    stmt = select(Wish).where(Wish.mine_id == person.mine_id, Wish.status == status)
    if category:
        stmt = stmt.where(Wish.category == category)
    if branch_id:
        stmt = stmt.where(Wish.branch_id == branch_id)
    return stmt.order_by(Wish.created_at.desc(), Wish.id.desc())


def my_wishes(p: Principal, status: str | None = None) -> Select:
    """Wishes I made, or posted for someone else."""
    person = p.require_bound()
    stmt = select(Wish).where(or_(Wish.wisher_id == person.id, Wish.author_id == person.id))
    if status:
        stmt = stmt.where(Wish.status == status)
    return stmt.order_by(Wish.created_at.desc(), Wish.id.desc())


def my_claims(p: Principal, status: str | None = None) -> Select:
    """Wishes I claim now or fulfilled (a released or expired claim is no longer mine)."""
    person = p.require_bound()
    stmt = select(Wish).where(Wish.claimer_id == person.id)
    if status:
        stmt = stmt.where(Wish.status == status)
    return stmt.order_by(Wish.claimed_at.desc(), Wish.id.desc())


def managed_scope(p: Principal, branch_id: int | None) -> Select:
    """Wishes of one branch (secretary of it, or committee of its mine) or, without a branch,
    of every branch the caller manages."""
    p.require("secretary", "committee")
    stmt = select(Wish)
    if branch_id is not None:
        branch = db.session.get(Branch, branch_id)
        if branch is None or not p.manages_branch(branch.id, branch.mine_id):
            raise Forbidden("只能查看本支部（或本矿）的心愿")
        return stmt.where(Wish.branch_id == branch_id)
    conditions = []
    if p.secretary_of:
        conditions.append(Wish.branch_id.in_(p.secretary_of))
    if p.committee_of:
        conditions.append(Wish.mine_id.in_(p.committee_of))
    return stmt.where(or_(*conditions))


def month_bounds(month: str) -> tuple[datetime, datetime]:
    """[start, end) of a YYYY-MM calendar month in China time."""
    try:
        year, mon = (int(x) for x in month.split("-"))
        start = datetime(year, mon, 1, tzinfo=SHANGHAI)
    except ValueError as exc:
        raise InvalidInput(errors={"month": ["格式为 YYYY-MM"]}) from exc
    end = datetime(year + (mon == 12), mon % 12 + 1, 1, tzinfo=SHANGHAI)
    return start, end


def managed(
    p: Principal,
    branch_id: int | None = None,
    status: str | None = None,
    month: str | None = None,
    category: str | None = None,
) -> Select:
    """The management list: filter by branch, status, posting month, category."""
    stmt = managed_scope(p, branch_id)
    if status:
        if status not in WISH_STATUSES:
            raise InvalidInput(errors={"status": ["未知状态"]})
        stmt = stmt.where(Wish.status == status)
    if category:
        stmt = stmt.where(Wish.category == category)
    if month:
        start, end = month_bounds(month)
        stmt = stmt.where(Wish.created_at >= start, Wish.created_at < end)
    return stmt.order_by(Wish.created_at.desc(), Wish.id.desc())


def _month_key(at: datetime) -> str:
    return at.astimezone(SHANGHAI).strftime("%Y-%m")


def monthly_counts(p: Principal, year: int, branch_id: int | None = None) -> list[dict[str, Any]]:
    """Per China-time month of `year`: wishes posted (by current status), claimed, completed."""
    start = datetime(year, 1, 1, tzinfo=SHANGHAI)
    end = datetime(year + 1, 1, 1, tzinfo=SHANGHAI)
    scope = managed_scope(p, branch_id).subquery()
    rows = db.session.execute(
        select(scope.c.created_at, scope.c.status, scope.c.claimed_at, scope.c.completed_at).where(
            or_(
                (scope.c.created_at >= start) & (scope.c.created_at < end),
                (scope.c.completed_at >= start) & (scope.c.completed_at < end),
            )
        )
    ).all()
    posted: dict[str, Counter] = defaultdict(Counter)
    completed: Counter = Counter()
    for created_at, status, _claimed_at, completed_at in rows:
        if start <= created_at < end:
            posted[_month_key(created_at)][status] += 1
        if completed_at is not None and start <= completed_at < end:
            completed[_month_key(completed_at)] += 1
    out = []
    for mon in range(1, 13):
        key = date(year, mon, 1).strftime("%Y-%m")
        by_status = {s: posted[key].get(s, 0) for s in WISH_STATUSES}
        out.append(
            {
                "month": key,
                "posted": sum(by_status.values()),
                "completed": completed.get(key, 0),
                "by_status": by_status,
            }
        )
    return out


def waiting_for_review(mine_id: int) -> int:
    """How many wishes of the mine wait for a secretary's review."""
    return int(
        db.session.scalar(
            select(db.func.count())
            .select_from(Wish)
            .where(Wish.mine_id == mine_id, Wish.status == "pending_review")
        )
        or 0
    )


def managed_matching(
    p: Principal,
    branch_id: int | None = None,
    status: str | None = None,
    month: str | None = None,
    category: str | None = None,
    q: str = "",
) -> Select:
    """The management list (see `managed`), with `q` in the title or the wisher's name."""
    stmt = managed(p, branch_id, status, month, category)
    if q:
        stmt = stmt.where(contains(Wish.title, q) | Wish.wisher.has(contains(Person.name, q)))
    return stmt


def wishes_of(stmt: Select) -> list[Wish]:
    """The wishes a select of this module finds."""
    return list(db.session.scalars(stmt).all())


def review_queue(p: Principal, branch_id: int, limit: int = 5) -> tuple[list[Wish], int]:
    """The first wishes of the branch waiting for review, and how many wait."""
    pending = managed(p, branch_id, "pending_review")
    count = db.session.scalar(
        select(db.func.count()).select_from(pending.order_by(None).subquery())
    )
    return list(db.session.scalars(pending.limit(limit)).all()), int(count or 0)


def claims_due(p: Principal, branch_id: int, by: datetime, limit: int = 10) -> list[Wish]:
    """The branch's claimed wishes whose claim deadline falls by `by`, soonest first."""
    stmt = (
        managed(p, branch_id, "claimed")
        .where(Wish.claim_deadline <= by)
        .order_by(None)
        .order_by(Wish.claim_deadline)
        .limit(limit)
    )
    return list(db.session.scalars(stmt).all())


# -- 待办 counts (registered with notifications.todo in wishes.init_app) -------------------------


def to_review_count(p: Principal, now: datetime) -> int | None:
    """Wishes of the secretary's branches waiting for their review (None: not a secretary)."""
    if not p.secretary_of:
        return None
    return int(
        db.session.scalar(
            select(db.func.count())
            .select_from(Wish)
            .where(Wish.branch_id.in_(p.secretary_of), Wish.status == "pending_review")
        )
        or 0
    )


def claims_near_deadline_count(p: Principal, now: datetime, days: int) -> int | None:
    """The caller's claims whose deadline falls within `days` (overdue ones included)."""
    if p.person_id is None:
        return None
    return int(
        db.session.scalar(
            select(db.func.count())
            .select_from(Wish)
            .where(
                Wish.claimer_id == p.person_id,
                Wish.status == "claimed",
                Wish.claim_deadline <= now + timedelta(days=days),
            )
        )
        or 0
    )
