"""Read-only views of a branch for the console: members against their limit, employees not yet
paired, and people with care flags (selects the caller pages and sorts)."""

from __future__ import annotations

from sqlalchemy import Select, or_

from inputs import contains
from models import CareFlags, Pairing, Person, Unit, db
from models.people import PARTY_STATUSES


def branch_members(branch_id: int, q: str = "") -> Select:
    """(Person, active pairings) for the party members of a branch."""
    active = (
        db.select(db.func.count())
        .select_from(Pairing)
        .where(Pairing.member_id == Person.id, Pairing.active.is_(True))
        .scalar_subquery()
        .label("active")
    )
    stmt = db.select(Person, active).where(
        Person.branch_id == branch_id, Person.political_status.in_(PARTY_STATUSES)
    )
    return _search(stmt, q)


def active_pairings_of(member_ids: list[int]) -> dict[int, list[Pairing]]:
    """The running pairings of some members, by member, oldest first (one query)."""
    if not member_ids:
        return {}
    rows = db.session.scalars(
        db.select(Pairing)
        .where(Pairing.member_id.in_(member_ids), Pairing.active.is_(True))
        .order_by(Pairing.started_at, Pairing.id)
    ).all()
    out: dict[int, list[Pairing]] = {}
    for p in rows:
        out.setdefault(p.member_id, []).append(p)
    return out


def unpaired_employees(branch_id: int, q: str = "") -> Select:
    """Employees (群众) of a branch with no running pairing."""
    paired = db.select(Pairing.employee_id).where(Pairing.active.is_(True))
    stmt = db.select(Person).where(
        Person.branch_id == branch_id,
        Person.political_status == "masses",
        Person.id.not_in(paired),
    )
    return _search(stmt, q)


def flagged_people(branch_id: int) -> Select:
    """(Person, CareFlags) of people of the branch (or of a unit it covers) with a care flag."""
    covered_units = db.select(Unit.id).where(Unit.branch_id == branch_id)
    return (
        db.select(Person, CareFlags)
        .join(CareFlags, CareFlags.person_id == Person.id)
        .where(
            or_(Person.branch_id == branch_id, Person.unit_id.in_(covered_units)),
            or_(CareFlags.ideological.is_(True), CareFlags.hardship.is_(True)),
        )
    )


def _search(stmt: Select, q: str) -> Select:
    q = (q or "").strip()
    if q:
        stmt = stmt.where(or_(contains(Person.name, q), contains(Person.employee_no, q)))
    return stmt
