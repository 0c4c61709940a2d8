"""Storing an uploaded image: cleaned, written behind the storage interface, recorded as an
Upload whose WeChat check is queued once the session commits (media/__init__.py installs the
session listeners)."""

from __future__ import annotations

import hashlib
import logging
import uuid

from sqlalchemy.orm import Session

from jobs import enqueue
from media.images import clean_image
from media.jobs import media_check_job
from media.settings import MediaSettings
from media.storage import get_storage
from models import Person, Upload, db, utcnow
from wechat import get_wechat

log = logging.getLogger(__name__)

# What the uploader's `check` says (API.md: checking | pass | risky): a photo waiting for a
# secretary is still being checked, as far as they are concerned.
PUBLIC_CHECK = {"checking": "checking", "review": "checking", "pass": "pass", "risky": "risky"}
# The session's list of uploads to send to WeChat's check after it commits.
AFTER_COMMIT = "frontline_media_checks"


def store_upload(
    owner: Person,
    data: bytes,
    purpose: str = "wish",
    prefix: str = "",
    config: MediaSettings | None = None,
) -> Upload:
    """Validate, clean and store an image for its owner; the row is added to the session and
    its WeChat check is sent once the session commits."""
    image = clean_image(data, config)
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
        db.session.info.setdefault(AFTER_COMMIT, []).append(upload.id)
    return upload


def read(upload: Upload) -> bytes:
    """The stored bytes of an upload."""
    return get_storage().read(upload.storage_key)


def public_check(upload: Upload) -> str:
    """The API's `check`: checking | pass | risky."""
    return PUBLIC_CHECK[upload.check_status]


def queue_checks_after_commit(session: Session) -> None:
    """Queue the WeChat check of each upload this session just committed."""
    ids = session.info.pop(AFTER_COMMIT, None)
    if ids:
        for upload_id in ids:
            try:
                enqueue(media_check_job, upload_id)
            except Exception as exc:  # noqa: BLE001 - the periodic sweep sends it instead
                log.warning("media check of upload %s not queued (%s)", upload_id, exc)
                break


def forget_checks_after_rollback(session: Session) -> None:
    """Nothing was stored: nothing to check."""
    session.info.pop(AFTER_COMMIT, None)
