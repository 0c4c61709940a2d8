"""The one error mapper: every refusal leaves as API.md's JSON shape with a reason."""

from __future__ import annotations

import logging
import time
from typing import Any

import marshmallow as ma
import redis.exceptions
import sqlalchemy.exc
from flask import Flask, current_app, jsonify, request
from werkzeug.exceptions import HTTPException, InternalServerError
from werkzeug.http import HTTP_STATUS_CODES

from domain_errors import DomainError
from models import db
from models.redis_store import redis_unavailable

log = logging.getLogger(__name__)

REASONS: dict[int, tuple[str, str]] = {
    400: ("bad_request", "请求格式不正确"),
    401: ("login_required", "请先登录"),
    403: ("forbidden", "没有权限进行此操作"),
    404: ("not_found", "未找到或无权查看"),
    405: ("method_not_allowed", "不支持该请求方法"),
    406: ("not_acceptable", "不支持该响应格式"),
    409: ("conflict", "当前状态下无法进行此操作"),
    413: ("payload_too_large", "提交的内容过大"),
    415: ("unsupported_media_type", "不支持的内容类型"),
    422: ("validation_error", "提交的内容有误，请检查后重试"),
    429: ("rate_limited", "操作太频繁，请稍后再试"),
    500: ("internal_error", "服务器开小差了，请稍后再试"),
    503: ("service_unavailable", "服务暂时不可用，请稍后再试"),
}


class ErrorSchema(ma.Schema):
    """The error payload (documentation only)."""

    code = ma.fields.Integer(required=True)
    status = ma.fields.String(required=True)
    reason = ma.fields.String(required=True)
    message = ma.fields.String(required=True)
    errors = ma.fields.Raw()


def error_response(
    code: int,
    reason: str | None = None,
    message: str | None = None,
    errors: Any = None,
    headers: dict[str, str] | None = None,
):
    """A JSON error response in API.md's shape."""
    default_reason, default_message = REASONS.get(code, ("error", "请求失败"))
    status = HTTP_STATUS_CODES.get(code, "Error")
    payload: dict[str, Any] = {
        "code": code,
        "status": status,
        "reason": reason or default_reason,
        "message": message or default_message,
    }
    if errors is not None:
        payload["errors"] = _printable(errors)
    response = jsonify(payload)
    response.status_code = code
    for k, v in (headers or {}).items():
        response.headers[k] = v
    return response


def _printable(value: Any) -> Any:
    """Field errors echo field names the client sent: no lone surrogate may break the JSON."""
    if isinstance(value, str):
        return value.encode("utf-8", "replace").decode("utf-8")
    if isinstance(value, dict):
        return {_printable(k): _printable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_printable(v) for v in value]
    return value


def handle_domain_error(error: DomainError):
    db.session.rollback()
    return error_response(error.status, error.reason, error.message, error.errors, error.headers)


def handle_http_exception(error: HTTPException):
    # A URL that matched no route belongs to no blueprint; pages outside the API (the console)
    # register their own renderer for their prefix in app.extensions["error_pages"].
    for prefix, render in current_app.extensions.get("error_pages", {}).items():
        if request.path.startswith(prefix):
            return render(error)
    code = error.code or 500
    if code >= 500:
        db.session.rollback()
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
    return error_response(code, reason, message, errors, headers)


def _retry_after() -> int:
    """Seconds until the breached limit resets (Flask-Limiter knows; 60 if it cannot say)."""
    from miniapp_api.extensions import limiter  # here: extensions imports this module

    try:
        breached = [lim for lim in limiter.current_limits if lim.breached]
        if breached:
            return max(1, int(max(lim.reset_at for lim in breached) - time.time()))
    except Exception:  # noqa: BLE001 - a hint only; never turn a 429 into a 500
        pass
    return 60


def handle_database_down(error: Exception):
    log.error("database unavailable: %s", error)
    db.session.rollback()
    return error_response(
        503, "database_unavailable", "数据服务暂时不可用，请稍后再试", headers={"Retry-After": "5"}
    )


def handle_redis_down(error: Exception):
    log.error("redis unavailable: %s", error)
    db.session.rollback()
    return error_response(
        503, "cache_unavailable", "服务暂时繁忙，请稍后再试", headers={"Retry-After": "5"}
    )


def handle_redis_error(error: redis.exceptions.RedisError):
    """An error reply of a Redis that cannot serve now (OOM, READONLY, LOADING…) is the same as
    an unreachable one; any other Redis error is our bug, a 500."""
    if redis_unavailable(error):
        return handle_redis_down(error)
    log.exception("redis error", exc_info=error)
    db.session.rollback()
    return error_response(500)


def handle_internal(error: InternalServerError):
    log.exception("unhandled error", exc_info=getattr(error, "original_exception", error))
    db.session.rollback()
    return error_response(500)


def init_app(app: Flask) -> None:
    """Register the handlers (after flask-smorest's, so these win)."""
    app.register_error_handler(DomainError, handle_domain_error)
    app.register_error_handler(HTTPException, handle_http_exception)
    app.register_error_handler(InternalServerError, handle_internal)
    app.register_error_handler(sqlalchemy.exc.OperationalError, handle_database_down)
    app.register_error_handler(sqlalchemy.exc.InterfaceError, handle_database_down)
    app.register_error_handler(redis.exceptions.ConnectionError, handle_redis_down)
    app.register_error_handler(redis.exceptions.TimeoutError, handle_redis_down)
    app.register_error_handler(redis.exceptions.RedisError, handle_redis_error)
