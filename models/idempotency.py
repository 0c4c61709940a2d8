"""Stored first answers to POSTs that carried an Idempotency-Key."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import Integer, LargeBinary, String, UniqueConstraint
from sqlalchemy.dialects import mysql
from sqlalchemy.orm import Mapped, mapped_column

from models.base import UTCDateTime, db, utcnow


class IdempotencyRecord(db.Model):
    __tablename__ = "idempotency_records"
    __table_args__ = (UniqueConstraint("scope", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # "a:<account id>": only logged-in callers' answers are kept (never a login's token).
    scope: Mapped[str] = mapped_column(String(80))
    key: Mapped[str] = mapped_column(String(128))
    fingerprint: Mapped[str] = mapped_column(String(64))
    status_code: Mapped[int | None] = mapped_column(Integer)
    # MEDIUMBLOB on MariaDB: a BLOB (64 KiB) is too small for some answers.
    body: Mapped[bytes | None] = mapped_column(
        LargeBinary().with_variant(mysql.MEDIUMBLOB(), "mysql", "mariadb")
    )
    content_type: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)


def purge_expired(ttl_seconds: int) -> int:
    """Delete the answers older than `ttl_seconds` and commit (run by a scheduled job)."""
    cutoff = utcnow() - timedelta(seconds=ttl_seconds)
    result = db.session.execute(
        db.delete(IdempotencyRecord).where(IdempotencyRecord.created_at < cutoff)
    )
    db.session.commit()
    return result.rowcount or 0
