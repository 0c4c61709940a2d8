"""What a mine asks of its pairings beyond the pairings themselves: the monthly talk rule of each
mine (with its history), 必访必谈 events and the duty each one creates, and 传帮带 mentoring
pairs with their sessions and assessments."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import UTCDateTime, db, utcnow
from models.people import Person

# flagged: a talk counts only with an employee carrying a care flag at the time of the talk (the
# seed's 每月至少与一名思想有波动、生活有困难的职工进行交流谈心); any: any paired employee.
TALK_RULE_BASES = ("flagged", "any")

# 必访必谈: the kinds of event, each in its family (visit: 必访, talk: 必谈), and their default due
# time in days from the event's date.
CARE_EVENT_KINDS: dict[str, tuple[str, int]] = {
    "hospitalized": ("visit", 3),
    "injured": ("visit", 3),
    "bereaved": ("visit", 3),
    "family_hardship": ("visit", 7),
    "retiring": ("visit", 15),
    "setback": ("talk", 7),
    "violation": ("talk", 3),
    "disciplined": ("talk", 7),
    "dispute": ("talk", 3),
    "praised": ("talk", 15),
    "warning_sign": ("talk", 3),
    "post_change": ("talk", 7),
}
CARE_EVENT_FAMILIES = ("visit", "talk")
MENTORSHIP_STATUSES = ("active", "passed", "ended")
MENTOR_ASSESSMENT_STAGES = ("midterm", "final")
MENTOR_ASSESSMENT_RESULTS = ("passed", "extended")


class TalkRule(db.Model):
    """A mine's monthly talk rule from `effective_month` on, until a later row takes over.

    Rows are never edited: each change is a new row (who, when), effective from the month after
    it was made, so a past or current month is never re-judged."""

    __tablename__ = "talk_rules"
    __table_args__ = (Index("ix_talk_rules_mine_id_effective_month", "mine_id", "effective_month"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    mine_id: Mapped[int] = mapped_column(ForeignKey("mines.id"))
    effective_month: Mapped[str] = mapped_column(String(7))
    basis: Mapped[str] = mapped_column(String(16))
    required: Mapped[int] = mapped_column(Integer)
    note: Mapped[str] = mapped_column(String(200), default="")
    set_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    set_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class CareEventDue(db.Model):
    """A mine's own due time for one kind of 必访必谈 event (else the kind's default)."""

    __tablename__ = "care_event_due"
    __table_args__ = (UniqueConstraint("mine_id", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    mine_id: Mapped[int] = mapped_column(ForeignKey("mines.id"))
    kind: Mapped[str] = mapped_column(String(24))
    due_days: Mapped[int] = mapped_column(Integer)
    set_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    set_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class CareEvent(db.Model):
    """A 必访必谈 event of an employee and the visit or talk it calls for (the duty).

    The duty is assigned when the event is recorded (the employee's paired member, else the
    branch secretary) and closed by the assignee's talk with the employee."""

    __tablename__ = "care_events"
    __table_args__ = (
        Index("ix_care_events_assignee_id_closed_at", "assignee_id", "closed_at"),
        Index("ix_care_events_branch_id_closed_at", "branch_id", "closed_at"),
        Index("ix_care_events_mine_id_due_at", "mine_id", "due_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    mine_id: Mapped[int] = mapped_column(ForeignKey("mines.id"))
    branch_id: Mapped[int] = mapped_column(ForeignKey("branches.id"))
    employee_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    kind: Mapped[str] = mapped_column(String(24))
    family: Mapped[str] = mapped_column(String(8))
    occurred_on: Mapped[date] = mapped_column(Date)
    note: Mapped[str] = mapped_column(Text, default="")
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    assignee_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    closing_talk_id: Mapped[int | None] = mapped_column(ForeignKey("talks.id"))
    # When the overdue notice went out (once per duty).
    overdue_notified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    employee: Mapped[Person] = relationship(foreign_keys=[employee_id])
    assignee: Mapped[Person] = relationship(foreign_keys=[assignee_id])
    recorded_by: Mapped[Person] = relationship(foreign_keys=[recorded_by_id])


class Mentorship(db.Model):
    """传帮带: a skilled party member (mentor) raising a new or weak worker (apprentice).

    Its own kind of pair, outside the 一带三/一带五 limit. `active` is TRUE while it runs and
    NULL afterwards, so an apprentice has one mentor at a time on every backend."""

    __tablename__ = "mentorships"
    __table_args__ = (
        UniqueConstraint("apprentice_id", "active"),
        Index("ix_mentorships_mentor_id_active", "mentor_id", "active"),
        Index("ix_mentorships_branch_id_active", "branch_id", "active"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    mine_id: Mapped[int] = mapped_column(ForeignKey("mines.id"))
    branch_id: Mapped[int] = mapped_column(ForeignKey("branches.id"))
    mentor_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    apprentice_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    active: Mapped[bool | None] = mapped_column(Boolean, default=True)
    status: Mapped[str] = mapped_column(String(16), default="active")
    skill_goals: Mapped[str] = mapped_column(Text)
    safety_goals: Mapped[str] = mapped_column(Text)
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    started_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ended_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    end_note: Mapped[str] = mapped_column(String(500), default="")

    mentor: Mapped[Person] = relationship(foreign_keys=[mentor_id])
    apprentice: Mapped[Person] = relationship(foreign_keys=[apprentice_id])


class MentorSession(db.Model):
    """One month's teaching logged by the mentor: what was taught, what was practised."""

    __tablename__ = "mentor_sessions"
    __table_args__ = (
        Index("ix_mentor_sessions_mentorship_id_held_on", "mentorship_id", "held_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    mentorship_id: Mapped[int] = mapped_column(ForeignKey("mentorships.id"))
    held_on: Mapped[date] = mapped_column(Date)
    month: Mapped[str] = mapped_column(String(7))
    taught: Mapped[str] = mapped_column(Text)
    practice: Mapped[str] = mapped_column(Text, default="")
    logged_by_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class MentorAssessment(db.Model):
    """A mid-term or final assessment of an apprenticeship by the 区队 (passed / extended)."""

    __tablename__ = "mentor_assessments"
    __table_args__ = (Index("ix_mentor_assessments_mentorship_id", "mentorship_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    mentorship_id: Mapped[int] = mapped_column(ForeignKey("mentorships.id"))
    stage: Mapped[str] = mapped_column(String(8))
    result: Mapped[str] = mapped_column(String(12))
    comment: Mapped[str] = mapped_column(Text, default="")
    # For an extended final: the new end of the period.
    extended_to: Mapped[date | None] = mapped_column(Date)
    assessed_by_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
