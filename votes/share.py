"""Sharing a candidate: the mini-program code (cached) and candidate photos."""

from __future__ import annotations

import base64
import io
import os
import re
import uuid

from flask import current_app
from werkzeug.exceptions import NotFound as HTTPNotFound

from models import get_redis
from votes import live
from votes.errors import InvalidImage

QR_TTL = 30 * 24 * 3600
MAX_PHOTO_BYTES = 5 * 1024 * 1024
PHOTO_FORMATS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp"}
_PHOTO_NAME = re.compile(r"^[0-9a-f]{32}\.(jpg|png|webp)$")


def share_code(campaign_id: int, candidate_id: int) -> bytes:
    """PNG of the candidate's mini-program code: from WeChat (cached in Redis), or a placeholder
    in demo mode."""
    from wechat import get_wechat

    client = get_wechat()
    if client is None:
        return placeholder_code(campaign_id, candidate_id)
    key = f"{live.tag(campaign_id)}:qr:{candidate_id}"
    try:
        cached = get_redis().get(key)
    except live.REDIS_ERRORS:
        cached = None
    if cached:
        return base64.b64decode(cached)
    # scene ≤ 32 visible characters; the page reads c (campaign) and k (candidate).
    png = client.wxa_code_unlimited(
        f"c={campaign_id}&k={candidate_id}", current_app.config["VOTE_SHARE_PAGE"]
    )
    try:
        get_redis().set(key, base64.b64encode(png).decode("ascii"), ex=QR_TTL)
    except live.REDIS_ERRORS:
        pass  # a cache miss next time, nothing worse
    return png


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


def photo_dir() -> str:
    path = os.path.join(current_app.config["UPLOAD_DIR"], "vote-photos")
    os.makedirs(path, exist_ok=True)
    return path


def safe_photo_name(name: str) -> str:
    if not _PHOTO_NAME.match(name):
        raise HTTPNotFound()
    return name


def save_photo(content: bytes) -> str:
    """Check an uploaded image (real jpeg/png/webp, ≤ 5 MB) and store it; returns its name."""
    from PIL import Image, UnidentifiedImageError

    if not content or len(content) > MAX_PHOTO_BYTES:
        raise InvalidImage()
    try:
        with Image.open(io.BytesIO(content)) as img:
            fmt = img.format
            img.verify()
    except (
        UnidentifiedImageError,
        Image.DecompressionBombError,
        OSError,
        SyntaxError,
        ValueError,
    ) as exc:
        raise InvalidImage() from exc
    if fmt not in PHOTO_FORMATS:
        raise InvalidImage()
    name = f"{uuid.uuid4().hex}.{PHOTO_FORMATS[fmt]}"
    with open(os.path.join(photo_dir(), name), "wb") as fh:
        fh.write(content)
    return name
