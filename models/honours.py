"""The honour roll (荣誉墙): honours given to people (a published campaign's honoured candidates)
or, later, to teams (the assessment's quarterly awards), and their revocation."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, SmallInteger, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.assessments import QuarterAward
from models.base import UTCDateTime, db, utcnow
from models.org import Unit
from models.people import Person

HONOUR_KINDS = ("person", "team")


class Honour(db.Model):
    """One honour on the mine's roll: whose it is, its title (2026 年度"安全生产监督员"), where it
    came from, the citation (事迹) and photo shown with it. A revoked honour stays on record
    (with who, when and why) and leaves the public roll."""

    __tablename__ = "honours"
    __table_args__ = (
        # A candidate is honoured once, however often publish hooks run.
        UniqueConstraint("candidate_id", name="uq_honours_candidate"),
        UniqueConstraint("quarter_award_id", name="uq_honours_quarter_award"),
        Index("ix_honours_mine_year", "mine_id", "year"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    mine_id: Mapped[int] = mapped_column(ForeignKey("mines.id"))
    kind: Mapped[str] = mapped_column(String(16), default="person")
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"), index=True)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    category: Mapped[str | None] = mapped_column(String(16))
    title: Mapped[str] = mapped_column(String(120))
    year: Mapped[int] = mapped_column(SmallInteger)
    campaign_id: Mapped[int | None] = mapped_column(ForeignKey("vote_campaigns.id"))
    candidate_id: Mapped[int | None] = mapped_column(ForeignKey("vote_candidates.id"))
    # A team's honour: the assessment's quarterly 六好区队 award it mirrors.
    quarter_award_id: Mapped[int | None] = mapped_column(ForeignKey("assessment_awards.id"))
    citation: Mapped[str] = mapped_column(Text, default="")
    photo: Mapped[str | None] = mapped_column(String(128))
    awarded_on: Mapped[date] = mapped_column(Date)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoke_reason: Mapped[str | None] = mapped_column(String(255))
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    person: Mapped[Person | None] = relationship(foreign_keys=[person_id])
    unit: Mapped[Unit | None] = relationship()
    quarter_award: Mapped[QuarterAward | None] = relationship()

    @property
    def team_award_name(self) -> str:
        """What a team's honour is: 六好区队 (a 区队's award) or 六型班组 (a 班组's); ""
        for a person's."""
        if self.kind != "team":
            return ""
        award = self.quarter_award
        return "六型班组" if award is not None and award.kind == "group" else "六好区队"


class HonourAudit(db.Model):
    """Every committee act on an honour (revoke, restore)."""

    __tablename__ = "honour_audit"

    id: Mapped[int] = mapped_column(primary_key=True)
    honour_id: Mapped[int] = mapped_column(ForeignKey("honours.id"), index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    action: Mapped[str] = mapped_column(String(32))
    reason: Mapped[str | None] = mapped_column(String(255))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
