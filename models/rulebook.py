"""The points rulebook (积分细则): per mine, versioned rules that say what an event is worth.

A rule is known by its code within a mine; each change is a new version with the day it takes
effect, so an entry written under an older version keeps the points it was given. The ledger
(models/points.py) names the version and the record behind each automatic entry."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from models.base import UTCDateTime, db, utcnow

# What triggers a rule: an event some domain reports, or "manual" (an approved request).
RULE_SOURCES = (
    "wish_completed",
    "monthly_talks_done",
    "manual",
    "meeting_attended",
    "meeting_absent",
    "pledge_kept",
    "pledge_partly",
    "pledge_not_kept",
    "deed_done",
    "apprenticeship_passed",
)
CAP_PERIODS = ("month", "quarter", "year")
RATING_KINDS = ("member_five_type", "branch_five_star")
RATING_STATUSES = ("proposed", "confirmed", "rejected")


class PointsRule(db.Model):
    """One version of a rule: from `effective_from` (a Shanghai day) until the next version."""

    __tablename__ = "points_rules"
    __table_args__ = (
        UniqueConstraint("mine_id", "code", "effective_from"),
        Index("ix_points_rules_mine_source", "mine_id", "source"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    mine_id: Mapped[int] = mapped_column(ForeignKey("mines.id"))
    code: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(100))
    # None: the amount is the request's (a manual rule without a fixed value).
    points: Mapped[int | None] = mapped_column(Integer)
    source: Mapped[str] = mapped_column(String(32))
    cap: Mapped[int | None] = mapped_column(Integer)
    cap_period: Mapped[str | None] = mapped_column(String(16))
    evidence_required: Mapped[bool] = mapped_column(Boolean, default=False)
    second_approver: Mapped[bool] = mapped_column(Boolean, default=True)
    # A version that retires the rule: from its day the rule earns nothing.
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    effective_from: Mapped[date] = mapped_column(Date)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Rating(db.Model):
    """A yearly 五型党员 (person) or 五星党支部 (branch) rating: proposed from the rulebook's
    thresholds, then confirmed (or not) by a committee member."""

    __tablename__ = "ratings"
    __table_args__ = (UniqueConstraint("mine_id", "year", "kind", "subject_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    mine_id: Mapped[int] = mapped_column(ForeignKey("mines.id"))
    year: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(32))
    # a person's id (member_five_type) or a branch's (branch_five_star)
    subject_id: Mapped[int] = mapped_column(Integer)
    score: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16), default="proposed")
    proposed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class RulebookSettings(db.Model):
    """A mine's rulebook settings: whether rankings are published to members, the rating
    thresholds, and how many meetings of each kind a branch must hold."""

    __tablename__ = "rulebook_settings"

    mine_id: Mapped[int] = mapped_column(ForeignKey("mines.id"), primary_key=True)
    publish_ranking: Mapped[bool] = mapped_column(Boolean, default=False)
    five_type_threshold: Mapped[int] = mapped_column(Integer, default=90)
    five_star_threshold: Mapped[int] = mapped_column(Integer, default=90)
    # {kind: [count, "month"|"quarter"]}
    meeting_requirements: Mapped[dict | None] = mapped_column(db.JSON)
