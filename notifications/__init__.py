"""Notifications to people (WeChat subscribe messages) through the outbox.

Domain code calls `notify(...)` inside its own unit of work; the row commits with the change it
reports, so nothing accepted is lost when the queue or WeChat is down. After the commit the row
is handed to the job queue (`notifications.delivery`); a row that could not be queued is picked
up by the sweeper. A request never waits on WeChat.

Every row is also its person's inbox item (`notifications.inbox`): title, text and link
rendered from the kind; the unread count cached in Redis. To-do providers registered by the
domains (`notifications.todo`), and the subscribe consents held per person and template
(`notifications.consents`), which delivery spends.

Kinds, who receives them and their data keys: `notifications.kinds` (one line per kind). Which
WeChat template each kind uses and how its data fills the template's keywords: WECHAT_TEMPLATES,
checked at start-up against those kinds (`notifications.templates`).
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask
from sqlalchemy.orm import Session

from jobs.schedule import periodic
from models import Notification, db
from models.listeners import listen_once
from notifications import inbox, templates
from notifications.kinds import KINDS

log = logging.getLogger(__name__)

_OUTBOX_KEY = "frontline_outbox_ids"


def notify(
    person_id: int, kind: str, data: dict[str, Any], page: str | None = None
) -> Notification:
    """Queue a message to a roster person; it is sent after the surrounding transaction commits."""
    spec = KINDS.get(kind)
    if spec is None:
        raise ValueError(f"unknown notification kind {kind!r}: add it to notifications.kinds")
    undeclared = set(data) - set(spec.keys)
    if undeclared:
        raise ValueError(f"{kind}: data keys {sorted(undeclared)} are not declared in its kind")
    n = Notification(person_id=person_id, kind=kind, data=data, page=page)
    db.session.add(n)
    return n


def _collect(session: Session, _flush_context: Any) -> None:
    # Ids exist once flushed; the list of new objects still holds them during after_flush.
    new = [obj for obj in session.new if isinstance(obj, Notification)]
    if new:
        session.info.setdefault(_OUTBOX_KEY, []).extend(obj.id for obj in new)
        # Each row is also its person's inbox item: their cached unread count goes stale.
        inbox.mark_dirty(session, {obj.person_id for obj in new})


def _after_commit(session: Session) -> None:
    ids = session.info.pop(_OUTBOX_KEY, None)
    dirty = session.info.pop(inbox.DIRTY_KEY, None)
    if dirty:
        inbox.bump(dirty)
    if ids:
        from notifications.delivery import enqueue_delivery

        enqueue_delivery(ids)


def _after_rollback(session: Session) -> None:
    session.info.pop(_OUTBOX_KEY, None)
    session.info.pop(inbox.DIRTY_KEY, None)


def init_app(app: Flask) -> None:
    """Check WECHAT_TEMPLATES against the kinds; hand each committed outbox row to the job queue
    (the listeners once per process)."""
    raw = app.config.get("WECHAT_TEMPLATES")
    app.extensions["notification_templates"] = (
        raw,
        templates.load(app.config, app.config["PRODUCTION"]),
    )
    problems = inbox.check_wordings()
    if problems and app.config["PRODUCTION"]:
        raise RuntimeError("; ".join(problems))
    for problem in problems:
        log.warning("inbox: %s", problem)
    listen_once(Session, "after_flush", _collect)
    listen_once(Session, "after_commit", _after_commit)
    listen_once(Session, "after_rollback", _after_rollback)
    periodic("notifications-sweep", "notifications.delivery.sweep_job", every=60)
    periodic("inbox-purge", "notifications.jobs.purge_inbox_job", cron="50 3 * * *")
