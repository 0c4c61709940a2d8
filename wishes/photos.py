"""Photos as proof of fulfilment: validated by content, cleaned of metadata, stored behind the
storage interface, and served through short-lived signed links.

An image is accepted when its bytes (not its name or declared type) are a complete JPEG, PNG or
WebP of at most UPLOAD_MAX_BYTES. It is re-encoded: that drops EXIF (GPS location included), XMP
and text chunks, bakes the EXIF orientation into the pixels and caps the long edge, so what is
stored is only pixels.
"""

from __future__ import annotations

import hashlib
import hmac
import io
import time
import uuid
import warnings
from dataclasses import dataclass

from flask import current_app
from PIL import Image, ImageOps

from accounts.principal import Principal
from models import Person, Upload, db, utcnow
from storage import get_storage
from wishes import services
from wishes.errors import ImageInvalid, ImageTooLarge, UnsupportedImage

# Magic numbers → (Pillow format, MIME type, extension).
FORMATS = {
    "JPEG": ("image/jpeg", "jpg"),
    "PNG": ("image/png", "png"),
    "WEBP": ("image/webp", "webp"),
}
MAX_PIXELS = 50_000_000  # a 5 MB file claiming more pixels than this is a decompression bomb
MAX_EDGE = 2560  # phones on a weak network do not need more


def sniff(data: bytes) -> str | None:
    """The image format from the first bytes, or None."""
    if data.startswith(b"\xff\xd8\xff"):
        return "JPEG"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "PNG"
    if len(data) >= 12 and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "WEBP"
    return None


@dataclass(frozen=True)
class CleanImage:
    data: bytes
    format: str
    content_type: str
    ext: str
    width: int
    height: int


def clean_image(data: bytes) -> CleanImage:
    """Validate an uploaded image and return it re-encoded without metadata."""
    if len(data) > current_app.config["UPLOAD_MAX_BYTES"]:
        raise ImageTooLarge()
    fmt = sniff(data)
    if fmt is None:
        raise UnsupportedImage()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data), formats=[fmt]) as img:
                if img.width * img.height > MAX_PIXELS:
                    raise ImageInvalid("图片尺寸过大")
                img.load()  # decodes every byte: a truncated file fails here
                img = ImageOps.exif_transpose(img)
                # Keep pixels only: EXIF (GPS), XMP, ICC, comments and text chunks go.
                img.info = {k: v for k, v in img.info.items() if k == "transparency"}
                if max(img.size) > MAX_EDGE:
                    img.thumbnail((MAX_EDGE, MAX_EDGE))
                out = io.BytesIO()
                _save(img, fmt, out)
    except (ImageTooLarge, UnsupportedImage, ImageInvalid):
        raise
    except (
        OSError,
        SyntaxError,
        ValueError,
        Image.DecompressionBombError,
        Image.DecompressionBombWarning,
    ) as exc:
        raise ImageInvalid() from exc
    content_type, ext = FORMATS[fmt]
    return CleanImage(out.getvalue(), fmt, content_type, ext, img.width, img.height)


def _save(img: Image.Image, fmt: str, out: io.BytesIO) -> None:
    if fmt == "JPEG":
        if img.mode not in ("RGB", "L"):
            img = img.convert("RGB")
        img.save(out, "JPEG", quality=88, optimize=True)
    elif fmt == "PNG":
        if img.mode not in ("RGB", "RGBA", "L", "LA", "P"):
            img = img.convert("RGBA")
        img.save(out, "PNG", optimize=True)
    else:
        img.save(out, "WEBP", quality=85)


def store_upload(owner: Person, data: bytes) -> Upload:
    """Validate, clean and store an image for its owner; the row is added to the session."""
    image = clean_image(data)
    now = utcnow()
    key = f"{now:%Y/%m}/{uuid.uuid4().hex}.{image.ext}"
    get_storage().save(key, image.data, image.content_type)
    upload = Upload(
        owner_id=owner.id,
        storage_key=key,
        content_type=image.content_type,
        size=len(image.data),
        width=image.width,
        height=image.height,
        sha256=hashlib.sha256(image.data).hexdigest(),
        created_at=now,
    )
    db.session.add(upload)
    db.session.flush()
    return upload


def may_view(p: Principal, upload: Upload) -> bool:
    """The uploader, or anyone who may see the wish the photo proves."""
    if p.person_id is not None and upload.owner_id == p.person_id:
        return True
    if upload.wish_id is None:
        return False
    try:
        services.get_visible(p, upload.wish_id)
    except Exception:  # noqa: BLE001 - not visible is the only answer wanted here
        return False
    return True


def read(upload: Upload) -> bytes:
    """The stored bytes of an upload."""
    return get_storage().read(upload.storage_key)


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


def purge_orphans(older_than_days: int = 7, limit: int = 500) -> int:
    """Delete uploads never attached to a wish; the caller commits."""
    from datetime import timedelta

    cutoff = utcnow() - timedelta(days=older_than_days)
    orphans = db.session.scalars(
        db.select(Upload).where(Upload.wish_id.is_(None), Upload.created_at < cutoff).limit(limit)
    ).all()
    storage = get_storage()
    for upload in orphans:
        storage.delete(upload.storage_key)
        db.session.delete(upload)
    return len(orphans)
