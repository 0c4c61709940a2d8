"""The one error mapper (web.errors): both doors render through it, each in its own way."""

from __future__ import annotations

import marshmallow as ma
import pytest
import redis.exceptions
from flask import Response
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import NotFound as HTTPNotFound

from domain_errors import DomainError, InvalidInput
from web import errors


class Tired(DomainError):
    status = 409
    reason = "tired"
    message = "今天太累了"


def test_the_handlers_are_the_mappers_and_the_doors_only_render(app):
    """One set of handlers on the app; no blueprint handles an error by itself; no string key
    in app.extensions joins the doors."""
    handlers = app.error_handler_spec[None][None]
    assert handlers[DomainError] is errors.handle_domain_error
    assert handlers[OperationalError] is errors.handle_database_down
    assert handlers[redis.exceptions.RedisError] is errors.handle_redis_error
    assert handlers[ma.ValidationError] is errors.handle_validation_error
    assert not any(app.error_handler_spec.get("console", {}).values())
    assert "error_pages" not in app.extensions


def test_a_domain_error_as_json_for_the_api_and_a_page_for_the_console(app):
    with app.test_request_context("/api/v1/wishes"):
        r = errors.handle_domain_error(Tired())
        assert r.status_code == 409 and r.mimetype == "application/json"
        assert r.json == {
            "code": 409,
            "status": "Conflict",
            "reason": "tired",
            "message": "今天太累了",
        }
    with app.test_request_context("/console/branches/1"):
        r = errors.handle_domain_error(Tired())
        assert r.status_code == 409 and r.mimetype == "text/html"
        assert "今天太累了" in r.get_data(as_text=True)
    with app.test_request_context("/console/branches/1", headers={"HX-Request": "true"}):
        r = errors.handle_domain_error(InvalidInput(errors={"reason": ["请填写原因"]}))
        assert r.status_code == 422 and r.mimetype == "text/plain"
        assert r.headers["X-Console-Reason"] == "validation_error"
        assert "请填写原因" in r.get_data(as_text=True)


def test_unknown_urls_answer_in_their_doors_shape(client):
    r = client.get("/api/v1/no-such-thing")
    assert r.status_code == 404 and r.json["reason"] == "not_found"
    r = client.get("/no-such-thing")
    assert r.status_code == 404 and r.json["reason"] == "not_found"
    r = client.get("/console/no-such-thing")
    assert r.status_code == 404 and r.mimetype == "text/html"
    assert "页面不存在或无权查看" in r.get_data(as_text=True)


def test_the_database_down_is_503_with_retry_after_in_both_doors(app):
    down = OperationalError("SELECT 1", {}, Exception("server has gone away"))
    with app.test_request_context("/api/v1/me"):
        r = errors.handle_database_down(down)
        assert r.status_code == 503 and r.json["reason"] == "database_unavailable"
        assert r.headers["Retry-After"] == "5"
    with app.test_request_context("/console/"):
        r = errors.handle_database_down(down)
        assert r.status_code == 503 and r.mimetype == "text/html"
        assert r.headers["Retry-After"] == "5"
        assert "数据服务暂时不可用" in r.get_data(as_text=True)


def test_redis_down_and_a_redis_bug(app):
    with app.test_request_context("/api/v1/me"):
        r = errors.handle_redis_error(redis.exceptions.ConnectionError("refused"))
        assert r.status_code == 503 and r.json["reason"] == "cache_unavailable"
        r = errors.handle_redis_error(redis.exceptions.ResponseError("WRONGTYPE"))
        assert r.status_code == 500 and r.json["reason"] == "internal_error"


def test_a_validation_error_is_422_with_the_field_errors(app):
    with app.test_request_context("/api/v1/wishes"):
        r = errors.handle_validation_error(ma.ValidationError({"title": ["不能为空"]}))
        assert r.status_code == 422 and r.json["reason"] == "validation_error"
        assert r.json["errors"] == {"title": ["不能为空"]}


def test_the_longest_registered_prefix_wins(app):
    seen: list[str] = []

    def probe(failure: errors.Failure) -> Response:
        seen.append(failure.reason or "")
        return Response("probe", status=failure.status)

    errors.register_door("/console/probe/", probe)
    try:
        with app.test_request_context("/console/probe/1"):
            assert errors.handle_http_exception(HTTPNotFound()).get_data() == b"probe"
        with app.test_request_context("/console/other"):
            assert errors.handle_http_exception(HTTPNotFound()).mimetype == "text/html"
    finally:
        errors._doors.pop("/console/probe/")
    assert seen == [""]


@pytest.mark.parametrize("path", ["/api/v1/me", "/console/"])
def test_an_unexpected_exception_is_a_500_without_its_text(app, path):
    from werkzeug.exceptions import InternalServerError

    with app.test_request_context(path):
        r = errors.handle_internal(InternalServerError(original_exception=RuntimeError("boom")))
        assert r.status_code == 500 and "boom" not in r.get_data(as_text=True)
