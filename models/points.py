"""The member points ledger (党员积分): one row per event, never edited; and the requests for
manual adjustments, which reach the ledger only when another committee member approves them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import UTCDateTime, db, utcnow
from models.people import Person

POINT_KINDS = ("wish_completed", "monthly_talks_done", "manual", "apprenticeship_passed")
REQUEST_STATUSES = ("pending", "approved", "rejected")


class PointsEntry(db.Model):
    __tablename__ = "points_entries"
    # An automatic award names what earned it (ref), so it can be made only once.
    __table_args__ = (UniqueConstraint("person_id", "kind", "ref"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    delta: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(32))
    reason: Mapped[str] = mapped_column(String(255))
    # "wish:<id>", "talks:<YYYY-MM>", "request:<id>" (an approved manual adjustment).
    ref: Mapped[str | None] = mapped_column(String(64))
    actor_person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)

    person: Mapped[Person] = relationship(foreign_keys=[person_id])


class PointsRequest(db.Model):
    """A manual adjustment asked for by a secretary or committee member (pending), decided by
    a committee member of the mine who is neither its author nor the person it is about."""

    __tablename__ = "points_requests"
    __table_args__ = (Index("ix_points_requests_mine_status", "mine_id", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    mine_id: Mapped[int] = mapped_column(ForeignKey("mines.id"))
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    delta: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(String(255))
    status: Mapped[str] = mapped_column(String(16), default="pending")
    # NULL only for adjustments made before requests existed (backfilled, approved).
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decision_reason: Mapped[str | None] = mapped_column(String(255))
    entry_id: Mapped[int | None] = mapped_column(ForeignKey("points_entries.id"))

    person: Mapped[Person] = relationship(foreign_keys=[person_id])
    requested_by: Mapped[Person | None] = relationship(foreign_keys=[requested_by_id])
    decided_by: Mapped[Person | None] = relationship(foreign_keys=[decided_by_id])
