"""Notifications to people (WeChat subscribe messages) through the outbox.

Domain code calls `notify(...)` inside its own unit of work; the row commits with the change it
reports, so nothing accepted is lost when the queue or WeChat is down. After the commit the row
is handed to the job queue (`notifications.delivery`); a row that could not be queued is picked
up by the sweeper. A request never waits on WeChat.

Kinds and their data keys (map them to template fields with WECHAT_TEMPLATES):

| kind | to | data |
| --- | --- | --- |
| wish_submitted | branch secretary | title, name, at |
| wish_reviewed | wisher | title, result (已通过/未通过), reason, at |
| wish_claimed | wisher | title, name (the member), at |
| wish_fulfilled | wisher | title, name, note, at |
| wish_closed | wisher, claimer | title, reason, at |
| wish_confirmed | claimer | title, rating, thanks, at |
| claim_deadline_near | claimer | title, deadline |
| claim_expired | claimer | title, at |
| claim_returned | wisher | title, reason (the claimer left the mine), at |
| pairing_reviews | secretaries of both branches | count, branches, at, text |
| talk_reminder | member still due | month, required, done, deadline, remind_on, text |
| objection_answered | the objector | title, candidate, result (异议成立/不成立), reason, at |
| vote_reminder | bound employee who has not voted today | title, day, ends_at, text |
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask
from sqlalchemy import event
from sqlalchemy.orm import Session

from models import Notification, db

log = logging.getLogger(__name__)

_OUTBOX_KEY = "frontline_outbox_ids"


def notify(
    person_id: int, kind: str, data: dict[str, Any], page: str | None = None
) -> Notification:
    """Queue a message to a roster person; it is sent after the surrounding transaction commits."""
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


_installed = False


def init_app(app: Flask) -> None:
    """Hand each committed outbox row to the job queue (once per process)."""
    global _installed
    if not _installed:
        event.listen(Session, "after_flush", _collect)
        event.listen(Session, "after_commit", _after_commit)
        event.listen(Session, "after_rollback", _after_rollback)
        _installed = True
