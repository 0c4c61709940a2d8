"""Roster look-ups and row locks shared by the pairings services."""

from __future__ import annotations

from models import Person, Unit, db


def get_person(person_id: int, mine_id: int) -> Person | None:
    """A roster person of that mine, or None."""
    person = db.session.get(Person, person_id)
    if person is None or person.mine_id != mine_id:
        return None
    return person


def lock_people(*person_ids: int) -> dict[int, Person]:
    """Lock people rows (SELECT … FOR UPDATE) in id order, so two lockers never deadlock.

    Everything that must not interleave for one member — counting their pairings, their
    month's talks and points — takes this lock first. SQLite already serialises writers
    (BEGIN IMMEDIATE) and ignores FOR UPDATE.
    """
    locked: dict[int, Person] = {}
    for pid in sorted(set(person_ids)):
        locked[pid] = db.session.scalars(
            db.select(Person)
            .where(Person.id == pid)
            # FOR NO KEY UPDATE on PostgreSQL: rows that merely reference the person (a ballot,
            # a wish) are not blocked by it; MariaDB takes FOR UPDATE.
            .with_for_update(key_share=True)
            .execution_options(populate_existing=True)
        ).one()
    return locked


def unit_branch_id(person: Person) -> int | None:
    """The branch covering the person's unit (the secretary of an employee's unit)."""
    return db.session.scalar(db.select(Unit.branch_id).where(Unit.id == person.unit_id))


def branches_of(person: Person) -> set[int]:
    """The branches a person belongs to: their own and the one covering their unit."""
    return {b for b in (person.branch_id, unit_branch_id(person)) if b is not None}
