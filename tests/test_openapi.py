"""Schemathesis against our own OpenAPI document: no 500s, no answer that breaks its schema."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis import checks


@pytest.fixture(scope="session")
def api_schema(app):
    return schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)


schema = schemathesis.pytest.from_fixture("api_schema")

CHECKS = [
    checks.not_a_server_error,
    checks.response_schema_conformance,
    checks.content_type_conformance,
]


@pytest.fixture
def auth_headers(world):
    """A bound committee member who is also a branch secretary: the widest view of the API."""
    branch = world.branch()
    boss = world.committee()
    world.grant(boss, "secretary", branch)
    world.person(branch)
    return world.headers(boss)


@schema.parametrize()
@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
        HealthCheck.function_scoped_fixture,
    ],
)
def test_api_as_committee(case, auth_headers):
    case.call_and_validate(headers={**(case.headers or {}), **auth_headers}, checks=CHECKS)


@schema.parametrize()
@settings(
    max_examples=10,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
def test_api_anonymous(case):
    case.call_and_validate(checks=CHECKS)


def test_docs_and_spec_are_served_locally(client):
    spec = client.get("/api/v1/openapi.json")
    assert spec.status_code == 200 and spec.json["info"]["title"]
    paths = spec.json["paths"]
    for path in (
        "/api/v1/auth/login",
        "/api/v1/auth/bind",
        "/api/v1/me",
        "/api/v1/branches/{branch_id}/people",
        "/api/v1/admin/roster",
    ):
        assert path in paths, path
    html = client.get("/api/v1/docs").get_data(as_text=True)
    assert "/api/v1/docs/assets/swagger-ui-bundle.js" in html
    assert "cdn" not in html.lower() and "unpkg" not in html.lower()
    assert client.get("/api/v1/docs/assets/swagger-ui-bundle.js").status_code == 200
    assert client.get("/api/v1/docs/assets/swagger-ui.css").status_code == 200
