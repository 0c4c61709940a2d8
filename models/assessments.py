"""The monthly 100-point assessment of 区队 by the mine's offices (机关科室), issue 21.

A template (one row per version) holds items grouped under the six 好, each with its maximum
points and the office that scores it; a month freezes the version it opened with. Offices record
deductions (one row per month × item × team, unique), submit, the team may object once per
deduction, the committee locks; the lock writes the results (total, grade, rank), which later
change only through an adjustment another committee member approves.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import UTCDateTime, db, utcnow
from models.org import Unit
from models.people import Person

DUTIES = ("scorer", "leader")  # an office's scoring staff; a team's (or group's) leader
TEMPLATE_KINDS = ("team", "group")  # 六好区队 / 六型班组
MONTH_STATUSES = ("open", "locked")
GRADES = ("优秀", "良好", "一般", "较差")
ADJUSTMENT_STATUSES = ("pending", "approved", "rejected")


class UnitDuty(db.Model):
    """Who scores for an office (scorer) or leads a team or group (leader: 区队长 / 班组长)."""

    __tablename__ = "assessment_duties"
    __table_args__ = (UniqueConstraint("unit_id", "person_id", "duty"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    duty: Mapped[str] = mapped_column(String(16))
    granted_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    granted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    unit: Mapped[Unit] = relationship()
    person: Mapped[Person] = relationship(foreign_keys=[person_id])


class Patronage(db.Model):
    """An office 包保 (looks after) a team; many-to-many, set by the committee."""

    __tablename__ = "assessment_patronages"
    __table_args__ = (UniqueConstraint("office_id", "team_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    office_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)


class SheetTemplate(db.Model):
    """One version of a sheet; a new version is a new row, never an edit of a used one."""

    __tablename__ = "assessment_templates"
    __table_args__ = (UniqueConstraint("mine_id", "name", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    mine_id: Mapped[int] = mapped_column(ForeignKey("mines.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16), default="team")
    name: Mapped[str] = mapped_column(String(100))
    version: Mapped[int] = mapped_column(Integer, default=1)
    # The shipped example the mine is expected to edit.
    is_example: Mapped[bool] = mapped_column(Boolean, default=False)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    items: Mapped[list[SheetItem]] = relationship(
        order_by="SheetItem.position", back_populates="template"
    )


class SheetItem(db.Model):
    """One line of a sheet: its group (one of the six 好), points, rule and scoring office.
    A veto item (一票否决) carries no points; triggering it caps the grade at 较差. On a 六型班组
    sheet (kind group) `office_id` NULL means the item is scored by the group's own 区队 (its
    parent unit): its leader or scoring staff score it for the groups under that 区队 only."""

    __tablename__ = "assessment_items"
    __table_args__ = (UniqueConstraint("template_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    template_id: Mapped[int] = mapped_column(ForeignKey("assessment_templates.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    group_name: Mapped[str] = mapped_column(String(32))
    title: Mapped[str] = mapped_column(String(100))
    rule: Mapped[str] = mapped_column(String(500))
    max_points: Mapped[int] = mapped_column(Integer)
    # NULL: scored by the assessed 班组's parent 区队 (group templates only).
    office_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), index=True)
    veto: Mapped[bool] = mapped_column(Boolean, default=False)

    template: Mapped[SheetTemplate] = relationship(back_populates="items")
    office: Mapped[Unit | None] = relationship()


class AssessmentMonth(db.Model):
    """A month's round for one template kind: open → locked."""

    __tablename__ = "assessment_months"
    __table_args__ = (UniqueConstraint("mine_id", "kind", "month"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    mine_id: Mapped[int] = mapped_column(ForeignKey("mines.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16), default="team")
    month: Mapped[str] = mapped_column(String(7))  # YYYY-MM
    template_id: Mapped[int] = mapped_column(ForeignKey("assessment_templates.id"), index=True)
    status: Mapped[str] = mapped_column(String(16), default="open")
    # [优秀, 良好, 一般] lower bounds, frozen when the month opens.
    thresholds: Mapped[list] = mapped_column(JSON)
    objection_days: Mapped[int] = mapped_column(Integer, default=3)
    opened_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    locked_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    locked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    template: Mapped[SheetTemplate] = relationship()


class OfficeSubmission(db.Model):
    """An office has finished scoring the month (once: the unique pair)."""

    __tablename__ = "assessment_submissions"
    __table_args__ = (UniqueConstraint("month_id", "office_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    month_id: Mapped[int] = mapped_column(ForeignKey("assessment_months.id"), index=True)
    office_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    submitted_by_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Deduction(db.Model):
    """An office's deduction on one item for one team in one month (or a triggered veto)."""

    __tablename__ = "assessment_deductions"
    __table_args__ = (UniqueConstraint("month_id", "item_id", "team_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    month_id: Mapped[int] = mapped_column(ForeignKey("assessment_months.id"), index=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("assessment_items.id"), index=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    points: Mapped[int] = mapped_column(Integer, default=0)
    vetoed: Mapped[bool] = mapped_column(Boolean, default=False)
    reason: Mapped[str] = mapped_column(String(255))
    # Every change bumps it: a change names the version it saw (a conditional UPDATE).
    version: Mapped[int] = mapped_column(Integer, default=1)
    scored_by_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    scored_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    item: Mapped[SheetItem] = relationship()
    team: Mapped[Unit] = relationship()


class DeductionObjection(db.Model):
    """A team's one objection to one deduction, and the office's answer."""

    __tablename__ = "assessment_objections"
    __table_args__ = (UniqueConstraint("deduction_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    deduction_id: Mapped[int] = mapped_column(ForeignKey("assessment_deductions.id"))
    month_id: Mapped[int] = mapped_column(ForeignKey("assessment_months.id"), index=True)
    text: Mapped[str] = mapped_column(String(500))
    raised_by_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    raised_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    answer: Mapped[str | None] = mapped_column(String(500))
    # The deduction before the answer (None: the answer kept it).
    points_before: Mapped[int | None] = mapped_column(Integer)
    answered_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    deduction: Mapped[Deduction] = relationship()


class MonthResult(db.Model):
    """A team's final line of a locked month: written by the lock, rewritten by an approved
    adjustment."""

    __tablename__ = "assessment_results"
    __table_args__ = (UniqueConstraint("month_id", "team_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    month_id: Mapped[int] = mapped_column(ForeignKey("assessment_months.id"), index=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    total: Mapped[int] = mapped_column(Integer)
    vetoed: Mapped[bool] = mapped_column(Boolean, default=False)
    grade: Mapped[str] = mapped_column(String(8))
    rank: Mapped[int] = mapped_column(Integer)

    team: Mapped[Unit] = relationship()


class ResultAdjustment(db.Model):
    """A correction after the lock: asked by one committee member, decided by another."""

    __tablename__ = "assessment_adjustments"

    id: Mapped[int] = mapped_column(primary_key=True)
    month_id: Mapped[int] = mapped_column(ForeignKey("assessment_months.id"), index=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    delta: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(String(255))
    status: Mapped[str] = mapped_column(String(16), default="pending")
    requested_by_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decision_reason: Mapped[str | None] = mapped_column(String(255))


class PatronVisit(db.Model):
    """An office's 包保 visit to a team: when, who went, what was found and agreed, the
    follow-up."""

    __tablename__ = "assessment_visits"

    id: Mapped[int] = mapped_column(primary_key=True)
    office_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    visited_on: Mapped[date] = mapped_column(Date, index=True)
    visitors: Mapped[str] = mapped_column(String(200))
    problems: Mapped[str] = mapped_column(String(1000))
    agreed: Mapped[str] = mapped_column(String(1000))
    follow_up: Mapped[str] = mapped_column(String(1000))
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class QuarterAward(db.Model):
    """A quarter's 六好区队 (kind team) or 六型班组 (kind group): one of at most N slots per kind
    (unique), once per unit (unique). `points_request_ids`: the points requests asked for the
    unit's leaders under the mine's SIX_GOOD_TEAM / SIX_TYPE_GROUP rule (NULL: none asked)."""

    __tablename__ = "assessment_awards"
    __table_args__ = (
        UniqueConstraint("mine_id", "quarter", "kind", "team_id"),
        UniqueConstraint("mine_id", "quarter", "kind", "slot"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    mine_id: Mapped[int] = mapped_column(ForeignKey("mines.id"), index=True)
    quarter: Mapped[str] = mapped_column(String(7))  # YYYY-Qn
    kind: Mapped[str] = mapped_column(String(16), default="team")
    team_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    slot: Mapped[int] = mapped_column(Integer)
    # The three months' average, in hundredths of a point (as ranked when awarded).
    average_x100: Mapped[int] = mapped_column(Integer)
    citation: Mapped[str] = mapped_column(String(500))
    awarded_by_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    awarded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    points_request_ids: Mapped[list | None] = mapped_column(JSON)

    team: Mapped[Unit] = relationship()


class VisitReminder(db.Model):
    """The 25th's reminder to one scorer of an office still due to visit a team it 包保: at
    most one per (person, office, month) — the unique row makes a second run send nothing."""

    __tablename__ = "assessment_visit_reminders"
    __table_args__ = (UniqueConstraint("person_id", "office_id", "month"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    office_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    month: Mapped[str] = mapped_column(String(7))
    teams: Mapped[int] = mapped_column(Integer)  # how many teams were still due
    notification_id: Mapped[int | None] = mapped_column(ForeignKey("notifications.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class DeductionPhoto(db.Model):
    """An evidence photo (an upload of purpose "assessment") on a deduction; a photo is on one
    deduction only (unique upload)."""

    __tablename__ = "assessment_photos"

    id: Mapped[int] = mapped_column(primary_key=True)
    deduction_id: Mapped[int] = mapped_column(ForeignKey("assessment_deductions.id"), index=True)
    upload_id: Mapped[int] = mapped_column(ForeignKey("uploads.id"), unique=True)
    added_by_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    added_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class LeaderNomination(db.Model):
    """A quarter's 优秀班组长: a 班组's leader nominated by the leader of its 区队 (pending),
    approved or rejected once by a committee member; at most one per 班组 and quarter. An
    approved one is a public honour with its citation; when the mine's rulebook has the manual
    rule GROUP_LEADER it also asks the points ledger (maker-checker) for the points."""

    __tablename__ = "assessment_leader_awards"
    __table_args__ = (UniqueConstraint("mine_id", "quarter", "group_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    mine_id: Mapped[int] = mapped_column(ForeignKey("mines.id"), index=True)
    quarter: Mapped[str] = mapped_column(String(7))  # YYYY-Qn
    group_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    citation: Mapped[str] = mapped_column(String(500))
    status: Mapped[str] = mapped_column(String(16), default="pending")
    nominated_by_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    nominated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decision_reason: Mapped[str | None] = mapped_column(String(255))
    points_request_id: Mapped[int | None] = mapped_column(ForeignKey("points_requests.id"))

    group: Mapped[Unit] = relationship()
    person: Mapped[Person] = relationship(foreign_keys=[person_id])
