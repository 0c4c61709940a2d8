"""Notifications to people (WeChat subscribe messages) through the outbox.

Domain code calls `notify(...)` inside its own unit of work; the row commits with the change it
reports, so nothing accepted is lost when the queue or WeChat is down. Delivery (a background
worker with retries) lives in `notifications.delivery`.
"""

from __future__ import annotations

from typing import Any

from models import Notification, db


def notify(
    person_id: int, kind: str, data: dict[str, Any], page: str | None = None
) -> Notification:
    """Queue a message to a roster person; it is sent after the surrounding transaction commits."""
    n = Notification(person_id=person_id, kind=kind, data=data, page=page)
    db.session.add(n)
    return n
