"""The points ledger: awarding points, periods, and reading totals and entries."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime

from clock import SHANGHAI
from models import POINT_KINDS, Person, PointsEntry, db, utcnow
from models.people import PARTY_STATUSES
from models.unit_of_work import insert_once
from points import rulebook
from points.errors import InvalidPeriod


def award(
    person_id: int,
    delta: int | None,
    kind: str,
    reason: str,
    ref: str | None = None,
    actor_person_id: int | None = None,
    *,
    at: datetime | None = None,
    rule_code: str | None = None,
) -> PointsEntry | None:
    """Add a ledger entry under the mine's rule for `kind` in force on `at` (now by default):
    delta None takes the rule's points (no rule in force: nothing is written); a positive
    amount is cut to the rule's cap, and the entry keeps what it would have been. An automatic
    award (with ref) is made once, a repeat returns None."""
    if kind not in POINT_KINDS:
        raise ValueError(f"unknown points kind {kind!r}")
    at = at or utcnow()
    mine_id = db.session.scalar(db.select(Person.mine_id).where(Person.id == person_id))
    rule = rulebook.rule_for(mine_id, kind, at, rule_code) if mine_id is not None else None
    if delta is None:
        if rule is None or rule.points is None:
            return None
        delta = rule.points
    capped_from = None
    if rule is not None and rule.cap is not None and delta > 0:
        # one award at a time per person, so two capped awards at once cannot both fit
        db.session.execute(
            db.select(Person.id).where(Person.id == person_id).with_for_update()
        ).all()
        delta, capped_from = rulebook.capped(rule, person_id, delta, at)
        if capped_from is not None:
            reason = f"{reason}（已达{_CAP_WORDS[rule.cap_period]}上限 {rule.cap} 分）"
    entry = PointsEntry(
        person_id=person_id,
        delta=delta,
        kind=kind,
        reason=reason[:255],
        ref=ref,
        actor_person_id=actor_person_id,
        at=at,
        rule_id=rule.id if rule is not None else None,
        rule_code=rule.code if rule is not None else None,
        capped_from=capped_from,
    )
    return entry if insert_once(entry) else None


_CAP_WORDS = {"month": "当月", "quarter": "当季", "year": "当年"}


def rule_points(person_id: int, kind: str, at: datetime | None = None) -> int | None:
    """What the person's mine's rule for `kind` gives on `at` (None: no rule in force)."""
    mine_id = db.session.scalar(db.select(Person.mine_id).where(Person.id == person_id))
    if mine_id is None:
        return None
    rule = rulebook.rule_for(mine_id, kind, at or utcnow())
    return rule.points if rule is not None else None


def totals(
    person_ids: list[int], since: datetime | None = None, until: datetime | None = None
) -> dict[int, int]:
    """Sum of points per person over [since, until) — what the 六大员 results read."""
    if not person_ids:
        return {}
    stmt = (
        db.select(PointsEntry.person_id, db.func.coalesce(db.func.sum(PointsEntry.delta), 0))
        .where(PointsEntry.person_id.in_(person_ids))
        .group_by(PointsEntry.person_id)
    )
    if since is not None:
        stmt = stmt.where(PointsEntry.at >= since)
    if until is not None:
        stmt = stmt.where(PointsEntry.at < until)
    found = {pid: int(total) for pid, total in db.session.execute(stmt)}
    return {pid: found.get(pid, 0) for pid in person_ids}


# --- periods and the ledger views ---------------------------------------------------------


@dataclass
class Period:
    """A reporting period: "2025", "2025-Q2", "2025-06" or "all", as UTC bounds."""

    key: str
    since: datetime | None
    until: datetime | None


PERIOD_RE = re.compile(r"(20[0-9]{2}|2100)(?:-(0[1-9]|1[0-2])|-Q([1-4]))?")


def _month_start(year: int, month: int) -> datetime:
    """The first instant of a Shanghai calendar month, in UTC (month 13: next January)."""
    year, month = year + (month - 1) // 12, (month - 1) % 12 + 1
    return datetime(year, month, 1, tzinfo=SHANGHAI).astimezone(UTC)


def parse_period(value: str | None, now: datetime | None = None) -> Period:
    """A period from its key (years 2000..2100, ASCII digits); the current Shanghai year when
    none is given."""
    if not value:
        value = str((now or utcnow()).astimezone(SHANGHAI).year)
    if value == "all":
        return Period("all", None, None)
    m = PERIOD_RE.fullmatch(value)
    if not m:
        raise InvalidPeriod(errors={"period": ["格式应为 YYYY、YYYY-Qn、YYYY-MM 或 all"]})
    year = int(m.group(1))
    if m.group(2):
        first, months = int(m.group(2)), 1
    elif m.group(3):
        first, months = (int(m.group(3)) - 1) * 3 + 1, 3
    else:
        first, months = 1, 12
    return Period(value, _month_start(year, first), _month_start(year, first + months))


def in_period(stmt, period: Period):
    """Narrow a PointsEntry select to a period."""
    if period.since is not None:
        stmt = stmt.where(PointsEntry.at >= period.since)
    if period.until is not None:
        stmt = stmt.where(PointsEntry.at < period.until)
    return stmt


def ledger(person_id: int, period: Period) -> tuple[int, list[PointsEntry]]:
    """A person's total and entries (newest first) over a period."""
    entries = db.session.scalars(
        in_period(
            db.select(PointsEntry).where(PointsEntry.person_id == person_id), period
        ).order_by(PointsEntry.at.desc(), PointsEntry.id.desc())
    ).all()
    return sum(e.delta for e in entries), list(entries)


def members_totals_query(mine_id: int, branch_id: int | None, period: Period):
    """A select of (Person, total, talks, wishes, manual) for the party members of a mine or
    branch over a period, best first — the 六大员 `points` half and the ledger export read it."""

    def kind_sum(kind: str | None):
        value = (
            PointsEntry.delta
            if kind is None
            else db.case((PointsEntry.kind == kind, PointsEntry.delta), else_=0)
        )
        return db.func.sum(value)

    sums = in_period(
        db.select(
            PointsEntry.person_id.label("person_id"),
            kind_sum(None).label("total"),
            kind_sum("monthly_talks_done").label("talks"),
            kind_sum("wish_completed").label("wishes"),
            kind_sum("manual").label("manual"),
        ).group_by(PointsEntry.person_id),
        period,
    ).subquery()
    total = db.func.coalesce(sums.c.total, 0)
    stmt = (
        db.select(
            Person,
            total.label("total"),
            db.func.coalesce(sums.c.talks, 0).label("talks"),
            db.func.coalesce(sums.c.wishes, 0).label("wishes"),
            db.func.coalesce(sums.c.manual, 0).label("manual"),
        )
        .outerjoin(sums, sums.c.person_id == Person.id)
        .where(Person.mine_id == mine_id, Person.political_status.in_(PARTY_STATUSES))
        .order_by(total.desc(), Person.employee_no)
    )
    if branch_id is not None:
        stmt = stmt.where(Person.branch_id == branch_id)
    return stmt
