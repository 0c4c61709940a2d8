"""Notifications to people (WeChat subscribe messages) through the outbox.

Domain code calls `notify(...)` inside its own unit of work; the row commits with the change it
reports, so nothing accepted is lost when the queue or WeChat is down. After the commit the row
is handed to the job queue (`notifications.delivery`); a row that could not be queued is picked
up by the sweeper. A request never waits on WeChat.

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
from notifications import templates
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
    ids = [obj.id for obj in session.new if isinstance(obj, Notification)]
    if ids:
        session.info.setdefault(_OUTBOX_KEY, []).extend(ids)


def _after_commit(session: Session) -> None:
    ids = session.info.pop(_OUTBOX_KEY, None)
    if ids:
        from notifications.delivery import enqueue_delivery

        enqueue_delivery(ids)


def _after_rollback(session: Session) -> None:
    session.info.pop(_OUTBOX_KEY, None)


def init_app(app: Flask) -> None:
    """Check WECHAT_TEMPLATES against the kinds; hand each committed outbox row to the job queue
    (the listeners once per process)."""
    raw = app.config.get("WECHAT_TEMPLATES")
    app.extensions["notification_templates"] = (
        raw,
        templates.load(app.config, app.config["PRODUCTION"]),
    )
    listen_once(Session, "after_flush", _collect)
    listen_once(Session, "after_commit", _after_commit)
    listen_once(Session, "after_rollback", _after_rollback)
    periodic("notifications-sweep", "notifications.delivery.sweep_job", every=60)
