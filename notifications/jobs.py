"""Periodic jobs of the message centre (registered in jobs.schedule)."""

from __future__ import annotations

from jobs import app_job
from models import db
from notifications import inbox
from notifications.settings import settings


def purge_inbox(keep_days: int) -> int:
    """Delete inbox items older than `keep_days` (delivered or given up) and commit."""
    deleted = inbox.purge(keep_days)
    db.session.commit()
    return deleted


@app_job
def purge_inbox_job() -> int:
    """Purge inbox items older than INBOX_KEEP_DAYS (180 by default)."""
    return purge_inbox(settings().inbox_keep_days)
