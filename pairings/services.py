"""Pairings (一带三/一带五): set by the branch secretary, ended with history kept."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy.orm import Session, attributes

from accounts.principal import Principal
from domain_errors import NotFound
from models import Pairing, Person, Talk, db, utcnow
from models.people import PARTY_STATUSES
from models.unit_of_work import insert_once
from pairings import compliance
from pairings.care import care_flags_by_person
from pairings.errors import (
    AlreadyPaired,
    EmployeeAlreadyPaired,
    NotAMember,
    NotAnEmployee,
    NotInBranch,
    PairingLimit,
    PersonHasLeft,
    PersonNotFound,
)
from pairings.months import month_of
from pairings.people import get_person, lock_people

MEMBER_LIMIT = 3
CADRE_LIMIT = 5


def limit_for(member: Person) -> int:
    """一带三 for an ordinary member, 一带五 for a cadre."""
    return CADRE_LIMIT if member.is_cadre else MEMBER_LIMIT


def active_count(member_id: int) -> int:
    """How many employees the member is paired with now."""
    return db.session.scalar(
        db.select(db.func.count())
        .select_from(Pairing)
        .where(Pairing.member_id == member_id, Pairing.active.is_(True))
    )


def create_pairing(principal: Principal, member_id: int, employee_id: int) -> Pairing:
    """Pair a party member of the secretary's branch with an employee of the same branch."""
    actor = principal.require("secretary")
    member = get_person(member_id, actor.mine_id)
    employee = get_person(employee_id, actor.mine_id)
    if member is None or member.branch_id not in principal.secretary_of:
        raise PersonNotFound(errors={"member_id": ["不是本支部的党员"]})
    if employee is None:
        raise PersonNotFound(errors={"employee_id": ["花名册中没有这名职工"]})
    # The limit is counted under the member's row lock, so simultaneous requests from several
    # secretaries (or retries) cannot all see "2 of 3" and each add one. The secretary's own row
    # is locked too, in the same id order: the new pairing references it (started_by), and two
    # secretaries who are members pairing each other would otherwise each hold the row the
    # other's foreign-key check waits for (a deadlock).
    locked = lock_people(member.id, employee.id, actor.id)
    member, employee = locked[member.id], locked[employee.id]
    for who, field in ((member, "member_id"), (employee, "employee_id")):
        if who.left_at is not None:
            raise PersonHasLeft(errors={field: [f"{who.name} 已离职"]})
    if member.political_status not in PARTY_STATUSES:
        raise NotAMember(errors={"member_id": ["须为党员或预备党员"]})
    if employee.political_status != "masses":
        raise NotAnEmployee(errors={"employee_id": ["须为职工群众"]})
    if employee.branch_id != member.branch_id:
        raise NotInBranch(errors={"employee_id": ["职工须与党员属于同一支部"]})
    current = db.session.scalar(
        db.select(Pairing).where(Pairing.employee_id == employee.id, Pairing.active.is_(True))
    )
    if current is not None:
        raise AlreadyPaired() if current.member_id == member.id else EmployeeAlreadyPaired()
    if active_count(member.id) >= limit_for(member):
        raise PairingLimit(limit=limit_for(member))
    pairing = Pairing(
        mine_id=member.mine_id,
        branch_id=member.branch_id,
        member_id=member.id,
        employee_id=employee.id,
        active=True,
        started_at=utcnow(),
        started_by_id=actor.id,
    )
    if not insert_once(pairing):  # the unique (employee, active) is the last line
        raise EmployeeAlreadyPaired()
    return pairing


def end_pairing(principal: Principal, pairing_id: int) -> Pairing:
    """End a pairing of the secretary's branch; ending it again is a no-op (history kept)."""
    principal.require("secretary")
    pairing = db.session.get(Pairing, pairing_id)
    if pairing is None or pairing.branch_id not in principal.secretary_of:
        raise NotFound()
    db.session.execute(
        db.update(Pairing)
        .where(Pairing.id == pairing.id, Pairing.active.is_(True))
        .values(active=None, ended_at=utcnow(), ended_by_id=principal.person_id, end_reason="ended")
        .execution_options(synchronize_session=False)
    )
    db.session.refresh(pairing)
    return pairing


def visible_pairings(principal: Principal, branch_id: int):
    """A select of the branch's pairings (history included) for its secretary or committee."""
    return db.select(Pairing).where(Pairing.branch_id == branch_id)


def filter_pairings(stmt, status: str = "active", member_id=None, employee_id=None):
    """Narrow a pairings select by status (active/ended/all), member and employee."""
    if status == "active":
        stmt = stmt.where(Pairing.active.is_(True))
    elif status == "ended":
        stmt = stmt.where(Pairing.active.is_(None))
    if member_id is not None:
        stmt = stmt.where(Pairing.member_id == member_id)
    if employee_id is not None:
        stmt = stmt.where(Pairing.employee_id == employee_id)
    return stmt


@dataclass
class MyPairings:
    limit: int
    employees: list[dict]
    month: dict


def my_pairings(member: Person, now: datetime | None = None) -> MyPairings:
    """The member's paired employees with care flags and last talk, and this month's count."""
    now = now or utcnow()
    pairings = db.session.scalars(
        db.select(Pairing)
        .where(Pairing.member_id == member.id, Pairing.active.is_(True))
        .order_by(Pairing.started_at, Pairing.id)
    ).all()
    employee_ids = [p.employee_id for p in pairings]
    flags = care_flags_by_person(employee_ids)
    last = dict(
        db.session.execute(
            db.select(Talk.employee_id, db.func.max(Talk.talked_at))
            .where(
                Talk.member_id == member.id,
                Talk.employee_id.in_(employee_ids),
                Talk.corrected_by_id.is_(None),
            )
            .group_by(Talk.employee_id)
        ).all()
    )
    month = month_of(now)
    status = compliance.month_statuses([member.id], month)[member.id]
    return MyPairings(
        limit=limit_for(member),
        employees=[
            {
                "pairing_id": p.id,
                "employee_id": p.employee_id,
                "name": p.employee.name,
                "employee_no": p.employee.employee_no,
                "unit": p.employee.unit.name,
                "flags": flags.get(p.employee_id, []),
                "last_talk_at": _aware(last.get(p.employee_id)),
                "since": p.started_at,
            }
            for p in pairings
        ],
        month={
            "month": month,
            "required": status.required,
            "done": status.done,
            "status": status.status,
            "basis": status.basis,
        },
    )


def _aware(value: datetime | None) -> datetime | None:
    # An aggregate (MAX) bypasses the column type, so the naive UTC value comes back as stored.
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value


# --- members who leave the party: their pairings end, the history stays ------------------


def _changed(obj: Person, name: str) -> tuple[bool, object]:
    hist = attributes.get_history(obj, name)
    if not hist.added:
        return False, None
    old = hist.deleted[0] if hist.deleted else None
    new = hist.added[0]
    return old != new, new


def end_pairings_of_members_who_left_the_party(session: Session, _context, _instances) -> None:
    """End the pairings of members whom the roster no longer lists as party members.

    Runs on every ORM flush (the roster import, admin edits: a before_flush listener that
    pairings.init_app installs), so no caller can forget it; the ended rows keep who was paired
    with whom and why it ended. (A transfer to another branch
    does not end a pairing: the roster lists it for both secretaries, see roster/transfers.py.)
    """
    left: set[int] = set()
    for obj in session.dirty:
        if not isinstance(obj, Person):
            continue
        status_changed, status = _changed(obj, "political_status")
        if status_changed and status not in PARTY_STATUSES:
            left.add(obj.id)
    if not left:
        return
    now = utcnow()
    with session.no_autoflush:
        pairings = session.scalars(
            db.select(Pairing).where(Pairing.active.is_(True), Pairing.member_id.in_(left))
        ).all()
        for pairing in pairings:
            pairing.active, pairing.ended_at = None, now
            pairing.end_reason = "member_left_party"
