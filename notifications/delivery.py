"""Delivering outbox rows as WeChat subscribe messages, from the job queue, with retries.

A row is pending until one attempt owns it: a conditional UPDATE bumps `attempts` and pushes
`next_attempt_at` out by a lease, so the queued job, a retry and the sweeper never send the same
row twice at once. Then:

- sent: WeChat accepted it;
- skipped (final): no subscribe consent held for the template (`no_consent`: WeChat is not
  called), errcode 43101 (WeChat holds none either), no bound account, the person left, no
  template configured for the kind, or demo mode (no WeChat: the message is written to the log);
- failed (final): WeChat refused the message for good — a template or page it does not know
  (40037, 41030), data it does not accept (47003, 45168 sensitive words), subscribe messages
  banned for the app (43107) — logged as an error; or transient failures went on for
  NOTIFY_MAX_ATTEMPTS attempts;
- pending again: WeChat was unavailable, busy, over a quota or answered something that is not
  JSON; retried with backoff (an RQ delayed job, and the sweeper as a safety net).

Every message goes to the build named by WECHAT_MINIPROGRAM_STATE, in zh_CN, with the keyword
values shaped to their WeChat types (`notifications.templates`).
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import select, update

from jobs import app_job, enqueue
from models import Account, Notification, db, utcnow
from notifications import consents, templates
from notifications.inbox import has_left
from notifications.settings import settings
from notifications.templates import Template, ValueShapeError
from wechat import WeChatRateLimited, WeChatRejected, WeChatUnavailable, get_wechat, redact

log = logging.getLogger(__name__)

ERRCODE_NOT_SUBSCRIBED = 43101
# Longer than one WeChat call can take (connect + read timeouts, token refresh included).
LEASE = timedelta(seconds=120)
# Seconds to wait after the n-th failed attempt.
RETRY_DELAYS = (30, 120, 600, 1800, 3600, 7200)
# The sweeper leaves fresh rows to the job that was queued for them.
SWEEP_GRACE = timedelta(seconds=60)

# Refusals that no retry will change: log them as errors, the message is failed.
FINAL_ERRCODES = {
    40003: "touser is not an openid of this mini-program",
    40037: "template_id is wrong",
    41030: "page does not exist in the build named by WECHAT_MINIPROGRAM_STATE",
    43107: "subscribe messages are banned for this mini-program",
    45168: "the message contains words WeChat does not allow",
    47003: "template data does not fit the template's keywords",
}
# Busy or over a quota: try again later.
RETRY_ERRCODES = {43108}  # several messages to the same user at the same moment


def template_for(kind: str) -> Template | None:
    """The checked template for a kind (WECHAT_TEMPLATES), or None when it has none."""
    app = current_app
    raw = app.config.get("WECHAT_TEMPLATES")
    loaded_from, loaded = app.extensions.get("notification_templates", (None, {}))
    if loaded_from is not raw:
        # Changed after start-up (tests, a shell): check it again, the same way.
        loaded = templates.load(app.config, production=False)
        app.extensions["notification_templates"] = (raw, loaded)
    return loaded.get(kind)


def kind_templates() -> dict[str, str]:
    """kind → template id, for every kind WECHAT_TEMPLATES configures."""
    from notifications.kinds import KINDS

    return {kind: t.template_id for kind in KINDS if (t := template_for(kind)) is not None}


def message_data(kind: str, data: dict[str, Any]) -> dict[str, Any] | None:
    """What WeChat would get as the message's data for a kind, or None without a template."""
    template = template_for(kind)
    return template.render(data) if template else None


def backoff(attempts: int) -> timedelta:
    """The wait after `attempts` failed attempts."""
    return timedelta(seconds=RETRY_DELAYS[min(attempts, len(RETRY_DELAYS)) - 1])


def _take(notification_id: int, now: datetime) -> bool:
    """Own the next attempt on a row (conditional UPDATE), committed at once."""
    result = db.session.execute(
        update(Notification)
        .where(
            Notification.id == notification_id,
            Notification.status == "pending",
            Notification.next_attempt_at <= now,
        )
        .values(attempts=Notification.attempts + 1, next_attempt_at=now + LEASE)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return result.rowcount == 1


def _finish(n: Notification, status: str, error: str | None, now: datetime) -> None:
    n.status = status
    n.last_error = redact(error)[:255] if error else None
    if status == "sent":
        n.sent_at = now
    db.session.commit()


def deliver(notification_id: int, now: datetime | None = None) -> str:
    """Make one attempt at sending an outbox row; returns its status after (or "busy")."""
    now = now or utcnow()
    if not _take(notification_id, now):
        return "busy"
    n = db.session.get(Notification, notification_id)
    db.session.refresh(n)
    client = get_wechat()
    if client is None:
        log.info("notification %s (demo mode, not sent) to person %s: %s %s",
                 n.id, n.person_id, n.kind, n.data)  # fmt: skip
        _finish(n, "skipped", "demo_mode: WeChat not configured, written to the log", now)
        return n.status
    template = template_for(n.kind)
    if template is None:
        _finish(n, "skipped", f"no_template: WECHAT_TEMPLATES has no entry for {n.kind}", now)
        return n.status
    openid = db.session.scalar(select(Account.openid).where(Account.person_id == n.person_id))
    if not openid:
        _finish(n, "skipped", "no_account: the person has not bound a WeChat account", now)
        return n.status
    if has_left(n.person_id):
        _finish(n, "skipped", "left: the person has left the mine", now)
        return n.status
    try:
        values = template.render(n.data or {})
    except ValueShapeError as exc:
        log.error("notification %s (%s) cannot be shaped for its template: %s", n.id, n.kind, exc)
        _finish(n, "failed", f"bad_value: {exc}", now)
        return n.status
    # One consent per send: none held, no call to WeChat (it would answer 43101).
    if not consents.spend(n.person_id, template.template_id, now):
        _finish(n, "skipped", "no_consent: no subscribe consent held for this template", now)
        return n.status
    db.session.commit()
    try:
        client.send_subscribe(openid, template.template_id, values, n.page)
    except WeChatRejected as exc:
        if exc.errcode == ERRCODE_NOT_SUBSCRIBED:
            consents.forget(n.person_id, template.template_id, now)
            _finish(n, "skipped", "43101: the user has not subscribed to this message", now)
        elif exc.errcode in RETRY_ERRCODES:
            consents.give_back(n.person_id, template.template_id, now)
            _retry_later(n, f"{exc.errcode}: {exc.errmsg}", now)
        else:
            consents.give_back(n.person_id, template.template_id, now)
            why = FINAL_ERRCODES.get(exc.errcode, "refused")
            log.error(
                "WeChat refused notification %s (%s): %s %s — %s",
                n.id, n.kind, exc.errcode, exc.errmsg, why,
            )  # fmt: skip
            _finish(n, "failed", f"{exc.errcode}: {exc.errmsg} ({why})", now)
        return n.status
    except WeChatRateLimited as exc:
        consents.give_back(n.person_id, template.template_id, now)
        _retry_later(n, f"{exc.errcode}: rate limited by WeChat", now)
        return n.status
    except WeChatUnavailable as exc:
        # Not answered (or not JSON): WeChat did not take the message, nor the consent.
        consents.give_back(n.person_id, template.template_id, now)
        _retry_later(n, f"wechat_unavailable: {exc.__cause__ or exc}", now)
        return n.status
    except Exception as exc:  # noqa: BLE001 - an unknown failure is retried, not lost
        log.exception("sending notification %s failed", n.id)
        consents.give_back(n.person_id, template.template_id, now)
        _retry_later(n, f"error: {exc!r}", now)
        return n.status
    _finish(n, "sent", None, now)
    return n.status


def _retry_later(n: Notification, error: str, now: datetime) -> None:
    if n.attempts >= settings().max_attempts:
        _finish(n, "failed", f"gave up after {n.attempts} attempts; last: {error}", now)
        return
    delay = backoff(n.attempts)
    n.next_attempt_at = now + delay
    n.last_error = redact(error)[:255]
    db.session.commit()
    try:
        enqueue(deliver_job, n.id, delay=delay)
    except Exception as exc:  # noqa: BLE001 - the sweeper will find the row when it is due
        log.warning("could not schedule the retry of notification %s: %s", n.id, exc)


def enqueue_delivery(ids: list[int]) -> int:
    """Queue delivery jobs for committed rows; rows that cannot be queued wait for the sweeper."""
    queued = 0
    for notification_id in ids:
        try:
            enqueue(deliver_job, notification_id)
            queued += 1
        except Exception as exc:  # noqa: BLE001 - Redis down: the outbox row stays pending
            log.warning(
                "notification %s not queued (%s); the sweeper will send it", notification_id, exc
            )
            break
    return queued


def due(now: datetime, grace: timedelta = SWEEP_GRACE, limit: int = 200) -> list[int]:
    """Pending rows whose next attempt is due (and older than `grace`)."""
    return list(
        db.session.scalars(
            select(Notification.id)
            .where(Notification.status == "pending", Notification.next_attempt_at <= now - grace)
            .order_by(Notification.next_attempt_at)
            .limit(limit)
        )
    )


def sweep(now: datetime | None = None, grace: timedelta = SWEEP_GRACE, limit: int = 200) -> dict:
    """Send the due rows that no job took care of (queued while Redis was down, lost retries)."""
    now = now or utcnow()
    counts: dict[str, int] = {}
    for notification_id in due(now, grace, limit):
        status = deliver(notification_id, now)
        counts[status] = counts.get(status, 0) + 1
    return counts


@app_job
def deliver_job(notification_id: int) -> str:
    """The queued job: one delivery attempt."""
    return deliver(notification_id)


@app_job
def sweep_job() -> dict:
    """The periodic sweeper."""
    return sweep()
