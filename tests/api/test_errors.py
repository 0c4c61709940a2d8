"""The error shape of API.md for everything a client can send."""

from __future__ import annotations

import pytest


def assert_shape(r, code: int, reason: str | None = None) -> dict:
    assert r.status_code == code, r.get_data(as_text=True)
    assert r.mimetype == "application/json"
    body = r.json
    assert body["code"] == code and body["status"] and body["reason"] and body["message"]
    if reason:
        assert body["reason"] == reason
    return body


def test_unknown_route_is_json_404(client):
    assert_shape(client.get("/api/v1/nowhere"), 404, "not_found")
    assert_shape(client.get("/totally/else"), 404, "not_found")


def test_wrong_method_is_405_with_allow(client):
    r = client.delete("/api/v1/me")
    assert_shape(r, 405, "method_not_allowed")
    assert "GET" in r.headers["Allow"]


def test_malformed_json_is_400(client):
    r = client.post("/api/v1/auth/login", data="{not json", content_type="application/json")
    assert_shape(r, 400, "malformed_json")


def test_validation_is_422_with_field_errors(client):
    body = assert_shape(client.post("/api/v1/auth/login", json={}), 422, "validation_error")
    assert "code" in body["errors"]
    body = assert_shape(client.post("/api/v1/auth/login", json={"code": 12}), 422)
    assert "code" in body["errors"]


def test_json_array_or_scalar_body_is_422_not_500(client):
    assert_shape(client.post("/api/v1/auth/login", json=[1, 2]), 422)
    assert_shape(client.post("/api/v1/auth/login", json="x"), 422)


def test_oversize_body_is_413(client, app):
    big = b"x" * (app.config["MAX_CONTENT_LENGTH"] + 1)
    r = client.post("/api/v1/auth/login", data=big, content_type="application/json")
    assert_shape(r, 413, "payload_too_large")


def test_chinese_is_not_escaped(client):
    r = client.get("/api/v1/nowhere")
    assert "未找到" in r.get_data(as_text=True)


@pytest.mark.parametrize(
    "header", ["Bearer", "Bearer ", "bearer x.y.z", "Token abc", "Bearer " + "a" * 600]
)
def test_odd_authorization_headers_are_401(client, header):
    assert_shape(client.get("/api/v1/me", headers={"Authorization": header}), 401)


def test_unexpected_exception_is_json_500_in_production_mode(app):
    """A bug still answers in the API's shape (tests re-raise instead; see conftest)."""
    from werkzeug.exceptions import InternalServerError

    from web.errors import handle_internal

    with app.test_request_context():
        r = handle_internal(InternalServerError(original_exception=RuntimeError("boom")))
        assert r.status_code == 500 and r.json["reason"] == "internal_error"
        assert r.json["message"] and "boom" not in r.get_data(as_text=True)


@pytest.mark.parametrize(
    "path",
    ["/api/v1/wishes", "/api/v1/campaigns", "/api/v1/talks", "/api/v1/branches/{b}/people"],
)
def test_absurd_page_numbers_are_an_empty_page_not_a_500(client, world, path):
    branch = world.branch()
    boss = world.committee()
    world.grant(boss, "secretary", branch)
    url = path.format(b=branch.id) + "?page=99999999999999&page_size=100"
    r = client.get(url, headers=world.headers(boss))
    assert r.status_code == 200 and r.json == []
