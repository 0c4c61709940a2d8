"""党员责任区 (party members' safety zones): the zone and its responsible-member history, the
patrols of it, hidden dangers (隐患) from report to verified fix, and 三违 stops."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import UTCDateTime, db, utcnow
from models.org import Unit
from models.people import Person

# 一般 / 较大 / 重大
DANGER_LEVELS = ("general", "serious", "major")
# reported → assigned → fixed → verified; a reopened fix goes back to assigned.
DANGER_STATUSES = ("reported", "assigned", "fixed", "verified")
PHOTO_STAGES = ("report", "fix", "patrol")


class Zone(db.Model):
    __tablename__ = "zones"
    __table_args__ = (Index("ix_zones_mine_id_unit_id", "mine_id", "unit_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    mine_id: Mapped[int] = mapped_column(ForeignKey("mines.id"))
    # The 区队 the zone belongs to; its branch's secretary manages it.
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    name: Mapped[str] = mapped_column(String(60))
    # A working face, roadway, pump room, workshop.
    place: Mapped[str] = mapped_column(String(100))
    equipment: Mapped[str | None] = mapped_column(Text)
    people_covered: Mapped[str | None] = mapped_column(Text)
    # The one responsible member now (history in zone_holders).
    member_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    deputy_ids: Mapped[list] = mapped_column(JSON, default=list)
    checklist: Mapped[list] = mapped_column(JSON, default=list)
    patrols_per_week: Mapped[int] = mapped_column(Integer, default=0)
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date | None] = mapped_column(Date)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    unit: Mapped[Unit] = relationship()
    member: Mapped[Person] = relationship(foreign_keys=[member_id])


class ZoneHolder(db.Model):
    """One stretch of a member's responsibility for a zone (until NULL: the current one)."""

    __tablename__ = "zone_holders"

    id: Mapped[int] = mapped_column(primary_key=True)
    zone_id: Mapped[int] = mapped_column(ForeignKey("zones.id", ondelete="CASCADE"), index=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    since: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    by_id: Mapped[int] = mapped_column(ForeignKey("people.id"))

    member: Mapped[Person] = relationship(foreign_keys=[member_id])


class Patrol(db.Model):
    __tablename__ = "zone_patrols"
    __table_args__ = (Index("ix_zone_patrols_zone_id_patrolled_at", "zone_id", "patrolled_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    zone_id: Mapped[int] = mapped_column(ForeignKey("zones.id", ondelete="CASCADE"))
    member_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    patrolled_at: Mapped[datetime] = mapped_column(UTCDateTime)
    checked: Mapped[list] = mapped_column(JSON, default=list)
    findings: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    member: Mapped[Person] = relationship()


class Danger(db.Model):
    """A hidden danger (隐患): reported, assigned to a fixer with a deadline, fixed, verified."""

    __tablename__ = "dangers"
    __table_args__ = (
        Index("ix_dangers_mine_id_status", "mine_id", "status"),
        Index("ix_dangers_status_deadline", "status", "deadline"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    mine_id: Mapped[int] = mapped_column(ForeignKey("mines.id"))
    # The zone's 区队, or the reporter's for a danger in a free place.
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    zone_id: Mapped[int | None] = mapped_column(ForeignKey("zones.id"), index=True)
    place: Mapped[str | None] = mapped_column(String(100))
    reporter_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    # Anonymous: only the committee (and the reporter) see who reported it.
    anonymous: Mapped[bool] = mapped_column(Boolean, default=False)
    description: Mapped[str | None] = mapped_column(Text)
    level: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16), default="reported")
    content_check: Mapped[str] = mapped_column(String(16), default="unchecked")
    fixer_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"), index=True)
    assigned_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    assigned_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    deadline: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Set by the overdue job when the deadline passed unfixed (the escalation went out).
    overdue_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    fix_note: Mapped[str | None] = mapped_column(Text)
    fixed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    verified_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reopen_count: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    unit: Mapped[Unit] = relationship()
    zone: Mapped[Zone | None] = relationship()
    reporter: Mapped[Person] = relationship(foreign_keys=[reporter_id])
    fixer: Mapped[Person | None] = relationship(foreign_keys=[fixer_id])


class DangerEvent(db.Model):
    """One step of a danger: who did what, from which status to which, and why."""

    __tablename__ = "danger_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    danger_id: Mapped[int] = mapped_column(ForeignKey("dangers.id", ondelete="CASCADE"), index=True)
    action: Mapped[str] = mapped_column(String(16))
    from_status: Mapped[str | None] = mapped_column(String(16))
    to_status: Mapped[str] = mapped_column(String(16))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    note: Mapped[str | None] = mapped_column(String(500))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ZonePhoto(db.Model):
    """An upload attached to a danger (its report or its fix) or to a patrol; once only."""

    __tablename__ = "zone_photos"

    id: Mapped[int] = mapped_column(primary_key=True)
    upload_id: Mapped[int] = mapped_column(ForeignKey("uploads.id"), unique=True)
    danger_id: Mapped[int | None] = mapped_column(
        ForeignKey("dangers.id", ondelete="CASCADE"), index=True
    )
    patrol_id: Mapped[int | None] = mapped_column(
        ForeignKey("zone_patrols.id", ondelete="CASCADE"), index=True
    )
    stage: Mapped[str] = mapped_column(String(16))


class Violation(db.Model):
    """A 三违 stop: who, what rule, what was done; the committee (safety office) and the
    recorder see it, nobody else."""

    __tablename__ = "zone_violations"

    id: Mapped[int] = mapped_column(primary_key=True)
    mine_id: Mapped[int] = mapped_column(ForeignKey("mines.id"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    zone_id: Mapped[int | None] = mapped_column(ForeignKey("zones.id"), index=True)
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    # The offender on the roster, or only a name (a contractor).
    offender_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    offender_name: Mapped[str] = mapped_column(String(64))
    # 违章指挥 / 违章作业 / 违反劳动纪律
    kind: Mapped[str] = mapped_column(String(16))
    rule: Mapped[str] = mapped_column(String(200))
    action_taken: Mapped[str] = mapped_column(Text)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)

    recorded_by: Mapped[Person] = relationship(foreign_keys=[recorded_by_id])
    unit: Mapped[Unit] = relationship()


VIOLATION_KINDS = ("command", "operation", "discipline")


class MemberPhoto(db.Model):
    """A person's own photo (证件照) for the zone placard: an upload of purpose "portrait", set by
    the person or their branch's secretary (or the committee); one per person, replaced on
    change."""

    __tablename__ = "member_photos"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), unique=True)
    upload_id: Mapped[int] = mapped_column(ForeignKey("uploads.id"), unique=True)
    set_by_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    set_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
