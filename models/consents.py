"""WeChat subscribe-message consents: how many one-time consents the app holds per person and
template (each `accept` of wx.requestSubscribeMessage gives one; a send spends one), and the
reports already counted (one per mini-program request id)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from models.base import UTCDateTime, db, utcnow

# What wx.requestSubscribeMessage answers for each template id.
CONSENT_RESULTS = ("accept", "reject", "ban", "filter")


class SubscribeConsent(db.Model):
    __tablename__ = "subscribe_consents"
    __table_args__ = (UniqueConstraint("person_id", "template_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    template_id: Mapped[str] = mapped_column(String(64))
    # One-time consents held: +1 per accept, -1 per send (conditional UPDATE, never below 0).
    remaining: Mapped[int] = mapped_column(Integer, default=0)
    # The user's last answer: reject/ban mean "do not ask again soon".
    last_result: Mapped[str | None] = mapped_column(String(16))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ConsentReport(db.Model):
    __tablename__ = "consent_reports"
    __table_args__ = (UniqueConstraint("person_id", "request_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    request_id: Mapped[str] = mapped_column(String(64))
    results: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
