"""Signed links to uploads: the mini-program's <image> cannot send an Authorization header, and
WeChat's image check fetches the photo from a link of its own."""

from __future__ import annotations

import hashlib
import hmac
import time

from media.settings import MediaSettings, settings

# Where the signed content link lives (the miniapp_api route UploadContent).
CONTENT_PATH = "/api/v1/uploads/{id}/content"


def _sig(secret: str, upload_id: int, expires: int) -> str:
    msg = f"upload:{upload_id}:{expires}".encode()
    return hmac.new(secret.encode(), msg, hashlib.sha256).hexdigest()[:32]


def sign(
    upload_id: int, now: float | None = None, config: MediaSettings | None = None
) -> tuple[int, str]:
    """(expires, signature) for a link to an upload; expiry rounded up to the hour so the same
    viewer gets the same URL (and the client's cache works) within that hour."""
    config = config or settings()
    now = time.time() if now is None else now
    expires = (int(now + config.url_ttl_seconds) // 3600 + 1) * 3600
    return expires, _sig(config.secret_key, upload_id, expires)


def verify(
    upload_id: int,
    expires: int,
    signature: str,
    now: float | None = None,
    config: MediaSettings | None = None,
) -> bool:
    """A link is good until it expires, if its signature matches."""
    config = config or settings()
    now = time.time() if now is None else now
    if expires < now:
        return False
    return hmac.compare_digest(_sig(config.secret_key, upload_id, expires), signature or "")


def check_url(upload_id: int, config: MediaSettings | None = None) -> str | None:
    """The signed absolute link WeChat fetches the photo from (None without PUBLIC_BASE_URL)."""
    config = config or settings()
    if not config.public_base_url:
        return None
    expires, sig = sign(upload_id, config=config)
    path = CONTENT_PATH.format(id=upload_id)
    return f"{config.public_base_url}{path}?expires={expires}&sig={sig}"
