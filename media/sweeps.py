"""Housekeeping of stored photos: checks that never went out or were never answered, uploads
never attached to anything. One upload per call, so a job commits each on its own
(`media.jobs`)."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from media.checks import to_review, unsent_condition
from media.errors import StorageUnavailable
from media.storage import get_storage
from models import Upload, db, utcnow

log = logging.getLogger(__name__)


def overdue(now: datetime, timeout_minutes: int, limit: int = 200) -> list[int]:
    """Uploads WeChat did not answer within the timeout, oldest first."""
    deadline = now - timedelta(minutes=timeout_minutes)
    return list(
        db.session.scalars(
            db.select(Upload.id)
            .where(Upload.check_status == "checking", Upload.created_at <= deadline)
            .order_by(Upload.created_at)
            .limit(limit)
        )
    )


def hand_to_review(upload_id: int, now: datetime) -> bool:
    """Give an overdue upload to the secretary (False: decided meanwhile)."""
    upload = db.session.get(Upload, upload_id, with_for_update=True)
    if upload is None or upload.check_status != "checking":
        return False
    to_review(upload, "overdue", now)
    return True


def unsent(now: datetime, limit: int = 200) -> list[int]:
    """Uploads whose check never went out (queue or WeChat down), oldest first."""
    return list(
        db.session.scalars(
            db.select(Upload.id)
            .where(unsent_condition(now))
            .order_by(Upload.created_at)
            .limit(limit)
        )
    )


def purge_orphans(older_than_days: int = 7, limit: int = 500) -> int:
    """Delete wish photos never attached to a wish; the caller commits."""
    cutoff = utcnow() - timedelta(days=older_than_days)
    orphans = db.session.scalars(
        db.select(Upload)
        .where(Upload.purpose == "wish", Upload.wish_id.is_(None), Upload.created_at < cutoff)
        .limit(limit)
    ).all()
    storage = get_storage()
    purged = 0
    for upload in orphans:
        try:
            storage.delete(upload.storage_key)
        except StorageUnavailable:
            # The store is down: keep the row, so the next night's purge deletes the file.
            log.warning("orphan upload %s not purged: the store is unavailable", upload.id)
            continue
        db.session.delete(upload)
        purged += 1
    return purged
