"""Decoding an uploaded image within a memory budget, and re-encoding it without metadata.

An image is accepted when its bytes (not its name or declared type) are a complete JPEG, PNG or
WebP of at most UPLOAD_MAX_BYTES. A JPEG is decoded in draft mode, scaled by 1/2, 1/4 or 1/8
inside the decoder to about the stored size; then the pixels to decode may be at most
IMAGE_MAX_PIXELS (24 MP: ~96 MB as RGBA). At most IMAGE_DECODE_CONCURRENCY images are decoded at
once per process; an upload that waits IMAGE_DECODE_WAIT_SECONDS for a slot gets 503
`image_busy`. The image is re-encoded (JPEG, or PNG when it has transparency: WeChat's check
reads no WebP): EXIF (GPS location included), XMP and text chunks go, the EXIF orientation is
baked into the pixels, the long edge is capped at 2560.
"""

from __future__ import annotations

import io
import threading
import warnings
from dataclasses import dataclass

from PIL import Image, ImageOps

from media.errors import ImageBusy, ImageInvalid, ImageTooLarge, UnsupportedImage
from media.settings import MediaSettings, settings
from wechat import sniff_image

MAX_EDGE = 2560  # phones on a weak network do not need more
# Stored as: the input format, except WebP (WeChat's image check cannot read it).
STORED = {"JPEG": ("JPEG", "image/jpeg", "jpg"), "PNG": ("PNG", "image/png", "png")}
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


_slots_lock = threading.Lock()
_slots: dict[int, threading.BoundedSemaphore] = {}


def decode_slots(concurrency: int | None = None) -> threading.BoundedSemaphore:
    """This process's decode slots (IMAGE_DECODE_CONCURRENCY of them)."""
    n = settings().decode_concurrency if concurrency is None else concurrency
    with _slots_lock:
        if n not in _slots:
            _slots[n] = threading.BoundedSemaphore(n)
        return _slots[n]


def clean_image(data: bytes, config: MediaSettings | None = None) -> CleanImage:
    """Validate an uploaded image and return it re-encoded without metadata, decoding no more
    than the pixel budget, in one of this process's decode slots."""
    config = config or settings()
    if len(data) > config.max_bytes:
        raise ImageTooLarge()
    fmt = sniff(data)
    if fmt is None:
        raise UnsupportedImage()
    slots = decode_slots(config.decode_concurrency)
    if not slots.acquire(timeout=config.decode_wait_seconds):
        raise ImageBusy()
    try:
        return decode(data, fmt, config.max_pixels)
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
