"""Subscribe-message consents: WeChat lets the app send a template to a user once per "allow"
the user tapped in wx.requestSubscribeMessage; without one WeChat answers 43101.

- `report`: the mini-program posts what wx.requestSubscribeMessage answered (template id →
  accept / reject / ban / filter). Each report counts once, by the mini-program's request id (a
  unique constraint); each `accept` adds one consent for that person and template; a template id
  WECHAT_TEMPLATES does not know is ignored with a warning.
- `spend`: delivery takes one consent before it calls WeChat (a conditional UPDATE, never below
  zero); with none held the message is skipped (`no_consent`) and WeChat is never called.
- `give_back`: WeChat refused the send for a reason that did not use the consent (busy, down,
  a template or data it refused): the consent is returned.
- `ask_next`: which kinds the mini-program should ask consent for next: those the person is
  likely to receive (by role and by what they received lately) and holds no consent for.
"""

from __future__ import annotations

import logging
from collections import Counter
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import case, func, literal_column, select, update

from models import ConsentReport, Notification, SubscribeConsent, db, utcnow
from models.unit_of_work import insert_once

log = logging.getLogger(__name__)

# wx.requestSubscribeMessage lets the mini-program ask for at most 3 templates at once.
ASK_AT_MOST = 3
# What each role is likely to receive soon, most useful first.
ROLE_KINDS: dict[str, tuple[str, ...]] = {
    "member": (
        "wish_claimed",
        "wish_reviewed",
        "wish_fulfilled",
        "claim_deadline_near",
        "talk_reminder",
        "vote_reminder",
        "objection_answered",
    ),  # fmt: skip
    "secretary": ("wish_submitted", "photo_review_needed", "pairing_reviews"),
    "committee": ("pairing_reviews",),
}
RECENT = timedelta(days=90)


def report(
    person_id: int,
    request_id: str,
    results: dict[str, str],
    known_templates: set[str],
    now: datetime | None = None,
) -> dict[str, Any]:
    """Count one wx.requestSubscribeMessage answer (once per request id); the caller commits."""
    now = now or utcnow()
    report = ConsentReport(
        person_id=person_id, request_id=request_id, results=results, created_at=now
    )
    if not insert_once(report):
        return {"counted": False, "accepted": [], "ignored": []}
    accepted, ignored = [], []
    for template_id, result in sorted(results.items()):
        if template_id not in known_templates:
            log.warning(
                "consent report %s of person %s: unknown template %r ignored",
                request_id, person_id, template_id,
            )  # fmt: skip
            ignored.append(template_id)
            continue
        _add(person_id, template_id, 1 if result == "accept" else 0, result, now)
        if result == "accept":
            accepted.append(template_id)
    return {"counted": True, "accepted": accepted, "ignored": ignored}


def _add(person_id: int, template_id: str, delta: int, result: str, now: datetime) -> None:
    """Add `delta` consents (a row per person and template, created by the first report)."""
    bump = (
        update(SubscribeConsent)
        .where(SubscribeConsent.person_id == person_id, SubscribeConsent.template_id == template_id)
        .values(remaining=SubscribeConsent.remaining + delta, last_result=result, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    if db.session.execute(bump).rowcount:
        return
    row = SubscribeConsent(
        person_id=person_id,
        template_id=template_id,
        remaining=delta,
        last_result=result,
        updated_at=now,
    )
    if not insert_once(row):
        # Another report created the row at the same moment: add to it.
        db.session.execute(bump)


def held(person_id: int, template_id: str) -> int:
    """How many one-time consents the app holds for the person and template."""
    return int(
        db.session.scalar(
            select(SubscribeConsent.remaining).where(
                SubscribeConsent.person_id == person_id,
                SubscribeConsent.template_id == template_id,
            )
        )
        or 0
    )


def spend(person_id: int, template_id: str, now: datetime | None = None) -> bool:
    """Take one consent for a send; False when none is held. The caller commits."""
    result = db.session.execute(
        update(SubscribeConsent)
        .where(
            SubscribeConsent.person_id == person_id,
            SubscribeConsent.template_id == template_id,
            SubscribeConsent.remaining > 0,
        )
        .values(remaining=SubscribeConsent.remaining - 1, updated_at=now or utcnow())
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


def give_back(person_id: int, template_id: str, now: datetime | None = None) -> None:
    """Return a consent WeChat did not use. The caller commits."""
    db.session.execute(
        update(SubscribeConsent)
        .where(SubscribeConsent.person_id == person_id, SubscribeConsent.template_id == template_id)
        .values(remaining=SubscribeConsent.remaining + 1, updated_at=now or utcnow())
        .execution_options(synchronize_session=False)
    )


def forget(person_id: int, template_id: str, now: datetime | None = None) -> None:
    """WeChat says it holds no consent (43101): neither do we. The caller commits."""
    db.session.execute(
        update(SubscribeConsent)
        .where(SubscribeConsent.person_id == person_id, SubscribeConsent.template_id == template_id)
        .values(remaining=0, updated_at=now or utcnow())
        .execution_options(synchronize_session=False)
    )


def ask_next(
    person_id: int,
    roles: list[str],
    kind_templates: dict[str, str],
    now: datetime | None = None,
) -> list[dict[str, str]]:
    """The kinds (with their template ids) to ask consent for next, at most three: what the
    person received lately, most often first, then what their roles receive; never a template
    they hold a consent for or banned."""
    now = now or utcnow()
    recent = Counter(
        dict(
            db.session.execute(
                select(Notification.kind, func.count())
                .where(Notification.person_id == person_id, Notification.created_at >= now - RECENT)
                .group_by(Notification.kind)
            ).all()
        )
    )
    candidates = [kind for kind, _ in recent.most_common()]
    for role in ("member", *roles):
        candidates.extend(ROLE_KINDS.get(role, ()))
    rows = db.session.execute(
        select(
            SubscribeConsent.template_id,
            SubscribeConsent.remaining,
            SubscribeConsent.last_result,
        ).where(SubscribeConsent.person_id == person_id)
    ).all()
    skip = {t for t, remaining, last in rows if remaining > 0 or last == "ban"}
    out: list[dict[str, str]] = []
    for kind in candidates:
        template_id = kind_templates.get(kind)
        if not template_id or template_id in skip:
            continue
        skip.add(template_id)
        out.append({"kind": kind, "template_id": template_id})
        if len(out) == ASK_AT_MOST:
            break
    return out


def delivery_stats(mine_id: int | None = None) -> list[dict[str, Any]]:
    """Per kind: sent, skipped for want of a consent (ours or WeChat's 43101), other skips,
    failed and pending (of the people of one mine, when given)."""
    from models import Person

    no_consent = (Notification.status == "skipped") & (
        Notification.last_error.like("no_consent%") | Notification.last_error.like("43101%")
    )
    bucket = case((no_consent, "no_consent"), else_=Notification.status).label("bucket")
    stmt = select(Notification.kind, bucket, func.count())
    if mine_id is not None:
        stmt = stmt.join(Person, Person.id == Notification.person_id).where(
            Person.mine_id == mine_id
        )
    # By the output column's name: the CASE's bound parameters would make PostgreSQL see the
    # GROUP BY expression as a different one.
    stmt = stmt.group_by(Notification.kind, literal_column("bucket"))
    stats: dict[str, dict[str, Any]] = {}
    for kind, status, n in db.session.execute(stmt).all():
        row = stats.setdefault(
            kind,
            {"kind": kind, "sent": 0, "no_consent": 0, "skipped": 0, "failed": 0, "pending": 0},
        )
        row[status] = row.get(status, 0) + int(n)
    return [stats[k] for k in sorted(stats)]
