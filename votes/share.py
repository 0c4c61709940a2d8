"""Sharing a candidate: the mini-program code (cached) and candidate photos (checked by WeChat's
image check before the public sees them)."""

from __future__ import annotations

import base64
import io
import re
from dataclasses import dataclass

from sqlalchemy import select, update
from werkzeug.exceptions import NotFound as HTTPNotFound

from media import owners
from media.errors import ImageInvalid, ImageTooLarge, UnsupportedImage
from media.storage import StorageError, get_storage
from media.store import store_upload
from models import Candidate, Person, Upload, db, get_redis
from models.redis_store import REDIS_UNAVAILABLE_ERRORS
from people import branch_of
from votes import live
from votes.errors import InvalidImage
from votes.settings import settings
from wechat import ShareCode, sniff_image

QR_TTL = 30 * 24 * 3600
# Candidate photos live in the upload storage under this prefix (UPLOAD_DIR/vote-photos).
PHOTO_PREFIX = "vote-photos/"
MAX_PHOTO_BYTES = 5 * 1024 * 1024
_PHOTO_NAME = re.compile(r"^[0-9a-f]{32}\.(jpg|png|webp)$")


def share_code(campaign_id: int, candidate_id: int) -> ShareCode:
    """The candidate's mini-program code (opening VOTE_SHARE_PAGE of the configured build): from
    WeChat, cached in Redis, its content type read from the bytes; a placeholder in demo
    mode."""
    from wechat import get_wechat

    client = get_wechat()
    if client is None:
        return ShareCode(placeholder_code(campaign_id, candidate_id), "image/png")
    key = f"{live.tag(campaign_id)}:qr:{client.env_version}:{candidate_id}"
    try:
        cached = get_redis().get(key)
    except REDIS_UNAVAILABLE_ERRORS:
        cached = None
    if cached:
        data = base64.b64decode(cached)
        return ShareCode(data, sniff_image(data) or "application/octet-stream")
    # scene ≤ 32 visible characters; the page reads c (campaign) and k (candidate).
    code = client.share_code(f"c={campaign_id}&k={candidate_id}", settings().share_page)
    try:
        get_redis().set(key, base64.b64encode(code.data).decode("ascii"), ex=QR_TTL)
    except REDIS_UNAVAILABLE_ERRORS:
        pass  # a cache miss next time, nothing worse
    return code


def placeholder_code(campaign_id: int, candidate_id: int) -> bytes:
    """A stand-in code image for demo mode (WeChat not configured)."""
    from PIL import Image, ImageDraw

    img = Image.new("RGB", (430, 430), "white")
    draw = ImageDraw.Draw(img)
    draw.ellipse((15, 15, 415, 415), outline=(178, 34, 34), width=12)
    seed = campaign_id * 7919 + candidate_id
    for i in range(12):
        for j in range(12):
            if (seed >> ((i * 12 + j) % 24)) & 1 ^ ((i + j) % 2):
                draw.rectangle(
                    (95 + i * 20, 95 + j * 20, 113 + i * 20, 113 + j * 20), fill=(0, 0, 0)
                )
    draw.text((150, 370), f"DEMO c={campaign_id} k={candidate_id}", fill=(178, 34, 34))
    buf = io.BytesIO()
    img.save(buf, "PNG")
    return buf.getvalue()


def safe_photo_name(name: str) -> str:
    """A candidate photo's file name, if it is one and WeChat's image check passed it."""
    if not _PHOTO_NAME.match(name):
        raise HTTPNotFound()
    check = db.session.scalar(
        select(Upload.check_status).where(Upload.storage_key == PHOTO_PREFIX + name)
    )
    # No row: a photo stored before image checks, public then and now.
    if check is not None and check != "pass":
        raise HTTPNotFound()
    return name


@dataclass(frozen=True)
class StoredPhoto:
    name: str
    data: bytes
    modified_at: float | None  # when it was stored (a POSIX time), if the storage says


def read_photo(name: str) -> StoredPhoto:
    """A public candidate photo from the upload storage (404 unless WeChat's image check passed
    it, or it does not exist)."""
    safe_photo_name(name)
    storage = get_storage()
    key = PHOTO_PREFIX + name
    try:
        data = storage.read(key)
    except StorageError:
        raise HTTPNotFound() from None
    return StoredPhoto(name, data, storage.modified_at(key))


def save_photo(content: bytes, owner_id: int) -> str:
    """Check an uploaded image (real jpeg/png/webp, ≤ 5 MB, within the decode budget), store it
    cleaned of metadata and send it to WeChat's image check; returns its file name. Until the
    check passes the public photo link answers 404."""
    if not content or len(content) > MAX_PHOTO_BYTES:
        raise InvalidImage()
    owner = db.session.get(Person, owner_id)
    try:
        upload = store_upload(owner, content, purpose="candidate", prefix=PHOTO_PREFIX)
    except (ImageInvalid, ImageTooLarge, UnsupportedImage) as exc:
        raise InvalidImage() from exc
    return upload.storage_key[len(PHOTO_PREFIX) :]


def photo_url_of(name: str | None) -> str | None:
    """The public link of a candidate photo (answers once WeChat's image check passed it)."""
    return f"/api/v1/campaign-photos/{name}" if name else None


def photo_uploads(names: list[str]) -> dict[str, Upload]:
    """The uploads behind candidate photo names (their image-check status), by name; a photo
    stored before image checks has none."""
    keys = [PHOTO_PREFIX + n for n in names if n]
    if not keys:
        return {}
    rows = db.session.scalars(select(Upload).where(Upload.storage_key.in_(keys)))
    return {u.storage_key[len(PHOTO_PREFIX) :]: u for u in rows}


def _photo_use(upload: Upload) -> owners.Use:
    return owners.Use("六大员候选人照片", None, branch_of(upload.owner))


def _photo_withdrawn(upload: Upload) -> None:
    """A withdrawn photo leaves every candidate page that shows it."""
    name = upload.storage_key.rsplit("/", 1)[-1]
    db.session.execute(
        update(Candidate)
        .where(Candidate.photo == name)
        .values(photo=None)
        .execution_options(synchronize_session=False)
    )


def register_photo_owner() -> None:
    """Tell media/ what candidate photos are used for and what a withdrawal takes down."""
    owners.register("candidate", owners.Owner(describe=_photo_use, withdrawn=_photo_withdrawn))
