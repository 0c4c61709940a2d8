"""The base of every domain error; miniapp_api turns them into API.md's JSON shape."""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    """A refusal the client can act on: an HTTP status, a stable reason and a Chinese message."""

    status: int = 409
    reason: str = "conflict"
    message: str = "操作无法完成"

    def __init__(
        self,
        message: str | None = None,
        *,
        errors: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
        **extra: Any,
    ) -> None:
        if message is not None:
            self.message = message
        self.errors = errors
        self.headers = headers or {}
        self.extra = extra
        super().__init__(self.message)


class NotFound(DomainError):
    status = 404
    reason = "not_found"
    message = "未找到或无权查看"


class Forbidden(DomainError):
    status = 403
    reason = "forbidden"
    message = "没有权限进行此操作"


class InvalidInput(DomainError):
    status = 422
    reason = "validation_error"
    message = "提交的内容有误，请检查后重试"


class DependencyUnavailable(DomainError):
    status = 503
    reason = "service_unavailable"
    message = "服务暂时不可用，请稍后再试"
