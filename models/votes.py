"""六大员 voting: campaigns, candidates, ballots (the durable record) and the committee's audit."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, column_property, mapped_column, relationship

from models.base import UTCDateTime, db, utcnow
from models.people import Person

CATEGORY_NAMES = {
    "safety": "安全生产监督员",
    "reform": "改革创新攻坚员",
    "publicity": "形势任务宣传员",
    "mediation": "矛盾纠纷调解员",
    "discipline": "遵章守纪示范员",
    "emergency": "急难险重突击员",
}
CATEGORY_KEYS = tuple(CATEGORY_NAMES)
# "nominating": the branches' nomination window (推荐), between draft and open.
CAMPAIGN_STATUSES = ("draft", "nominating", "open", "closed", "notice", "published")
NOMINATION_STATUSES = ("pending", "accepted", "declined", "withdrawn")
TIE_RULES = ("committee", "votes", "earlier")
OBJECTION_STATUSES = ("open", "upheld", "dismissed")
POINTS_SOURCES = ("ledger", "sheet")

# SQLite only autoincrements an INTEGER PRIMARY KEY.
BigId = BigInteger().with_variant(Integer, "sqlite")


class Campaign(db.Model):
    """One 评选活动 of a mine: window, categories, rules, weights, and the frozen results."""

    __tablename__ = "vote_campaigns"

    id: Mapped[int] = mapped_column(primary_key=True)
    mine_id: Mapped[int] = mapped_column(ForeignKey("mines.id"), index=True)
    title: Mapped[str] = mapped_column(String(100))
    description: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(16), default="draft")
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    categories: Mapped[list[str]] = mapped_column(JSON)
    per_candidate_per_day: Mapped[int] = mapped_column(SmallInteger, default=1)
    per_category_per_day: Mapped[int] = mapped_column(SmallInteger, default=3)
    # False: a voter may vote for a given candidate on one day of the campaign only.
    revote_other_days: Mapped[bool] = mapped_column(Boolean, default=True)
    hide_tallies: Mapped[bool] = mapped_column(Boolean, default=False)
    # A daily subscribe message to bound employees who have not voted that day.
    remind_non_voters: Mapped[bool] = mapped_column(Boolean, default=False)
    # False (the default): a candidate may not vote for themselves (409 self_vote).
    allow_self_vote: Mapped[bool] = mapped_column(Boolean, default=False)
    # The branches' nomination window (status "nominating"): secretaries nominate until it ends;
    # a cap on the live nominations of one branch (None: no cap).
    nominations_start_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    nominations_end_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    nomination_cap: Mapped[int | None] = mapped_column(SmallInteger)
    # How many are honoured per category (名额): {category key: n}.
    quotas: Mapped[dict[str, int] | None] = mapped_column(JSON, default=dict)
    # 公示: the public notice period between close and publish.
    notice_days: Mapped[int] = mapped_column(SmallInteger, default=5)
    notice_starts_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    notice_ends_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Bumped by every committee change that Redis must learn (status, window, rules, candidates);
    # Redis keeps the version it has, so an older push never overwrites a newer one and a reader
    # sees when Redis missed a change.
    config_version: Mapped[int] = mapped_column(Integer, default=0)
    weight_votes: Mapped[float] = mapped_column(Float, default=0.5)
    weight_points: Mapped[float] = mapped_column(Float, default=0.5)
    points_source: Mapped[str] = mapped_column(String(16), default="ledger")
    points_since: Mapped[datetime | None] = mapped_column(UTCDateTime)
    points_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # How a tie for the last honoured place (名额) is broken: "committee" (the tied candidates
    # go to 公示 marked tied and the committee decides, with a reason, before publish), "votes"
    # (more public votes first) or "earlier" (whose last counted vote came earlier first).
    tie_rule: Mapped[str] = mapped_column(String(16), default="committee")
    results: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    opened_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    candidates: Mapped[list[Candidate]] = relationship(
        back_populates="campaign", order_by="Candidate.id"
    )


class LiveMark(db.Model):
    """One row per campaign beside the campaign row, for what the live tallies need to record in
    the database: `stale` (Redis may disagree with the ballots: the next read or vote rebuilds)
    and the reconciler's repair count.

    A row of its own so that a database-path ballot, which holds the campaign row under a share
    lock (the commit-time gate), never has to upgrade that lock to write the flag: on MariaDB two
    ballots doing so deadlocked (issue 18 #4)."""

    __tablename__ = "vote_live_marks"

    campaign_id: Mapped[int] = mapped_column(ForeignKey("vote_campaigns.id"), primary_key=True)
    stale: Mapped[bool] = mapped_column(Boolean, default=False)
    # Repairs made by the reconciler (votes.reconcile): differences found and healed.
    repairs: Mapped[int] = mapped_column(Integer, default=0)
    last_repair_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_repair_note: Mapped[str | None] = mapped_column(String(255))
    # When the reconciler last compared this campaign (a published one is compared once).
    checked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


# Read with the campaign (the gate, the board state), never locked with it.
Campaign.tallies_stale = column_property(
    db.func.coalesce(
        db.select(LiveMark.stale)
        .where(LiveMark.campaign_id == Campaign.id)
        .correlate_except(LiveMark)
        .scalar_subquery(),
        False,
        type_=Boolean,
    )
)


class Candidate(db.Model):
    """A party member standing in one category of a campaign."""

    __tablename__ = "vote_candidates"
    __table_args__ = (UniqueConstraint("campaign_id", "person_id", "category"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("vote_campaigns.id"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    category: Mapped[str] = mapped_column(String(16))
    story: Mapped[str] = mapped_column(Text, default="")
    photo: Mapped[str | None] = mapped_column(String(128))
    # From an imported assessment sheet (points_source = "sheet").
    assessed_points: Mapped[float | None] = mapped_column(Float)
    # A withdrawn candidate (left the mine, or removed by the committee after voting started) is
    # no longer shown, voted for or honoured; their ballots stay on record.
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    withdraw_reason: Mapped[str | None] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    campaign: Mapped[Campaign] = relationship(back_populates="candidates")
    person: Mapped[Person] = relationship()


class Ballot(db.Model):
    """One accepted vote. Voiding keeps the row; the unique constraints are the last line
    against duplicates: `seq` is the n-th vote of the day for that candidate and `slot` the n-th
    in that category, both bounded by the rules, so no rule can be exceeded even if Redis lost
    its counters."""

    __tablename__ = "vote_ballots"
    __table_args__ = (
        UniqueConstraint(
            "campaign_id",
            "voter_id",
            "candidate_id",
            "vote_day",
            "seq",
            name="uq_vote_ballots_candidate_day_seq",
        ),
        UniqueConstraint(
            "campaign_id",
            "voter_id",
            "vote_day",
            "category",
            "slot",
            name="uq_vote_ballots_category_day_slot",
        ),
        # Only set when the campaign forbids voting for a candidate on another day.
        UniqueConstraint("campaign_id", "voter_id", "once_key", name="uq_vote_ballots_once"),
        Index("ix_vote_ballots_campaign_candidate", "campaign_id", "candidate_id"),
        Index("ix_vote_ballots_campaign_cast_at", "campaign_id", "cast_at"),
        # Today's uses of every voter (rebuild); one voter's uses use the slot constraint.
        Index("ix_vote_ballots_campaign_day", "campaign_id", "vote_day"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("vote_campaigns.id"))
    candidate_id: Mapped[int] = mapped_column(ForeignKey("vote_candidates.id"))
    category: Mapped[str] = mapped_column(String(16))
    voter_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    account_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"))
    voter_unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    vote_day: Mapped[date] = mapped_column(Date)
    seq: Mapped[int] = mapped_column(SmallInteger)
    slot: Mapped[int] = mapped_column(SmallInteger)
    once_key: Mapped[int | None] = mapped_column(Integer)
    cast_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ip: Mapped[str | None] = mapped_column(String(64))
    user_agent: Mapped[str | None] = mapped_column(String(255))
    client_hints: Mapped[str | None] = mapped_column(String(255))
    # "redis" (the normal path) or "db" (written while Redis was unreachable).
    path: Mapped[str] = mapped_column(String(8), default="redis")
    voided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    void_reason: Mapped[str | None] = mapped_column(String(255))
    voided_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))

    candidate: Mapped[Candidate] = relationship()
    voter: Mapped[Person] = relationship(foreign_keys=[voter_id])


class CampaignAudit(db.Model):
    """Every committee act on a campaign (create, edit, open, close, publish, void)."""

    __tablename__ = "vote_audit"

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("vote_campaigns.id"), index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    action: Mapped[str] = mapped_column(String(32))
    detail: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class PointsSheet(db.Model):
    """An imported assessment sheet (工号, 积分) waiting for, or given, a committee decision.

    Like a single points adjustment it counts only once a committee member of the mine who is
    neither its author nor one of the candidates it scores approves it; then its values become
    the candidates' `assessed_points`. `scores` maps candidate id (a string key) to points."""

    __tablename__ = "vote_points_sheets"

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("vote_campaigns.id"), index=True)
    scores: Mapped[dict[str, float]] = mapped_column(JSON)
    person_ids: Mapped[list[int]] = mapped_column(JSON)
    filename: Mapped[str] = mapped_column(String(255), default="")
    status: Mapped[str] = mapped_column(String(16), default="pending")
    requested_by_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decision_reason: Mapped[str | None] = mapped_column(String(255))


class Objection(db.Model):
    """An objection (异议) lodged during 公示 against a provisional winner, and the committee's
    answer. The objector is seen by the committee only. `open_key` holds the candidate id while
    the objection is open (NULL once answered): one open objection per person per candidate."""

    __tablename__ = "vote_objections"
    __table_args__ = (
        UniqueConstraint("objector_id", "open_key", name="uq_vote_objections_open"),
        Index("ix_vote_objections_campaign_status", "campaign_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("vote_campaigns.id"))
    candidate_id: Mapped[int] = mapped_column(ForeignKey("vote_candidates.id"))
    objector_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    reason: Mapped[str] = mapped_column(Text)
    content_check: Mapped[str] = mapped_column(String(16), default="unchecked")
    status: Mapped[str] = mapped_column(String(16), default="open")
    open_key: Mapped[int | None] = mapped_column(Integer)
    answer: Mapped[str | None] = mapped_column(Text)
    answered_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    candidate: Mapped[Candidate] = relationship()
    objector: Mapped[Person] = relationship(foreign_keys=[objector_id])


class VoteReminder(db.Model):
    """One day's reminder run of a campaign: the unique row makes it once a day, however many
    schedulers or hands start it."""

    __tablename__ = "vote_reminders"
    __table_args__ = (UniqueConstraint("campaign_id", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("vote_campaigns.id"))
    day: Mapped[date] = mapped_column(Date)
    sent: Mapped[int] = mapped_column(Integer, default=0)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Nomination(db.Model):
    """A branch's nomination (推荐) of one of its party members to a category of a campaign, with
    the story (事迹) and photos, and the committee's review. `live_key` is 1 unless withdrawn:
    one nomination per person per category per campaign (a withdrawn one may be made again)."""

    __tablename__ = "vote_nominations"
    __table_args__ = (
        UniqueConstraint(
            "campaign_id", "person_id", "category", "live_key", name="uq_vote_nominations_live"
        ),
        Index("ix_vote_nominations_campaign_branch", "campaign_id", "branch_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("vote_campaigns.id"))
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    category: Mapped[str] = mapped_column(String(16))
    # The nominating branch (the nominee's own, or their 区队's) and the nominee's unit when
    # nominated: the per-branch counts and cap.
    branch_id: Mapped[int] = mapped_column(ForeignKey("branches.id"))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    nominated_by_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    story: Mapped[str] = mapped_column(Text)
    # A candidate photo's file name (votes.share, image-checked); the candidate takes it over.
    photo: Mapped[str | None] = mapped_column(String(128))
    content_check: Mapped[str] = mapped_column(String(16), default="unchecked")
    status: Mapped[str] = mapped_column(String(16), default="pending")
    live_key: Mapped[int | None] = mapped_column(SmallInteger, default=1)
    decline_reason: Mapped[str | None] = mapped_column(String(255))
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    candidate_id: Mapped[int | None] = mapped_column(ForeignKey("vote_candidates.id"))
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    person: Mapped[Person] = relationship(foreign_keys=[person_id])
    campaign: Mapped[Campaign] = relationship()
