"""People lookups every domain needs: the id bound of the 32-bit id columns, a person's branch,
their WeChat openid."""

from __future__ import annotations

from models import Account, Person, db

MAX_ID = 2**31 - 1  # the id columns are 32-bit on every backend; ids past it are not found


def branch_of(person: Person) -> int | None:
    """A person's Party branch: their own, else their unit's."""
    if person.branch_id is not None:
        return person.branch_id
    return person.unit.branch_id if person.unit is not None else None


def openid_of(person_id: int) -> str | None:
    """The WeChat openid bound to a roster person, if they have an account."""
    return db.session.scalar(db.select(Account.openid).where(Account.person_id == person_id))
