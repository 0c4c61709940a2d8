"""The one error mapper of both doors.

Every refusal and failure a request can meet is turned here into a `Failure` (status, reason,
message, field errors, headers): a `DomainError`, a validation error (marshmallow/webargs), an
`HTTPException`, the database or Redis being unavailable, and any unexpected exception. How a
failure is shown is the door's business: each door registers a renderer for its URL prefix with
`register_door(prefix, render)` from its `init_app` (the API: the JSON shape of API.md, for every
URL no other door claims; the console: its HTML or htmx pages under /console/). The longest
prefix that matches the request's path wins. Every failure rolls back the session: the unit of
work never commits a request that failed.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

import marshmallow as ma
import redis.exceptions
import sqlalchemy.exc
from flask import Flask, Response, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

from domain_errors import DomainError
from models import db
from models.redis_store import redis_unavailable
from web.rate_limits import limiter

log = logging.getLogger(__name__)

# domain: a DomainError; http: an HTTPException (validation included); unavailable: the
# database or Redis cannot serve now (503); internal: a bug (500).
Kind = Literal["domain", "http", "unavailable", "internal"]


@dataclass
class Failure:
    """What went wrong, in the API's vocabulary; `error` is the exception itself."""

    status: int
    kind: Kind
    error: BaseException
    reason: str | None = None
    message: str | None = None
    errors: Any = None
    headers: dict[str, str] = field(default_factory=dict)


Render = Callable[[Failure], Response]

_doors: dict[str, Render] = {}


def register_door(prefix: str, render: Render) -> None:
    """Show the failures of requests under `prefix` with `render` (the longest prefix wins)."""
    _doors[prefix] = render


def render(failure: Failure) -> Response:
    """The failure as the door of this request's path shows it."""
    for prefix in sorted(_doors, key=len, reverse=True):
        if request.path.startswith(prefix):
            return _doors[prefix](failure)
    raise LookupError(f"no door registered for {request.path}")


# --- what an exception means ---------------------------------------------------------------


def of_domain_error(error: DomainError) -> Failure:
    return Failure(
        error.status,
        "domain",
        error,
        error.reason,
        error.message,
        error.errors,
        dict(error.headers or {}),
    )


def of_http_exception(error: HTTPException) -> Failure:
    code = error.code or 500
    if isinstance(error, CSRFError):
        return Failure(
            400,
            "http",
            error,
            "csrf_failed",
            "页面已过期或请求来源不明（CSRF 校验失败），请刷新页面后重试",
        )
    data = getattr(error, "data", None) or {}
    reason = data.get("reason")
    message = data.get("message") if isinstance(data.get("message"), str) else None
    errors = data.get("errors", data.get("messages"))
    headers = dict(data.get("headers") or {})
    if (
        code == 400
        and isinstance(errors, dict)
        and "json" in errors
        and not isinstance(errors.get("json"), dict)
    ):
        reason, message, errors = "malformed_json", "请求体不是有效的 JSON", None
    if code == 405:
        allow = [h for h in error.get_headers() if h[0].lower() == "allow"]
        if allow:
            headers["Allow"] = allow[0][1]
    if code == 429:
        reason = "rate_limited"
        headers.setdefault("Retry-After", str(_retry_after()))
    if (
        code == 422
        and isinstance(errors, dict)
        and set(errors) <= {"json", "query", "form", "files", "headers", "view_args", "path"}
    ):
        # webargs keys errors by location; the client wants field names.
        flat: dict[str, Any] = {}
        for location_errors in errors.values():
            if isinstance(location_errors, dict):
                flat.update(location_errors)
            else:
                flat.setdefault("_schema", location_errors)
        errors = flat
    return Failure(code, "http", error, reason, message, errors, headers)


def _retry_after() -> int:
    """Seconds until the breached limit resets (Flask-Limiter knows; 60 if it cannot say)."""
    try:
        breached = [lim for lim in limiter.current_limits if lim.breached]
        if breached:
            return max(1, int(max(lim.reset_at for lim in breached) - time.time()))
    except Exception:  # noqa: BLE001 - a hint only; never turn a 429 into a 500
        pass
    return 60


def of_validation_error(error: ma.ValidationError) -> Failure:
    return Failure(422, "http", error, "validation_error", None, error.normalized_messages())


def database_unavailable(error: Exception) -> Failure:
    return Failure(
        503,
        "unavailable",
        error,
        "database_unavailable",
        "数据服务暂时不可用，请稍后再试",
        headers={"Retry-After": "5"},
    )


def cache_unavailable(error: Exception) -> Failure:
    return Failure(
        503,
        "unavailable",
        error,
        "cache_unavailable",
        "服务暂时繁忙，请稍后再试",
        headers={"Retry-After": "5"},
    )


def internal(error: BaseException) -> Failure:
    return Failure(500, "internal", error, "internal_error", "服务器开小差了，请稍后再试")


# --- the handlers Flask calls ----------------------------------------------------------------


def handle_domain_error(error: DomainError) -> Response:
    db.session.rollback()
    return render(of_domain_error(error))


def handle_validation_error(error: ma.ValidationError) -> Response:
    db.session.rollback()
    return render(of_validation_error(error))


def handle_http_exception(error: HTTPException) -> Response:
    db.session.rollback()
    failure = of_http_exception(error)
    if failure.status >= 500:
        log.error(
            "%s on %s",
            failure.status,
            request.path,
            exc_info=getattr(error, "original_exception", None) or error,
        )
    return render(failure)


def handle_internal(error: InternalServerError) -> Response:
    log.exception("unhandled error", exc_info=getattr(error, "original_exception", error))
    db.session.rollback()
    return render(internal(getattr(error, "original_exception", None) or error))


def handle_database_down(error: Exception) -> Response:
    log.error("database unavailable: %s", error)
    db.session.rollback()
    return render(database_unavailable(error))


def handle_redis_error(error: redis.exceptions.RedisError) -> Response:
    """An unreachable Redis, or an error reply of one that cannot serve now (OOM, READONLY,
    LOADING…), is 503; any other Redis error is our bug, a 500."""
    db.session.rollback()
    if isinstance(error, redis.exceptions.ConnectionError | redis.exceptions.TimeoutError) or (
        redis_unavailable(error)
    ):
        log.error("redis unavailable: %s", error)
        return render(cache_unavailable(error))
    log.error("redis error on %s", request.path, exc_info=error)
    return render(internal(error))


def init_app(app: Flask) -> None:
    """Install the mapper's handlers on the app (after flask-smorest's, so these win). Each
    door adds its renderer with `register_door`."""
    app.register_error_handler(DomainError, handle_domain_error)
    app.register_error_handler(ma.ValidationError, handle_validation_error)
    app.register_error_handler(HTTPException, handle_http_exception)
    app.register_error_handler(InternalServerError, handle_internal)
    app.register_error_handler(sqlalchemy.exc.OperationalError, handle_database_down)
    app.register_error_handler(sqlalchemy.exc.InterfaceError, handle_database_down)
    app.register_error_handler(redis.exceptions.RedisError, handle_redis_error)
