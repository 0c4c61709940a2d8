"""What the committee's pages read about the roster: people of the mine with their accounts,
branches, one person or mine, and who was marked as left. Plain arguments in, selects or rows
out."""

from __future__ import annotations

from sqlalchemy import Select
from sqlalchemy.orm import joinedload

from inputs import MAX_ID, contains
from models import Account, Branch, LeaveRecord, Mine, Person, db
from roster import transfers


def people(
    mine_id: int,
    *,
    q: str = "",
    branch_id: int | None = None,
    status: str = "",
    bound: str = "",
    presence: str = "present",
) -> Select:
    """Rows (person, account or None) of the mine's roster: `q` in the name or employee number
    (or the last digits of the phone), a branch, a political status, bound "yes"/"no", and
    presence "present" (在册), "left" or "all"."""
    stmt = (
        db.select(Person, Account)
        .outerjoin(Account, Account.person_id == Person.id)
        .where(Person.mine_id == mine_id)
        .options(joinedload(Person.unit), joinedload(Person.group), joinedload(Person.branch))
    )
    if q:
        found = contains(Person.name, q) | contains(Person.employee_no, q)
        if q.isascii() and q.isdigit() and len(q) <= 4:
            # Only the last four digits are shown: a search by phone reveals no more.
            found = found | Person.phone.like(f"%{q}")
        stmt = stmt.where(found)
    if branch_id:
        stmt = stmt.where(Person.branch_id == branch_id)
    if status:
        stmt = stmt.where(Person.political_status == status)
    if bound:
        stmt = stmt.where(Account.id.is_not(None) if bound == "yes" else Account.id.is_(None))
    if presence != "all":
        stmt = stmt.where(
            Person.left_at.is_(None) if presence == "present" else Person.left_at.is_not(None)
        )
    return stmt


def branches_of_mine(mine_id: int) -> list[Branch]:
    """The mine's branches by name."""
    return list(
        db.session.scalars(
            db.select(Branch).where(Branch.mine_id == mine_id).order_by(Branch.name)
        ).all()
    )


def person(person_id: int) -> Person | None:
    """A person by id (None for an id out of the columns' range)."""
    return db.session.get(Person, person_id) if 0 < person_id <= MAX_ID else None


def person_of_mine(person_id: int, mine_id: int) -> Person | None:
    """A person of the mine by id, or None."""
    found = person(person_id)
    return found if found is not None and found.mine_id == mine_id else None


def mine(mine_id: int) -> Mine | None:
    return db.session.get(Mine, mine_id)


def leave_records(mine_id: int, action: str = "", q: str = "") -> Select:
    """Rows (record, person, actor or None) of people marked as left, or back, on the mine."""
    actor = db.aliased(Person)
    stmt = (
        db.select(LeaveRecord, Person, actor)
        .join(Person, Person.id == LeaveRecord.person_id)
        .outerjoin(actor, actor.id == LeaveRecord.actor_id)
        .where(LeaveRecord.mine_id == mine_id)
    )
    if action:
        stmt = stmt.where(LeaveRecord.action == action)
    if q:
        stmt = stmt.where(contains(Person.name, q) | contains(Person.employee_no, q))
    return stmt


def review_count(branch: Branch) -> int:
    """How many pairing reviews after a transfer the branch has ever had."""
    stmt = transfers.branch_reviews(branch, "all").order_by(None)
    return int(db.session.scalar(db.select(db.func.count()).select_from(stmt.subquery())) or 0)
