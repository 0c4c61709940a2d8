"""The OpenAPI document and Swagger UI are served locally (schemathesis runs against the live
app in test_schemathesis_live.py)."""

from __future__ import annotations


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
