"""The rate limiter (Flask-Limiter): one per process, shared by both HTTP boundaries.

A low module of its own so that the API (`miniapp_api/`) and the console (`console/`) can both
use it without importing each other (the API already imports the console's sign-in tickets).
Its storage is the app's Redis (`RATELIMIT_STORAGE_URI`, set by `models.redis_store`); when
Redis fails, limits fall back to this process's memory rather than taking requests down.
"""

from __future__ import annotations

from flask import request
from flask_limiter import Limiter


def client_ip() -> str:
    """The caller's address (ProxyFix has already applied trusted X-Forwarded-For)."""
    return request.remote_addr or "unknown"


limiter = Limiter(
    key_func=client_ip,
    headers_enabled=True,
    swallow_errors=True,
    in_memory_fallback_enabled=True,
    key_prefix="frontline-rl",
)
