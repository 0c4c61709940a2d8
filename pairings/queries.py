"""What the secretary's and committee's pages read about pairings and talks beyond
`pairings.overview`: the flagged people of a branch, every member and unpaired employee for the
pickers, and the talk-record access log. Plain arguments in, selects or rows out."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select

from accounts.principal import Principal
from inputs import contains
from models import Person, Talk, TalkAccess, db
from pairings import overview, talks


def flagged_people(branch_id: int, limit: int = 20) -> list[Any]:
    """Rows of the branch's people with care flags, by employee number."""
    stmt = overview.flagged_people(branch_id).order_by(Person.employee_no).limit(limit)
    return list(db.session.execute(stmt).all())


def all_members(branch_id: int) -> list[Any]:
    """Rows (member, active pairings) of every party member of the branch, for a picker."""
    stmt = overview.branch_members(branch_id).order_by(Person.employee_no)
    return list(db.session.execute(stmt).all())


def all_unpaired(branch_id: int, limit: int = 1000) -> list[Person]:
    """The branch's employees without a pairing, for a picker."""
    stmt = overview.unpaired_employees(branch_id).order_by(Person.employee_no).limit(limit)
    return list(db.session.scalars(stmt).all())


def talk_reads(principal: Principal, talk_id: int | None = None, q: str = "") -> Select:
    """Rows (access, viewer, talk) of the talk-record reads the committee member may audit."""
    stmt = (
        db.select(TalkAccess, Person, Talk)
        .join(Person, Person.id == TalkAccess.viewer_id)
        .join(Talk, Talk.id == TalkAccess.talk_id)
        .where(talks.access_log_query(principal).whereclause)
    )
    if talk_id:
        stmt = stmt.where(TalkAccess.talk_id == talk_id)
    if q:
        stmt = stmt.where(contains(Person.name, q) | contains(Person.employee_no, q))
    return stmt


# -- 待办 counts (registered with notifications.todo in pairings.init_app) -----------------------


def talks_due_count(p: Principal, now: Any) -> int | None:
    """Talks the caller still owes this month as a paired member (None: not paired)."""
    from models import Pairing
    from pairings.compliance import month_statuses
    from pairings.months import month_of

    if p.person_id is None:
        return None
    paired = db.session.scalar(
        db.select(db.func.count())
        .select_from(Pairing)
        .where(Pairing.member_id == p.person_id, Pairing.active.is_(True))
    )
    if not paired:
        return None
    status = month_statuses([p.person_id], month_of(now))[p.person_id]
    if status.status == "no_one_to_care":
        return 0
    return max(status.required - status.done, 0)
