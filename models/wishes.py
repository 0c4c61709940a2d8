"""Micro-wishes (群众微心愿): the wish, its transition history, and uploaded photos."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import UTCDateTime, db, utcnow
from models.org import Branch
from models.people import Person

WISH_STATUSES = (
    "pending_review",
    "rejected",
    "open",
    "claimed",
    "fulfilled",
    "completed",
    "withdrawn",
    "closed",
)
WISH_CATEGORIES = ("life", "study", "health", "work", "other")
# What WeChat's msg_sec_check said about the text: unchecked = WeChat could not be asked
# (down, or the author has no openid); local = the demo-mode word list passed it.
CONTENT_CHECKS = ("pass", "review", "unchecked", "local")


class Wish(db.Model):
    __tablename__ = "wishes"
    __table_args__ = (
        Index("ix_wishes_mine_id_status", "mine_id", "status"),
        Index("ix_wishes_branch_id_status", "branch_id", "status"),
        Index("ix_wishes_claimer_id_status", "claimer_id", "status"),
        Index("ix_wishes_status_claim_deadline", "status", "claim_deadline"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    mine_id: Mapped[int] = mapped_column(ForeignKey("mines.id"))
    # The wisher's branch when the wish was posted: its secretary reviews it.
    branch_id: Mapped[int] = mapped_column(ForeignKey("branches.id"))
    # The employee whose wish it is; author differs when posted on their behalf.
    wisher_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    # A heart-to-heart talk the wish came from (the talks table lives in the pairings module).
    source_talk_id: Mapped[int | None] = mapped_column(ForeignKey("talks.id"), index=True)
    title: Mapped[str] = mapped_column(String(60))
    content: Mapped[str] = mapped_column(Text)
    category: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16), default="pending_review")
    content_check: Mapped[str] = mapped_column(String(16), default="unchecked")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reject_reason: Mapped[str | None] = mapped_column(String(500))

    claimer_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    claim_deadline: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Set when the "deadline near" reminder for the current claim went out (once per claim).
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    fulfil_note: Mapped[str | None] = mapped_column(Text)
    fulfilled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    rating: Mapped[int | None] = mapped_column(Integer)
    thanks: Mapped[str | None] = mapped_column(String(500))
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)

    closed_reason: Mapped[str | None] = mapped_column(String(500))

    branch: Mapped[Branch] = relationship()
    wisher: Mapped[Person] = relationship(foreign_keys=[wisher_id])
    author: Mapped[Person] = relationship(foreign_keys=[author_id])
    claimer: Mapped[Person | None] = relationship(foreign_keys=[claimer_id])


class WishEvent(db.Model):
    """One transition of a wish: who moved it, from what to what, when and why."""

    __tablename__ = "wish_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    wish_id: Mapped[int] = mapped_column(ForeignKey("wishes.id", ondelete="CASCADE"), index=True)
    action: Mapped[str] = mapped_column(String(16))
    from_status: Mapped[str | None] = mapped_column(String(16))
    to_status: Mapped[str] = mapped_column(String(16))
    # NULL for the system (claim expiry).
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    reason: Mapped[str | None] = mapped_column(String(500))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    actor: Mapped[Person | None] = relationship()


# What WeChat's image check (mediaCheckAsync) said about an upload: checking = asked, no answer
# yet (or not yet asked); pass = publishable (WeChat, the demo-mode local check, or a secretary);
# review = left for the secretary to judge (WeChat said review, could not check it, or did not
# answer in time); risky = withdrawn everywhere.
UPLOAD_CHECKS = ("checking", "pass", "review", "risky")
# What the photo is for: the proof of a fulfilled wish, or a 六大员 candidate's portrait.
UPLOAD_PURPOSES = ("wish", "candidate")


class Upload(db.Model):
    """An uploaded image: bytes live in the storage backend under `storage_key`."""

    __tablename__ = "uploads"
    __table_args__ = (Index("ix_uploads_check_status_created_at", "check_status", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    storage_key: Mapped[str] = mapped_column(String(255), unique=True)
    content_type: Mapped[str] = mapped_column(String(32))
    size: Mapped[int] = mapped_column(Integer)
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    purpose: Mapped[str] = mapped_column(String(16), default="wish")
    # The wish whose fulfilment this photo proves; NULL until attached.
    wish_id: Mapped[int | None] = mapped_column(ForeignKey("wishes.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)

    check_status: Mapped[str] = mapped_column(String(16), default="checking")
    # WeChat's id of the asynchronous check; its pushed result carries it.
    check_trace_id: Mapped[str | None] = mapped_column(String(64), unique=True)
    # When the check was last sent to WeChat (a lease against sending it twice at once).
    check_requested_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Why it waits for the secretary, or why it was withdrawn.
    check_note: Mapped[str | None] = mapped_column(String(255))
    check_label: Mapped[int | None] = mapped_column(Integer)
    checked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The secretary or committee member who judged it (NULL: WeChat or the local check did).
    checked_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))

    owner: Mapped[Person] = relationship(foreign_keys=[owner_id])
