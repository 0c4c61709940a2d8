"""Pairings when the roster moves people: ended when a person leaves (离职), moved with a member
who transferred once both branches agreed. Called by the roster inside its transaction."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import or_

from models import Pairing, db


def active_pairings_of(person_ids: set[int]) -> list[Pairing]:
    """The running pairings in which any of these people is the member or the employee."""
    ids = sorted(person_ids)
    found: dict[int, Pairing] = {}
    # Chunked: PostgreSQL takes at most 65,535 parameters in one statement.
    for i in range(0, len(ids), 5000):
        chunk = ids[i : i + 5000]
        for pairing in db.session.scalars(
            db.select(Pairing).where(
                Pairing.active.is_(True),
                or_(Pairing.member_id.in_(chunk), Pairing.employee_id.in_(chunk)),
            )
        ):
            found[pairing.id] = pairing
    return [found[k] for k in sorted(found)]


def end_pairing(pairing: Pairing, reason: str, actor_id: int | None, now: datetime) -> bool:
    """End a running pairing with a reason (history kept); False if it had already ended."""
    result = db.session.execute(
        db.update(Pairing)
        .where(Pairing.id == pairing.id, Pairing.active.is_(True))
        .values(active=None, ended_at=now, ended_by_id=actor_id, end_reason=reason)
        .execution_options(synchronize_session=False)
    )
    db.session.refresh(pairing)
    return result.rowcount == 1


def end_pairings_of_leavers(person_ids: set[int], now: datetime) -> list[Pairing]:
    """End every running pairing of people who left the mine: member_left / employee_left."""
    ended = []
    for pairing in active_pairings_of(person_ids):
        reason = "member_left" if pairing.member_id in person_ids else "employee_left"
        if end_pairing(pairing, reason, None, now):
            ended.append(pairing)
    return ended


def move_pairing(pairing: Pairing, branch_id: int, actor_id: int | None, now: datetime) -> Pairing:
    """Carry a running pairing over to the member's new branch: the old row ends with
    member_moved (the old branch keeps its history), a new one starts in `branch_id`."""
    if not end_pairing(pairing, "member_moved", actor_id, now):
        return pairing
    moved = Pairing(
        mine_id=pairing.mine_id,
        branch_id=branch_id,
        member_id=pairing.member_id,
        employee_id=pairing.employee_id,
        active=True,
        started_at=now,
        started_by_id=actor_id,
    )
    db.session.add(moved)
    db.session.flush()
    return moved
