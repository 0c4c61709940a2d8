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


def test_issue9_17_the_openapi_document_tells_the_truth(
    client, world, new_campaign, new_wish, wish_scene
):
    """issue 9 #17: X-Pagination was documented as an object but sent as a JSON string;
    patterns and ranges were missing; bodies the server did not require were marked required."""
    spec = client.get("/api/v1/openapi.json").json
    header = spec["components"]["headers"]["PAGINATION"]
    assert header["schema"]["type"] == "string"
    # month / period patterns are ASCII-only and documented
    params = {
        p["name"]: p for p in spec["paths"]["/api/v1/talks"]["get"]["parameters"] if "name" in p
    }
    assert params["month"]["schema"]["pattern"].isascii()
    assert "[0-9]" in params["month"]["schema"]["pattern"]
    params = {
        p["name"]: p
        for p in spec["paths"]["/api/v1/admin/points"]["get"]["parameters"]
        if "name" in p
    }
    assert "pattern" in params["period"]["schema"]
    # ids are bounded to the column's range, in paths too
    path_params = spec["paths"]["/api/v1/campaigns/{campaign_id}"]["parameters"]
    schema = next(p for p in path_params if p["name"] == "campaign_id")["schema"]
    assert (schema["minimum"], schema["maximum"]) == (1, 2**31 - 1)
    # delta ≠ 0 and its range
    adjust = spec["components"]["schemas"]["PointsRequestIn"]["properties"]["delta"]
    assert adjust["not"] == {"enum": [0]} and adjust["maximum"] == 100
    # a text field documents that control characters are refused
    wish_in = spec["components"]["schemas"]["WishIn"]["properties"]
    assert "pattern" in wish_in["title"] and "pattern" in wish_in["content"]
    # withdraw takes an optional body: the document says so, and a missing body works
    withdraw = spec["paths"]["/api/v1/wishes/{wish_id}/withdraw"]["post"]
    assert withdraw["requestBody"].get("required") is False
    # PATCH campaign: the body is required, and the server requires it
    setup = new_campaign(per_category=1, open_it=False)
    patch = spec["paths"]["/api/v1/admin/campaigns/{campaign_id}"]["patch"]
    assert patch["requestBody"]["required"] is True
    r = client.patch(
        f"/api/v1/admin/campaigns/{setup.campaign_id}", headers=setup.committee_headers
    )
    assert r.status_code == 422 and r.json["reason"] == "body_required", r.json
    s = wish_scene()
    wish_id = new_wish(s)
    r = client.post(f"/api/v1/wishes/{wish_id}/withdraw", headers=s.h(s.wisher))
    assert r.status_code == 200 and r.json["status"] == "withdrawn"
    # the pagination header really is a JSON string
    r = client.get("/api/v1/wishes", headers=s.h(s.wisher))
    assert r.headers["X-Pagination"].startswith("{")
