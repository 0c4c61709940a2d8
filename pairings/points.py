"""The points ledger: awarding points and reading totals."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.exc import IntegrityError

from models import POINT_KINDS, PointsEntry, db


def award(
    person_id: int,
    delta: int,
    kind: str,
    reason: str,
    ref: str | None = None,
    actor_person_id: int | None = None,
) -> PointsEntry | None:
    """Add a ledger entry; an automatic award (with ref) is made once, a repeat returns None."""
    if kind not in POINT_KINDS:
        raise ValueError(f"unknown points kind {kind!r}")
    entry = PointsEntry(
        person_id=person_id,
        delta=delta,
        kind=kind,
        reason=reason[:255],
        ref=ref,
        actor_person_id=actor_person_id,
    )
    try:
        with db.session.begin_nested():
            db.session.add(entry)
            db.session.flush()
    except IntegrityError:
        return None
    return entry


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
