"""Stored files and photos, for every domain that shows them: decoded within a memory budget and
cleaned of metadata (`images`), stored behind the storage interface (`storage`, `store`), served
through short-lived signed links (`signing`), checked by WeChat's image check before anyone but
their uploader and managers sees them (`checks`, `sweeps`, `jobs`), and user text checked by
WeChat's content check (`content_check`).

media/ imports no domain: a domain with photos registers an owner (`owners`) saying what its
photos are used for and what a withdrawal takes down.
"""

from __future__ import annotations

from flask import Flask
from sqlalchemy.orm import Session

from jobs.schedule import periodic
from media import owners
from media.store import forget_checks_after_rollback, queue_checks_after_commit
from models.listeners import listen_once


def init_app(app: Flask, notify: owners.Notify) -> None:
    """Send each committed photo to WeChat's image check (listeners installed once per
    process); tell people about verdicts through `notify`."""
    owners.set_notifier(notify)
    listen_once(Session, "after_commit", queue_checks_after_commit)
    listen_once(Session, "after_rollback", forget_checks_after_rollback)
    periodic("uploads-purge-orphans", "media.jobs.purge_orphan_uploads_job", cron="30 3 * * *")
    periodic("uploads-media-checks", "media.jobs.media_checks_sweep_job", every=300)
