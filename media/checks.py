"""WeChat's image check of a stored photo, and what each verdict does.

With WeChat configured every photo starts `checking` and is sent, after the upload commits, to
mediaCheckAsync v2 (a signed link under PUBLIC_BASE_URL that WeChat fetches, the uploader's
openid, the scene of its use). WeChat pushes the verdict to our push endpoint: pass → shown to
everyone who may see what it belongs to; risky → withdrawn everywhere and the uploader told why;
review, a check WeChat could not do, or no answer within WECHAT_MEDIA_CHECK_TIMEOUT_MINUTES →
`review`, left for the branch secretary (or committee) to judge — never published without a
verdict. In demo mode the local check (a complete image, re-encoded) is the check.

Nothing here commits: a job sends one check in two units of work (`media.jobs.submit_check`),
the push view commits the verdict it applied.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy import or_, select, update

from clock import local_time
from media import owners
from media.settings import MediaSettings
from media.signing import check_url
from models import RoleGrant, Upload, db, utcnow
from people import openid_of
from wechat import (
    MediaCheckResult,
    WeChatRateLimited,
    WeChatRejected,
    WeChatUnavailable,
    get_wechat,
)

log = logging.getLogger(__name__)

# mediaCheckAsync scene per use: 1 资料 (a profile), 3 论坛 (posts the public reads).
SCENES = {"wish": 3, "candidate": 1}
# One attempt at sending a check owns the upload this long.
CHECK_LEASE = timedelta(minutes=2)
# The uploader may have closed the app; these answers mean WeChat cannot check for them.
ERRCODES_FOR_REVIEW = {
    40003: "openid_invalid",
    43104: "openid_of_another_app",
    61010: "uploader_inactive",  # has not opened the mini-program in the last two hours
    87020: "repeat_limit",
}
LABELS = {20001: "时政", 20002: "色情", 20006: "违法犯罪", 21000: "其他违规"}


def unsent_condition(now: datetime):
    """Uploads still checking whose check never went out, or whose sending lease ran out."""
    return (
        (Upload.check_status == "checking")
        & Upload.check_trace_id.is_(None)
        & or_(
            Upload.check_requested_at.is_(None),
            Upload.check_requested_at <= now - CHECK_LEASE,
        )
    )


def claim(upload_id: int, now: datetime) -> bool:
    """Take the lease on sending one upload's check (False: sent, decided, or being sent)."""
    taken = db.session.execute(
        update(Upload)
        .where(Upload.id == upload_id, unsent_condition(now))
        .values(check_requested_at=now)
        .execution_options(synchronize_session=False)
    )
    return taken.rowcount == 1


def send(upload_id: int, now: datetime, config: MediaSettings | None = None) -> str:
    """Send a claimed upload to mediaCheckAsync; returns its check status after."""
    upload = db.session.get(Upload, upload_id)
    client = get_wechat()
    if client is None:
        set_verdict(upload, "pass", "local", now)
        return upload.check_status
    openid = openid_of(upload.owner_id)
    url = check_url(upload.id, config)
    if url is None:
        log.error("PUBLIC_BASE_URL is not set: WeChat cannot fetch photos to check them")
        to_review(upload, "no_public_url", now)
    elif not openid:
        to_review(upload, "no_openid", now)
    else:
        try:
            trace_id = client.media_check_async(url, openid, SCENES.get(upload.purpose, 3))
        except WeChatRejected as exc:
            note = ERRCODES_FOR_REVIEW.get(exc.errcode)
            if note is None:
                log.error("media_check_async refused upload %s: %s %s", upload.id, exc.errcode,
                          exc.errmsg)  # fmt: skip
                note = f"wechat_{exc.errcode}"
            to_review(upload, note, now)
        except (WeChatUnavailable, WeChatRateLimited) as exc:
            # Left as it is: the periodic sweep sends it again once the lease ran out.
            log.warning("media_check_async for upload %s unavailable: %r", upload.id, exc)
        else:
            upload.check_trace_id = trace_id
    return upload.check_status


def set_verdict(
    upload: Upload, status: str, note: str | None, now: datetime, by: int | None = None
) -> None:
    """Record a check status, why, when and by whom (None: WeChat or the sweeper)."""
    upload.check_status = status
    upload.check_note = note[:255] if note else None
    upload.checked_at = now
    upload.checked_by_id = by


def to_review(upload: Upload, note: str, now: datetime) -> None:
    """Leave a photo for the secretary to judge, and tell the branch secretaries."""
    set_verdict(upload, "review", note, now)
    use = owners.use_of(upload)
    reason = {
        "overdue": "微信图片安全检测未在规定时间内返回结果",
        "review": "微信图片安全检测建议人工复核",
    }.get(note, "微信图片安全检测未能完成")
    if use.branch_id is None:
        return
    secretaries = db.session.scalars(
        select(RoleGrant.person_id)
        .where(RoleGrant.role == "secretary", RoleGrant.branch_id == use.branch_id)
        .distinct()
    )
    for secretary_id in secretaries:
        owners.notify(
            secretary_id,
            "photo_review_needed",
            {"use": use.what, "name": upload.owner.name, "reason": reason, "at": local_time(now)},
        )


def withdraw(upload: Upload, reason: str, now: datetime, by: int | None = None) -> None:
    """Take a photo down everywhere it appears and tell its uploader why."""
    use = owners.use_of(upload)
    set_verdict(upload, "risky", reason, now, by)
    owners.withdrawn(upload)
    owners.notify(
        upload.owner_id,
        "photo_withdrawn",
        {"use": use.what, "reason": reason, "at": local_time(now)},
        use.page,
    )


def apply_result(result: MediaCheckResult, now: datetime | None = None) -> Upload | None:
    """WeChat's pushed verdict on an upload (idempotent; a secretary's judgement stands)."""
    now = now or utcnow()
    upload = db.session.scalar(
        select(Upload).where(Upload.check_trace_id == result.trace_id).with_for_update()
    )
    if upload is None:
        log.warning("media check result for an unknown trace_id %s", result.trace_id)
        return None
    if upload.checked_by_id is not None or upload.check_status in ("pass", "risky"):
        return upload  # already decided (a repeated push, or a person judged it)
    upload.check_label = result.label
    if result.errcode != 0 or result.suggest is None:
        log.warning("WeChat could not check upload %s: errcode %s", upload.id, result.errcode)
        to_review(upload, f"wechat_{result.errcode}", now)
    elif result.suggest == "pass":
        set_verdict(upload, "pass", None, now)
    elif result.suggest == "risky":
        label = LABELS.get(result.label or 0, "违规")
        withdraw(upload, f"微信图片安全检测认为该图片可能含有{label}内容，已撤下", now)
    elif upload.check_status == "checking":
        to_review(upload, "review", now)
    return upload
