"""The honour roll (荣誉墙): honours given to people (a published campaign's honoured candidates,
a quarter's approved 优秀班组长) or to units (the assessment's quarterly 六好区队 and 六型班组
awards), and their revocation."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, SmallInteger, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.assessments import LeaderNomination, QuarterAward
from models.base import UTCDateTime, db, utcnow
from models.org import Unit
from models.people import Person

# person: a campaign's honouree; team: a 六好区队; group: a 六型班组; leader: an 优秀班组长.
HONOUR_KINDS = ("person", "team", "group", "leader")


class Honour(db.Model):
    """One honour on the mine's roll: whose it is, its title (2026 年度"安全生产监督员"), where it
    came from, the citation (事迹) and photo shown with it. A revoked honour stays on record
    (with who, when and why) and leaves the public roll."""

    __tablename__ = "honours"
    __table_args__ = (
        # A candidate is honoured once, however often publish hooks run.
        UniqueConstraint("candidate_id", name="uq_honours_candidate"),
        UniqueConstraint("quarter_award_id", name="uq_honours_quarter_award"),
        UniqueConstraint("leader_nomination_id", name="uq_honours_leader_nomination"),
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
    # A 优秀班组长's honour: the approved nomination it mirrors.
    leader_nomination_id: Mapped[int | None] = mapped_column(
        ForeignKey("assessment_leader_awards.id")
    )
    # The quarter (YYYY-Qn) of an assessment's honour; None for a campaign's.
    quarter: Mapped[str | None] = mapped_column(String(7))
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
    leader_nomination: Mapped[LeaderNomination | None] = relationship()


class HonourAudit(db.Model):
    """Every committee act on an honour (revoke, restore)."""

    __tablename__ = "honour_audit"

    id: Mapped[int] = mapped_column(primary_key=True)
    honour_id: Mapped[int] = mapped_column(ForeignKey("honours.id"), index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    action: Mapped[str] = mapped_column(String(32))
    reason: Mapped[str | None] = mapped_column(String(255))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
