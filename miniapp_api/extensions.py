"""The API object (flask-smorest) and the rate limiter, shared by every blueprint."""

from __future__ import annotations

from flask_limiter import Limiter
from flask_smorest import Api

from miniapp_api.auth import client_ip
from miniapp_api.errors import ErrorSchema


class FrontlineApi(Api):
    ERROR_SCHEMA = ErrorSchema


api = FrontlineApi()

limiter = Limiter(
    key_func=client_ip,
    headers_enabled=True,
    # A Redis outage must not take the API down with it; limits fall back to this process.
    swallow_errors=True,
    in_memory_fallback_enabled=True,
    key_prefix="frontline-rl",
)
