"""How the API shows a failure: API.md's JSON shape with a reason. What a failure is, is
decided by the one error mapper, `web.errors`; this module only renders it."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask import Flask, Response, jsonify
from werkzeug.http import HTTP_STATUS_CODES

from web import errors as mapper

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
) -> Response:
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


def render(failure: mapper.Failure) -> Response:
    """The API's door: every failure as JSON."""
    return error_response(
        failure.status, failure.reason, failure.message, failure.errors, failure.headers
    )


def init_app(app: Flask) -> None:
    """The mapper's handlers, and the API's renderer for every URL no other door claims (a URL
    that matched no route belongs to no blueprint: it gets the API's JSON)."""
    mapper.init_app(app)
    mapper.register_door("/", render)
