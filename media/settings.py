"""The settings media/ works with, named once: read from the app's config in one place, so the
services below take them as a value (and a job, a CLI or a test can pass their own)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flask import current_app


@dataclass(frozen=True)
class MediaSettings:
    secret_key: str
    storage_backend: str
    upload_dir: str
    max_bytes: int  # UPLOAD_MAX_BYTES
    max_pixels: int  # IMAGE_MAX_PIXELS
    decode_concurrency: int  # IMAGE_DECODE_CONCURRENCY
    decode_wait_seconds: float  # IMAGE_DECODE_WAIT_SECONDS
    url_ttl_seconds: int  # UPLOAD_URL_TTL_SECONDS
    public_base_url: str | None  # where WeChat fetches photos to check them
    check_timeout_minutes: int  # WECHAT_MEDIA_CHECK_TIMEOUT_MINUTES
    # STORAGE_BACKEND=s3: an S3-compatible object store (AWS S3, MinIO, Aliyun OSS, COS)
    s3_endpoint_url: str | None = None  # S3_ENDPOINT_URL
    s3_bucket: str = ""  # S3_BUCKET
    s3_access_key_id: str | None = field(default=None, repr=False)  # S3_ACCESS_KEY_ID
    s3_secret_access_key: str | None = field(default=None, repr=False)  # S3_SECRET_ACCESS_KEY
    s3_region: str | None = None  # S3_REGION
    s3_addressing_style: str = "auto"  # S3_ADDRESSING_STYLE: auto | path | virtual

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> MediaSettings:
        return cls(
            secret_key=config["SECRET_KEY"],
            storage_backend=config.get("STORAGE_BACKEND", "local"),
            upload_dir=config["UPLOAD_DIR"],
            max_bytes=config["UPLOAD_MAX_BYTES"],
            max_pixels=config["IMAGE_MAX_PIXELS"],
            decode_concurrency=config["IMAGE_DECODE_CONCURRENCY"],
            decode_wait_seconds=config["IMAGE_DECODE_WAIT_SECONDS"],
            url_ttl_seconds=config["UPLOAD_URL_TTL_SECONDS"],
            public_base_url=config.get("PUBLIC_BASE_URL") or None,
            check_timeout_minutes=config["WECHAT_MEDIA_CHECK_TIMEOUT_MINUTES"],
            s3_endpoint_url=config.get("S3_ENDPOINT_URL") or None,
            s3_bucket=config.get("S3_BUCKET") or "",
            s3_access_key_id=config.get("S3_ACCESS_KEY_ID") or None,
            s3_secret_access_key=config.get("S3_SECRET_ACCESS_KEY") or None,
            s3_region=config.get("S3_REGION") or None,
            s3_addressing_style=config.get("S3_ADDRESSING_STYLE") or "auto",
        )


def settings() -> MediaSettings:
    """The current app's media settings (read each time: a few dict lookups, and tests change
    the config of a running app)."""
    return MediaSettings.from_config(current_app.config)
