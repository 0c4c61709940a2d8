"""Care flags on employees (思想有波动 / 生活有困难), set by the secretary, with history."""

from __future__ import annotations

from accounts.principal import Principal
from models import CARE_FLAGS, CareFlagChange, CareFlags, Person, db, utcnow
from pairings.errors import PersonNotFound
from pairings.people import branches_of, get_person, lock_people


def care_flags_by_person(person_ids: list[int]) -> dict[int, list[str]]:
    """Current flags of many people in one query (people without flags are left out)."""
    if not person_ids:
        return {}
    rows = db.session.scalars(
        db.select(CareFlags).where(CareFlags.person_id.in_(set(person_ids)))
    ).all()
    return {r.person_id: r.flags for r in rows if r.flags}


def _unit_person(principal: Principal, person_id: int, *, write: bool) -> Person:
    """A person whose unit the caller's branch covers (committee may read its whole mine)."""
    actor = principal.require_bound()
    person = get_person(person_id, actor.mine_id)
    if person is None:
        raise PersonNotFound()
    if branches_of(person) & set(principal.secretary_of):
        return person
    if not write and person.mine_id in principal.committee_of:
        return person
    raise PersonNotFound()


def set_care_flags(
    principal: Principal, person_id: int, flags: list[str], note: str
) -> tuple[CareFlags, bool]:
    """Set a person's flags (secretary of their unit); returns (current, whether it changed)."""
    principal.require("secretary")
    person = _unit_person(principal, person_id, write=True)
    wanted = {f: f in flags for f in CARE_FLAGS}
    note = (note or "").strip()
    lock_people(person.id)  # two secretaries saving at once: one current row, two history rows
    current = db.session.get(CareFlags, person.id, populate_existing=True)
    if current is None:
        current = CareFlags(person_id=person.id, ideological=False, hardship=False, note="")
        db.session.add(current)
    elif all(getattr(current, f) == v for f, v in wanted.items()) and current.note == note:
        return current, False  # a retried PUT adds no history
    now = utcnow()
    for f, v in wanted.items():
        setattr(current, f, v)
    current.note, current.set_by_id, current.set_at = note, principal.person_id, now
    db.session.add(
        CareFlagChange(
            person_id=person.id, note=note, set_by_id=principal.person_id, at=now, **wanted
        )
    )
    db.session.flush()
    return current, True


def care_history(principal: Principal, person_id: int) -> tuple[Person, CareFlags | None, list]:
    """The person, their current flags and every change, newest first."""
    person = _unit_person(principal, person_id, write=False)
    current = db.session.get(CareFlags, person.id)
    changes = db.session.scalars(
        db.select(CareFlagChange)
        .where(CareFlagChange.person_id == person.id)
        .order_by(CareFlagChange.at.desc(), CareFlagChange.id.desc())
    ).all()
    return person, current, list(changes)
