"""The rate limiter (Flask-Limiter): one per process, shared by both HTTP boundaries.

A low module of its own so that the API (`miniapp_api/`) and the console (`console/`) can both
use it without importing each other (the API already imports the console's sign-in tickets).
Its storage is the app's Redis (`RATELIMIT_STORAGE_URI`, set by `models.redis_store`); when
Redis fails, limits fall back to this process's memory rather than taking requests down.
"""

from __future__ import annotations

from flask import Flask, request
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


def init_app(app: Flask) -> None:
    """Attach the limiter to the app, checking app-wide limits only where some can apply.

    Flask-Limiter checks every request before the view, for default, application, meta,
    blueprint and hinted limits; none of those is configured here (limits are put on the views
    that need them, and are checked by the decorator's wrapper), yet the check costs about a
    quarter of a bare request. So the hook is skipped for an endpoint that no such limit can
    reach; the decision is taken once per endpoint, after every view is registered."""
    limiter.init_app(app)
    hooks = app.before_request_funcs.setdefault(None, [])
    check = limiter._check_request_limit
    if check not in hooks:
        return  # this app had the limiter already
    decided: dict[str | None, bool] = {}

    def check_app_wide_limits() -> None:
        endpoint = request.endpoint
        needed = decided.get(endpoint)
        if needed is None:
            needed = decided[endpoint] = _app_wide_limits_reach(app, endpoint)
        if needed:
            check()

    hooks[hooks.index(check)] = check_app_wide_limits


def _app_wide_limits_reach(app: Flask, endpoint: str | None) -> bool:
    manager = limiter.limit_manager
    if manager.application_limits or manager.default_limits or limiter._meta_limits:
        return True
    if endpoint is None:
        return False
    if manager.has_hints(endpoint):
        return True
    blueprint = endpoint.rpartition(".")[0]
    return bool(blueprint and manager.blueprint_limits(app, blueprint))
