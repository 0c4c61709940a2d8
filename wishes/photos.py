"""Photos (a fulfilled wish's proof, a 六大员 candidate's portrait): decoded within a memory
budget, cleaned of metadata, stored behind the storage interface, checked by WeChat's image
security check before anyone but their uploader and managers sees them, and served through
short-lived signed links.

Decoding. An image is accepted when its bytes (not its name or declared type) are a complete
JPEG, PNG or WebP of at most UPLOAD_MAX_BYTES. A JPEG is decoded in draft mode, scaled by 1/2,
1/4 or 1/8 inside the decoder to about the stored size; then the pixels to decode may be at most
IMAGE_MAX_PIXELS (24 MP: ~96 MB as RGBA). At most IMAGE_DECODE_CONCURRENCY images are decoded at
once per process; an upload that waits IMAGE_DECODE_WAIT_SECONDS for a slot gets 503
`image_busy`. The image is re-encoded (JPEG, or PNG when it has transparency: WeChat's check
reads no WebP): EXIF (GPS location included), XMP and text chunks go, the EXIF orientation is
baked into the pixels, the long edge is capped at 2560.

Checking. With WeChat configured every photo starts `checking` and is sent, after the upload
commits, to mediaCheckAsync v2 (a signed link under PUBLIC_BASE_URL that WeChat fetches, the
uploader's openid, the scene of its use). WeChat pushes the verdict to our push endpoint:
pass → shown to everyone who may see its wish or candidate; risky → withdrawn everywhere and
the uploader told why; review, a check WeChat could not do, or no answer within
WECHAT_MEDIA_CHECK_TIMEOUT_MINUTES → `review`, left for the branch secretary (or committee) to
judge — never published without a verdict. In demo mode the local check above is the check.
"""

from __future__ import annotations

import hashlib
import hmac
import io
import logging
import threading
import time
import uuid
import warnings
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from PIL import Image, ImageOps
from sqlalchemy import event, or_, select, update
from sqlalchemy.orm import Session

from accounts.principal import Principal
from models import Candidate, Person, RoleGrant, Unit, Upload, Wish, db, utcnow
from notifications import notify
from storage import get_storage
from wechat import (
    MediaCheckResult,
    WeChatRateLimited,
    WeChatRejected,
    WeChatUnavailable,
    get_wechat,
    sniff_image,
)
from wishes import services
from wishes.content_check import openid_of
from wishes.errors import (
    ImageBusy,
    ImageInvalid,
    ImageTooLarge,
    PhotoNotJudgeable,
    UnsupportedImage,
    WishNotFound,
)

log = logging.getLogger(__name__)

MAX_EDGE = 2560  # phones on a weak network do not need more
# Stored as: the input format, except WebP (WeChat's image check cannot read it).
STORED = {"JPEG": ("JPEG", "image/jpeg", "jpg"), "PNG": ("PNG", "image/png", "png")}
# mediaCheckAsync scene per use: 1 资料 (a profile), 3 论坛 (posts the public reads).
SCENES = {"wish": 3, "candidate": 1}
# Where the signed content link lives (the miniapp_api route UploadContent).
CONTENT_PATH = "/api/v1/uploads/{id}/content"
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
# What the uploader's `check` says (API.md: checking | pass | risky): a photo waiting for a
# secretary is still being checked, as far as they are concerned.
PUBLIC_CHECK = {"checking": "checking", "review": "checking", "pass": "pass", "risky": "risky"}


# What we accept, by the bytes' magic number (never by the name or declared type).
ACCEPTED = {"image/jpeg": "JPEG", "image/png": "PNG", "image/webp": "WEBP"}


def sniff(data: bytes) -> str | None:
    """The accepted image format (Pillow's name) from the first bytes, or None."""
    return ACCEPTED.get(sniff_image(data) or "")


@dataclass(frozen=True)
class CleanImage:
    data: bytes
    format: str
    content_type: str
    ext: str
    width: int
    height: int


# -- decoding within a budget ---------------------------------------------------------------

_slots_lock = threading.Lock()
_slots: dict[int, threading.BoundedSemaphore] = {}


def decode_slots() -> threading.BoundedSemaphore:
    """This process's decode slots (IMAGE_DECODE_CONCURRENCY of them)."""
    n = current_app.config["IMAGE_DECODE_CONCURRENCY"]
    with _slots_lock:
        if n not in _slots:
            _slots[n] = threading.BoundedSemaphore(n)
        return _slots[n]


def clean_image(data: bytes) -> CleanImage:
    """Validate an uploaded image and return it re-encoded without metadata, decoding no more
    than the pixel budget, in one of this process's decode slots."""
    config = current_app.config
    if len(data) > config["UPLOAD_MAX_BYTES"]:
        raise ImageTooLarge()
    fmt = sniff(data)
    if fmt is None:
        raise UnsupportedImage()
    slots = decode_slots()
    if not slots.acquire(timeout=config["IMAGE_DECODE_WAIT_SECONDS"]):
        raise ImageBusy()
    try:
        return decode(data, fmt, config["IMAGE_MAX_PIXELS"])
    finally:
        slots.release()


def decode(data: bytes, fmt: str, max_pixels: int) -> CleanImage:
    """Decode (JPEG in draft mode), refuse more than `max_pixels`, shrink, re-encode."""
    img: Image.Image | None = None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            img = Image.open(io.BytesIO(data), formats=[fmt])
            target = _target_size(img.size)
            if fmt == "JPEG":
                # DCT scaling: the decoder itself produces about the target size, not full size.
                img.draft(img.mode, target)
            if img.width * img.height > max_pixels:
                raise ImageInvalid("图片尺寸过大")
            img.load()  # decodes every byte: a truncated file fails here
            # Shrink first (freeing the full-size pixels), so what follows works on the small one.
            img = _shrink(img, target)
            img = ImageOps.exif_transpose(img)
            out_fmt, content_type, ext = _stored_format(fmt, img)
            out = io.BytesIO()
            _save(img, out_fmt, out)
            size = img.size
    except (ImageTooLarge, UnsupportedImage, ImageInvalid):
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise ImageInvalid("图片尺寸过大") from exc
    except (OSError, SyntaxError, ValueError) as exc:
        raise ImageInvalid() from exc
    finally:
        if img is not None:
            img.close()
    return CleanImage(out.getvalue(), out_fmt, content_type, ext, size[0], size[1])


def _target_size(size: tuple[int, int]) -> tuple[int, int]:
    """The stored size: the long edge capped at MAX_EDGE, the aspect ratio kept."""
    width, height = size
    if max(width, height) <= MAX_EDGE:
        return width, height
    scale = MAX_EDGE / max(width, height)
    return max(1, round(width * scale)), max(1, round(height * scale))


def _shrink(img: Image.Image, target: tuple[int, int]) -> Image.Image:
    """Resize to `target`, releasing the big image as early as possible. Resizing RGBA
    premultiplies alpha into a full-size copy; done here, the original can go before the
    resize rather than after it (~100 MB less at 24 MP)."""
    if img.size == target:
        return img
    premultiplied = {"RGBA": "RGBa", "LA": "La"}.get(img.mode)
    if premultiplied is None:
        small = img.resize(target, Image.Resampling.LANCZOS, reducing_gap=2.0)
        img.close()
        return small
    mode = img.mode
    work = img.convert(premultiplied)
    img.close()
    small = work.resize(target, Image.Resampling.LANCZOS, reducing_gap=2.0)
    work.close()
    return small.convert(mode)


def _stored_format(fmt: str, img: Image.Image) -> tuple[str, str, str]:
    if fmt in STORED:
        return STORED[fmt]
    transparent = img.mode in ("RGBA", "LA", "PA") or "transparency" in img.info
    return STORED["PNG"] if transparent else STORED["JPEG"]


def _save(img: Image.Image, fmt: str, out: io.BytesIO) -> None:
    # Keep pixels only: EXIF (GPS), XMP, ICC, comments and text chunks go.
    img.info = {k: v for k, v in img.info.items() if k == "transparency"}
    if fmt == "JPEG":
        if img.mode not in ("RGB", "L"):
            img = img.convert("RGB")
        img.save(out, "JPEG", quality=88, optimize=True)
    else:
        if img.mode not in ("RGB", "RGBA", "L", "LA", "P"):
            img = img.convert("RGBA")
        img.save(out, "PNG", optimize=True)


# -- storing ----------------------------------------------------------------------------------


def store_upload(owner: Person, data: bytes, purpose: str = "wish", prefix: str = "") -> Upload:
    """Validate, clean and store an image for its owner; the row is added to the session and
    its WeChat check is sent once the session commits."""
    image = clean_image(data)
    now = utcnow()
    key = f"{prefix or now.strftime('%Y/%m/')}{uuid.uuid4().hex}.{image.ext}"
    get_storage().save(key, image.data, image.content_type)
    demo = get_wechat() is None
    upload = Upload(
        owner_id=owner.id,
        storage_key=key,
        content_type=image.content_type,
        size=len(image.data),
        width=image.width,
        height=image.height,
        sha256=hashlib.sha256(image.data).hexdigest(),
        purpose=purpose,
        created_at=now,
        # Demo mode: the local check (a complete image, re-encoded) is the check.
        check_status="pass" if demo else "checking",
        check_note="local" if demo else None,
        checked_at=now if demo else None,
    )
    db.session.add(upload)
    db.session.flush()
    if not demo:
        db.session.info.setdefault(_AFTER_COMMIT, []).append(upload.id)
    return upload


def read(upload: Upload) -> bytes:
    """The stored bytes of an upload."""
    return get_storage().read(upload.storage_key)


def public_check(upload: Upload) -> str:
    """The API's `check`: checking | pass | risky."""
    return PUBLIC_CHECK[upload.check_status]


# -- who sees a photo ---------------------------------------------------------------------------


def _branch_of(person: Person) -> int | None:
    if person.branch_id is not None:
        return person.branch_id
    return person.unit.branch_id if person.unit is not None else None


def manages(p: Principal, upload: Upload) -> bool:
    """The secretary of the uploader's branch (or of the wish's), or committee of the mine."""
    owner = upload.owner
    if p.manages_branch(_branch_of(owner), owner.mine_id):
        return True
    if upload.wish_id is not None:
        wish = db.session.get(Wish, upload.wish_id)
        return wish is not None and p.manages_branch(wish.branch_id, wish.mine_id)
    return False


def may_view(p: Principal, upload: Upload) -> bool:
    """Withdrawn: nobody. Before WeChat passed it: its uploader and managers. After: anyone
    who may see the wish it proves."""
    if upload.check_status == "risky":
        return False
    if p.person_id is not None and upload.owner_id == p.person_id:
        return True
    if p.person_id is not None and manages(p, upload):
        return True
    if upload.check_status != "pass" or upload.wish_id is None:
        return False
    try:
        services.get_visible(p, upload.wish_id)
    except Exception:  # noqa: BLE001 - not visible is the only answer wanted here
        return False
    return True


def shown_on_wish(p: Principal, wish: Wish) -> list[Upload]:
    """The proof photos of a wish this viewer may see (never a withdrawn one)."""
    uploads = services.photos_of(wish.id)
    rel = services.relations(p, wish)
    managers = bool(rel & {"secretary", "committee"})
    return [
        u
        for u in uploads
        if u.check_status == "pass"
        or (u.check_status != "risky" and (managers or u.owner_id == p.person_id))
    ]


# -- signed links: <image src> in the mini-program cannot send an Authorization header --------


def _sig(upload_id: int, expires: int) -> str:
    key = current_app.config["SECRET_KEY"].encode()
    msg = f"upload:{upload_id}:{expires}".encode()
    return hmac.new(key, msg, hashlib.sha256).hexdigest()[:32]


def sign(upload_id: int, now: float | None = None) -> tuple[int, str]:
    """(expires, signature) for a link to an upload; expiry rounded up to the hour so the same
    viewer gets the same URL (and the client's cache works) within that hour."""
    now = time.time() if now is None else now
    ttl = current_app.config["UPLOAD_URL_TTL_SECONDS"]
    expires = (int(now + ttl) // 3600 + 1) * 3600
    return expires, _sig(upload_id, expires)


def verify(upload_id: int, expires: int, signature: str, now: float | None = None) -> bool:
    """A link is good until it expires, if its signature matches."""
    now = time.time() if now is None else now
    if expires < now:
        return False
    return hmac.compare_digest(_sig(upload_id, expires), signature or "")


def check_url(upload: Upload) -> str | None:
    """The signed absolute link WeChat fetches the photo from (None without PUBLIC_BASE_URL)."""
    base = current_app.config.get("PUBLIC_BASE_URL")
    if not base:
        return None
    expires, sig = sign(upload.id)
    return f"{base}{CONTENT_PATH.format(id=upload.id)}?expires={expires}&sig={sig}"


# -- WeChat's image check ------------------------------------------------------------------------

_AFTER_COMMIT = "frontline_media_checks"


def _after_commit(session: Session) -> None:
    ids = session.info.pop(_AFTER_COMMIT, None)
    if ids:
        from jobs import enqueue
        from wishes.jobs import media_check_job

        for upload_id in ids:
            try:
                enqueue(media_check_job, upload_id)
            except Exception as exc:  # noqa: BLE001 - the periodic sweep sends it instead
                log.warning("media check of upload %s not queued (%s)", upload_id, exc)
                break


def _after_rollback(session: Session) -> None:
    session.info.pop(_AFTER_COMMIT, None)


_installed = False


def install_commit_hooks() -> None:
    """Queue each committed upload's WeChat check (once per process)."""
    global _installed
    if not _installed:
        event.listen(Session, "after_commit", _after_commit)
        event.listen(Session, "after_rollback", _after_rollback)
        _installed = True


def submit_check(upload_id: int, now: datetime | None = None) -> str:
    """Send one upload to mediaCheckAsync; returns its check status after (or "busy")."""
    now = now or utcnow()
    taken = db.session.execute(
        update(Upload)
        .where(
            Upload.id == upload_id,
            Upload.check_status == "checking",
            Upload.check_trace_id.is_(None),
            or_(
                Upload.check_requested_at.is_(None),
                Upload.check_requested_at <= now - CHECK_LEASE,
            ),
        )
        .values(check_requested_at=now)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    if taken.rowcount != 1:
        return "busy"
    upload = db.session.get(Upload, upload_id)
    db.session.refresh(upload)
    client = get_wechat()
    if client is None:
        _set(upload, "pass", "local", now)
        db.session.commit()
        return upload.check_status
    openid = openid_of(upload.owner_id)
    url = check_url(upload)
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
            db.session.commit()
            return upload.check_status
        else:
            upload.check_trace_id = trace_id
    db.session.commit()
    return upload.check_status


def _set(upload: Upload, status: str, note: str | None, now: datetime, by: int | None = None):
    upload.check_status = status
    upload.check_note = note[:255] if note else None
    upload.checked_at = now
    upload.checked_by_id = by


def _use_of(upload: Upload) -> tuple[str, str | None, int | None]:
    """(what the photo is used for, the page to open, the branch that manages it)."""
    if upload.wish_id is not None:
        wish = db.session.get(Wish, upload.wish_id)
        if wish is not None:
            return (f"心愿「{wish.title}」的圆梦照片", services.DETAIL_PAGE.format(id=wish.id),
                    wish.branch_id)  # fmt: skip
    if upload.purpose == "candidate":
        return "六大员候选人照片", None, _branch_of(upload.owner)
    return "上传的照片", None, _branch_of(upload.owner)


def to_review(upload: Upload, note: str, now: datetime) -> None:
    """Leave a photo for the secretary to judge, and tell the branch secretaries."""
    _set(upload, "review", note, now)
    use, _page, branch_id = _use_of(upload)
    reason = {
        "overdue": "微信图片安全检测未在规定时间内返回结果",
        "review": "微信图片安全检测建议人工复核",
    }.get(note, "微信图片安全检测未能完成")
    if branch_id is None:
        return
    secretaries = db.session.scalars(
        select(RoleGrant.person_id)
        .where(RoleGrant.role == "secretary", RoleGrant.branch_id == branch_id)
        .distinct()
    )
    for secretary_id in secretaries:
        notify(
            secretary_id,
            "photo_review_needed",
            {"use": use, "name": upload.owner.name, "reason": reason, "at": _local(now)},
        )


def withdraw(upload: Upload, reason: str, now: datetime, by: int | None = None) -> None:
    """Take a photo down everywhere it appears and tell its uploader why."""
    use, page, _branch = _use_of(upload)
    _set(upload, "risky", reason, now, by)
    if upload.purpose == "candidate":
        name = upload.storage_key.rsplit("/", 1)[-1]
        db.session.execute(
            update(Candidate)
            .where(Candidate.photo == name)
            .values(photo=None)
            .execution_options(synchronize_session=False)
        )
    notify(
        upload.owner_id,
        "photo_withdrawn",
        {"use": use, "reason": reason, "at": _local(now)},
        page,
    )


def _local(at: datetime) -> str:
    return services.local_time(at)


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
        _set(upload, "pass", None, now)
    elif result.suggest == "risky":
        label = LABELS.get(result.label or 0, "违规")
        withdraw(upload, f"微信图片安全检测认为该图片可能含有{label}内容，已撤下", now)
    elif upload.check_status == "checking":
        to_review(upload, "review", now)
    return upload


def sweep_checks(now: datetime | None = None, limit: int = 200) -> dict[str, int]:
    """Send checks that never went out (queue or WeChat down); hand photos WeChat did not
    answer in time to the secretary."""
    now = now or utcnow()
    deadline = now - timedelta(minutes=current_app.config["WECHAT_MEDIA_CHECK_TIMEOUT_MINUTES"])
    counts = {"sent": 0, "overdue": 0}
    overdue = list(
        db.session.scalars(
            select(Upload.id)
            .where(Upload.check_status == "checking", Upload.created_at <= deadline)
            .order_by(Upload.created_at)
            .limit(limit)
        )
    )
    for upload_id in overdue:
        upload = db.session.get(Upload, upload_id, with_for_update=True)
        if upload is not None and upload.check_status == "checking":
            to_review(upload, "overdue", now)
            counts["overdue"] += 1
        db.session.commit()
    unsent = list(
        db.session.scalars(
            select(Upload.id)
            .where(
                Upload.check_status == "checking",
                Upload.check_trace_id.is_(None),
                or_(
                    Upload.check_requested_at.is_(None),
                    Upload.check_requested_at <= now - CHECK_LEASE,
                ),
            )
            .order_by(Upload.created_at)
            .limit(limit)
        )
    )
    for upload_id in unsent:
        if submit_check(upload_id, now) != "busy":
            counts["sent"] += 1
    return counts


# -- the secretary's review -----------------------------------------------------------------------


def managed_scope(p: Principal):
    """Uploads whose uploader (or wish) is in a branch the caller manages, or their mine."""
    p.require("secretary", "committee")
    conditions = []
    if p.secretary_of:
        branch_ids = list(p.secretary_of)
        conditions.append(Person.branch_id.in_(branch_ids))
        conditions.append(Person.branch_id.is_(None) & Unit.branch_id.in_(branch_ids))
        conditions.append(Wish.branch_id.in_(branch_ids))
    if p.committee_of:
        conditions.append(Person.mine_id.in_(list(p.committee_of)))
    return (
        select(Upload)
        .join(Person, Person.id == Upload.owner_id)
        .join(Unit, Unit.id == Person.unit_id)
        .outerjoin(Wish, Wish.id == Upload.wish_id)
        .where(or_(*conditions))
    )


def review_queue(p: Principal, status: str | None = "review"):
    """Photos for the caller to look at (default: those waiting for a judgement), oldest first."""
    stmt = managed_scope(p)
    if status:
        stmt = stmt.where(Upload.check_status == status)
    return stmt.order_by(Upload.created_at, Upload.id)


def judge(p: Principal, upload_id: int, approve: bool, reason: str | None) -> Upload:
    """A secretary's (or committee's) verdict: approve a photo waiting for review, or withdraw
    any photo that is not withdrawn already."""
    person = p.require("secretary", "committee")
    upload = db.session.get(Upload, upload_id, with_for_update=True)
    if upload is None or not manages(p, upload):
        raise WishNotFound("图片不存在或无权查看")
    now = utcnow()
    if approve:
        if upload.check_status != "review":
            raise PhotoNotJudgeable()
        _set(upload, "pass", reason or "approved", now, person.id)
    else:
        if upload.check_status == "risky":
            raise PhotoNotJudgeable("该图片已撤下")
        why = (reason or "").strip() or "经支部书记审核，该图片不宜公开"
        withdraw(upload, why, now, person.id)
    return upload


def review_row(upload: Upload) -> dict[str, Any]:
    """What the secretary's list shows of a photo (the caller adds the link)."""
    use, _page, _branch = _use_of(upload)
    return {
        "id": upload.id,
        "purpose": upload.purpose,
        "use": use,
        "wish_id": upload.wish_id,
        "status": upload.check_status,
        "check": public_check(upload),
        "note": upload.check_note,
        "label": upload.check_label,
        "uploader": {"id": upload.owner.id, "name": upload.owner.name},
        "created_at": upload.created_at,
        "checked_at": upload.checked_at,
    }


# -- housekeeping --------------------------------------------------------------------------------


def purge_orphans(older_than_days: int = 7, limit: int = 500) -> int:
    """Delete wish photos never attached to a wish; the caller commits."""
    cutoff = utcnow() - timedelta(days=older_than_days)
    orphans = db.session.scalars(
        db.select(Upload)
        .where(Upload.purpose == "wish", Upload.wish_id.is_(None), Upload.created_at < cutoff)
        .limit(limit)
    ).all()
    storage = get_storage()
    for upload in orphans:
        storage.delete(upload.storage_key)
        db.session.delete(upload)
    return len(orphans)
