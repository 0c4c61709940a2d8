"""Plain helpers of the notification tests (other folders import them from here)."""

from __future__ import annotations

from typing import Any

from models import Account, db
from notifications import consents


def give_consent(app: Any, fake: Any, person_id: int, template_id: str, n: int = 1) -> None:
    """The person tapped "allow" n times for the template: WeChat (the fake) and our accounting
    both hold n more consents."""
    with app.app_context():
        openid = db.session.scalar(db.select(Account.openid).where(Account.person_id == person_id))
        for _ in range(n):
            consents._add(person_id, template_id, 1, "accept", consents.utcnow())
        db.session.commit()
    if openid:
        fake.grant(openid, template_id, n)
