"""Refusals of the honour roll."""

from __future__ import annotations

from domain_errors import DomainError, NotFound


class HonourNotFound(NotFound):
    reason = "honour_not_found"
    message = "荣誉不存在或已撤销"


class HonourRevoked(DomainError):
    status = 409
    reason = "honour_revoked"
    message = "该荣誉已撤销"


class PersonNotFound(NotFound):
    reason = "person_not_found"
    message = "人员不存在或无权查看"


class HonourNotRevoked(DomainError):
    status = 409
    reason = "honour_not_revoked"
    message = "该荣誉未被撤销"
