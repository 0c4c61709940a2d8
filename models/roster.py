"""What the roster leaves for people to decide (pairings that a transfer made cross branches)
and the record of who was marked as left (离职), by whom and how."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import UTCDateTime, db, utcnow
from models.pairings import Pairing

# member_moved / employee_moved: who of the two the roster moved (both: the member).
REVIEW_CAUSES = ("member_moved", "employee_moved")
# kept: both sides confirmed; ended: a side ended the pairing; resolved: it no longer crosses
# branches (someone moved back) or ended some other way.
REVIEW_OUTCOMES = ("kept", "ended", "resolved")


class PairingReview(db.Model):
    """A running pairing whose member and employee now belong to different branches.

    Listed for the secretaries of both branches, who each confirm it (it goes on) or end it.
    """

    __tablename__ = "pairing_reviews"
    # `open` is TRUE while undecided and NULL once closed: at most one open review per pairing
    # on every backend (NULLs never collide; MariaDB has no partial indexes).
    __table_args__ = (UniqueConstraint("pairing_id", "open"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    mine_id: Mapped[int] = mapped_column(ForeignKey("mines.id"), index=True)
    pairing_id: Mapped[int] = mapped_column(ForeignKey("pairings.id"), index=True)
    cause: Mapped[str] = mapped_column(String(16))
    member_branch_id: Mapped[int] = mapped_column(ForeignKey("branches.id"), index=True)
    employee_branch_id: Mapped[int] = mapped_column(ForeignKey("branches.id"), index=True)
    open: Mapped[bool | None] = mapped_column(Boolean, default=True)
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    member_side_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    member_side_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    employee_side_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    employee_side_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    outcome: Mapped[str | None] = mapped_column(String(16))

    pairing: Mapped[Pairing] = relationship()


# left: marked as left (离职); returned: back on a later roster.
LEAVE_ACTIONS = ("left", "returned")
# import: a roster import (people missing from the file, marked on purpose) or a later roster
# that names them again; single: one person marked between imports (console, API, CLI).
LEAVE_SOURCES = ("import", "single")


class LeaveRecord(db.Model):
    """One person marked as left, or back on the roster: when, how, and by whom (NULL: the CLI
    or a job acting for nobody in particular). The committee's audit reads it."""

    __tablename__ = "roster_leaves"

    id: Mapped[int] = mapped_column(primary_key=True)
    mine_id: Mapped[int] = mapped_column(ForeignKey("mines.id"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    action: Mapped[str] = mapped_column(String(8))
    source: Mapped[str] = mapped_column(String(8))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
