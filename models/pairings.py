"""一带三/一带五 pairings, care flags, heart-to-heart talk records, their access log and the
monthly reminder ledger."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import (
    Boolean,
    Date,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import UTCDateTime, db, utcnow
from models.people import Person

if TYPE_CHECKING:
    from models.wishes import Wish

TALK_MODES = ("face_to_face", "talk_room", "heart_station", "home_visit", "phone", "wechat")
CARE_FLAGS = ("ideological", "hardship")
# ended: by a secretary; the others are recorded when the roster moves a person away
# (member_moved / employee_moved: a secretary ended it after a transfer, or it was moved to the
# member's new branch) or when a person leaves the party or the mine (离职).
PAIRING_END_REASONS = (
    "ended",
    "member_moved",
    "employee_moved",
    "member_left_party",
    "member_left",
    "employee_left",
)
TALK_ACCESS_ACTIONS = ("detail", "list", "export")


class Pairing(db.Model):
    """A party member looking after one employee (党员一包一), from started_at until ended_at."""

    __tablename__ = "pairings"
    # `active` is TRUE while the pairing runs and NULL once it ends: NULLs never collide, so an
    # employee has at most one active pairing on every backend (MariaDB has no partial indexes).
    __table_args__ = (
        UniqueConstraint("employee_id", "active"),
        Index("ix_pairings_member_id_active", "member_id", "active"),
        Index("ix_pairings_branch_id_started_at", "branch_id", "started_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    mine_id: Mapped[int] = mapped_column(ForeignKey("mines.id"))
    branch_id: Mapped[int] = mapped_column(ForeignKey("branches.id"))
    member_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    employee_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    active: Mapped[bool | None] = mapped_column(Boolean, default=True)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    started_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ended_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    end_reason: Mapped[str | None] = mapped_column(String(32))

    member: Mapped[Person] = relationship(foreign_keys=[member_id])
    employee: Mapped[Person] = relationship(foreign_keys=[employee_id])


class CareFlags(db.Model):
    """The current care flags of a person (思想有波动 / 生活有困难); one row per flagged person."""

    __tablename__ = "care_flags"

    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), primary_key=True)
    ideological: Mapped[bool] = mapped_column(Boolean, default=False)
    hardship: Mapped[bool] = mapped_column(Boolean, default=False)
    note: Mapped[str] = mapped_column(String(500), default="")
    set_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    set_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    @property
    def flags(self) -> list[str]:
        return [f for f in CARE_FLAGS if getattr(self, f)]


class CareFlagChange(db.Model):
    """Every setting of a person's care flags, never edited."""

    __tablename__ = "care_flag_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    ideological: Mapped[bool] = mapped_column(Boolean)
    hardship: Mapped[bool] = mapped_column(Boolean)
    note: Mapped[str] = mapped_column(String(500), default="")
    set_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    @property
    def flags(self) -> list[str]:
        return [f for f in CARE_FLAGS if getattr(self, f)]


class Talk(db.Model):
    """One heart-to-heart talk (交流谈心) held by a party member with an employee."""

    __tablename__ = "talks"
    __table_args__ = (
        Index("ix_talks_member_id_month", "member_id", "month"),
        Index("ix_talks_branch_id_month", "branch_id", "month"),
        Index("ix_talks_mine_id_month", "mine_id", "month"),
        Index("ix_talks_employee_id_talked_at", "employee_id", "talked_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    mine_id: Mapped[int] = mapped_column(ForeignKey("mines.id"))
    # The branch whose secretary sees the record: the pairing's, else the employee's.
    branch_id: Mapped[int] = mapped_column(ForeignKey("branches.id"))
    # Who held the talk (counts for their monthly compliance when pairing_id is set).
    member_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    employee_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    # Who wrote the record: the member, or a secretary logging on their behalf.
    author_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    pairing_id: Mapped[int | None] = mapped_column(ForeignKey("pairings.id"), index=True)
    talked_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # "YYYY-MM" of talked_at in Asia/Shanghai, kept so the monthly views are index lookups.
    month: Mapped[str] = mapped_column(String(7))
    mode: Mapped[str] = mapped_column(String(16))
    place: Mapped[str] = mapped_column(String(100), default="")
    topics: Mapped[str] = mapped_column(Text)
    concerns: Mapped[str] = mapped_column(Text, default="")
    follow_up: Mapped[str] = mapped_column(Text, default="")
    # Whether the employee carried a care flag (思想有波动 / 生活有困难) at talked_at, from the
    # flags' history when the record was written or its time edited: the seed's rule counts these.
    care_flagged: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # A correction after the edit window is a new record that names the one it replaces; the
    # replaced record names its correction and no longer counts. One correction per record.
    corrects_id: Mapped[int | None] = mapped_column(
        ForeignKey("talks.id", ondelete="SET NULL"), unique=True
    )
    corrected_by_id: Mapped[int | None] = mapped_column(ForeignKey("talks.id", ondelete="SET NULL"))

    member: Mapped[Person] = relationship(foreign_keys=[member_id])
    employee: Mapped[Person] = relationship(foreign_keys=[employee_id])
    author: Mapped[Person] = relationship(foreign_keys=[author_id])
    # Micro-wishes raised from this talk's concerns (POST /talks/{id}/wish).
    wishes: Mapped[list[Wish]] = relationship(
        "Wish", primaryjoin="Wish.source_talk_id == Talk.id", viewonly=True, order_by="Wish.id"
    )


class TalkAccess(db.Model):
    """Who read which talk record, when and how: committee staff audit this."""

    __tablename__ = "talk_access_log"
    __table_args__ = (Index("ix_talk_access_log_mine_id_at", "mine_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    mine_id: Mapped[int] = mapped_column(ForeignKey("mines.id"))
    talk_id: Mapped[int] = mapped_column(ForeignKey("talks.id"), index=True)
    viewer_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    action: Mapped[str] = mapped_column(String(16))
    ip: Mapped[str | None] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class TalkReminder(db.Model):
    """A monthly-talk reminder sent to a member for one reminder date (the 20th, the 27th)."""

    __tablename__ = "talk_reminders"
    __table_args__ = (UniqueConstraint("member_id", "remind_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    remind_on: Mapped[date] = mapped_column(Date)
    month: Mapped[str] = mapped_column(String(7))
    notification_id: Mapped[int | None] = mapped_column(ForeignKey("notifications.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
