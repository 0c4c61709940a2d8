"""The notification outbox: a message is a row first, written in the same transaction as the
change it reports, and delivered afterwards by a background worker."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from models.base import UTCDateTime, db, utcnow

# pending → sent | failed (gave up after retries) | skipped (43101: the user did not subscribe,
# or no bound account to send to)
NOTIFICATION_STATUSES = ("pending", "sent", "failed", "skipped")


class Notification(db.Model):
    __tablename__ = "notifications"
    # The inbox: a person's items newest first, and their unread count.
    __table_args__ = (Index("ix_notifications_person_id_read_at", "person_id", "read_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    kind: Mapped[str] = mapped_column(String(48))
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    page: Mapped[str | None] = mapped_column(String(255))
    status: Mapped[str] = mapped_column(String(16), default="pending", index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The same row is the person's inbox item (notifications.inbox): read when they opened it.
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
