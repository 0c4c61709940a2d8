"""The member points ledger (党员积分): one row per event, never edited."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import UTCDateTime, db, utcnow
from models.people import Person

POINT_KINDS = ("wish_completed", "monthly_talks_done", "manual")


class PointsEntry(db.Model):
    __tablename__ = "points_entries"
    # An automatic award names what earned it (ref), so it can be made only once.
    __table_args__ = (UniqueConstraint("person_id", "kind", "ref"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    delta: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(32))
    reason: Mapped[str] = mapped_column(String(255))
    # "wish:<id>", "talks:<YYYY-MM>"; NULL for manual entries (NULLs never collide).
    ref: Mapped[str | None] = mapped_column(String(64))
    actor_person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)

    person: Mapped[Person] = relationship(foreign_keys=[person_id])
