"""三会一课 and 主题党日 meetings, their attendance and leave; yearly pledges (承诺践诺) and
branch deeds (我为职工办实事)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import UTCDateTime, db, utcnow
from models.people import Person

MEETING_KINDS = ("general", "committee", "group", "lecture", "theme_day")
MEETING_KIND_NAMES = {
    "general": "支部党员大会",
    "committee": "支委会",
    "group": "党小组会",
    "lecture": "党课",
    "theme_day": "主题党日",
}
MEETING_STATUSES = ("scheduled", "closed", "cancelled")
# expected → present (signed in or marked) | leave_pending → leave | (at close) absent
ATTENDANCE_STATUSES = ("expected", "present", "leave_pending", "leave", "absent")
PLEDGE_VERDICTS = ("kept", "partly", "not_kept")
DEED_STATUSES = ("planned", "doing", "done")


class Meeting(db.Model):
    __tablename__ = "meetings"
    __table_args__ = (Index("ix_meetings_branch_starts", "branch_id", "starts_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    mine_id: Mapped[int] = mapped_column(ForeignKey("mines.id"), index=True)
    branch_id: Mapped[int] = mapped_column(ForeignKey("branches.id"))
    kind: Mapped[str] = mapped_column(String(16))
    topic: Mapped[str] = mapped_column(String(200))
    place: Mapped[str] = mapped_column(String(100))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # A 党小组会 names the unit (班组/区队) whose party members attend, else the whole branch.
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    status: Mapped[str] = mapped_column(String(16), default="scheduled")
    # The rotating sign-in code's key: random per meeting, never sent to a member.
    secret: Mapped[str] = mapped_column(String(64))
    minutes: Mapped[str | None] = mapped_column(Text)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))


class Attendance(db.Model):
    """One required attendee of a meeting: their sign-in, mark or leave."""

    __tablename__ = "meeting_attendance"
    __table_args__ = (UniqueConstraint("meeting_id", "person_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id"))
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    status: Mapped[str] = mapped_column(String(16), default="expected")
    signed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # "code" (scanned) or "marked" (by the secretary, with a note)
    method: Mapped[str | None] = mapped_column(String(16))
    note: Mapped[str | None] = mapped_column(String(255))
    marked_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    leave_reason: Mapped[str | None] = mapped_column(String(255))
    leave_decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))

    person: Mapped[Person] = relationship(foreign_keys=[person_id])


class MeetingPhoto(db.Model):
    __tablename__ = "meeting_photos"
    __table_args__ = (UniqueConstraint("meeting_id", "upload_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id"), index=True)
    upload_id: Mapped[int] = mapped_column(ForeignKey("uploads.id"))


class Pledge(db.Model):
    """A member's pledge for a year and its two reviews (mid-year, year end)."""

    __tablename__ = "pledges"
    __table_args__ = (UniqueConstraint("person_id", "year"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    mine_id: Mapped[int] = mapped_column(ForeignKey("mines.id"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    year: Mapped[int] = mapped_column(Integer)
    items: Mapped[list] = mapped_column(db.JSON)
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    mid_verdict: Mapped[str | None] = mapped_column(String(16))
    mid_note: Mapped[str | None] = mapped_column(String(255))
    mid_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    end_verdict: Mapped[str | None] = mapped_column(String(16))
    end_note: Mapped[str | None] = mapped_column(String(255))
    end_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))

    person: Mapped[Person] = relationship(foreign_keys=[person_id])


class Deed(db.Model):
    """我为职工办实事: what a branch did, for whom, its status; optionally a fulfilled wish."""

    __tablename__ = "deeds"

    id: Mapped[int] = mapped_column(primary_key=True)
    mine_id: Mapped[int] = mapped_column(ForeignKey("mines.id"), index=True)
    branch_id: Mapped[int] = mapped_column(ForeignKey("branches.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    beneficiary: Mapped[str] = mapped_column(String(100))
    status: Mapped[str] = mapped_column(String(16), default="planned")
    wish_id: Mapped[int | None] = mapped_column(ForeignKey("wishes.id"), unique=True)
    # the party member credited when the deed is done (deed_done rule), if any
    doer_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    created_by_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
