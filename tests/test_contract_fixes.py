"""Issue 9 #12, #15, #16, #17, #19: the smaller contract defects."""

from __future__ import annotations

import io
from datetime import datetime, timedelta

from openpyxl import load_workbook

from models import Wish, utcnow
from tests.pairings.factory import Team, log, pair, set_cols
from tests.votes.factory import make_campaign, vote
from tests.wishes.factory import open_wish, scene, upload


def test_issue9_12_points_sheet_csv_with_a_bare_cr_or_binary_is_422(client, world):
    """issue 9 #12: a points sheet CSV with a bare carriage return, or a binary file, raised an
    uncaught csv.Error."""
    setup = make_campaign(client, world, per_category=1, open_it=False)
    url = f"/api/v1/admin/campaigns/{setup.campaign_id}/points-sheet"
    for name, content in (
        ("points.csv", '工号,积分\r"1001\r",5\n'.encode()),
        ("points.csv", b"\x00\x01\x02PK\x03\x04" + bytes(range(256)) * 8),
        ("points.xlsx", b"not a workbook"),
    ):
        r = client.post(
            url,
            data={"file": (io.BytesIO(content), name)},
            headers=setup.committee_headers,
            content_type="multipart/form-data",
        )
        assert r.status_code == 422 and r.json["reason"] == "points_sheet_invalid", r.json


def test_issue9_15_a_claim_past_its_deadline_cannot_be_fulfilled(app, client, world):
    """issue 9 #15: a claim past its deadline could still be fulfilled until the expiry job."""
    s = scene(world)
    member = s.members[0]
    wish_id = open_wish(client, s)
    assert client.post(f"/api/v1/wishes/{wish_id}/claim", headers=s.h(member)).status_code == 200
    photo = upload(client, s, member).json["id"]
    set_cols(app, Wish, wish_id, claim_deadline=utcnow() - timedelta(minutes=1))
    r = client.post(
        f"/api/v1/wishes/{wish_id}/fulfil",
        json={"note": "已送达", "photo_ids": [photo]},
        headers=s.h(member),
    )
    assert r.status_code == 409 and r.json["reason"] == "claim_expired", r.json
    with app.app_context():
        from models import db

        assert db.session.get(Wish, wish_id).status == "claimed"


def test_issue9_16_talk_editable_until_is_iso8601_and_typed(client, world):
    """issue 9 #16: `editable_until` was an HTTP date, and untyped in the OpenAPI document."""
    team = Team(world, members=1, employees=1)
    m, e = team.members[0], team.employees[0]
    pair(client, team, m, e)
    talk = log(client, team.h(m), e)
    until = datetime.fromisoformat(talk["editable_until"])
    assert until.tzinfo is not None
    created = datetime.fromisoformat(talk["created_at"])
    assert until - created == timedelta(days=7)
    spec = client.get("/api/v1/openapi.json").json
    props = spec["components"]["schemas"]["TalkOut"]["properties"]
    assert props["editable_until"]["type"] == "string"
    assert props["editable_until"]["format"] == "date-time"
    assert props["locked"]["type"] == "boolean" and props["counts"]["type"] == "boolean"
    assert props["wish_ids"]["type"] == "array"


def test_issue9_17_the_openapi_document_tells_the_truth(client, world):
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
    setup = make_campaign(client, world, per_category=1, open_it=False)
    patch = spec["paths"]["/api/v1/admin/campaigns/{campaign_id}"]["patch"]
    assert patch["requestBody"]["required"] is True
    r = client.patch(
        f"/api/v1/admin/campaigns/{setup.campaign_id}", headers=setup.committee_headers
    )
    assert r.status_code == 422 and r.json["reason"] == "body_required", r.json
    s = scene(world)
    wish_id = open_wish(client, s)
    r = client.post(f"/api/v1/wishes/{wish_id}/withdraw", headers=s.h(s.wisher))
    assert r.status_code == 200 and r.json["status"] == "withdrawn"
    # the pagination header really is a JSON string
    r = client.get("/api/v1/wishes", headers=s.h(s.wisher))
    assert r.headers["X-Pagination"].startswith("{")


def test_issue9_19_the_ballots_sheet_names_the_category(client, world):
    """issue 9 #19: the ballots sheet showed the key (`safety`) where results show the name."""
    setup = make_campaign(client, world, per_category=1, categories=("safety",))
    voter = world.person(setup.branch)
    assert (
        vote(client, setup, world.headers(voter), setup.candidates["safety"][0]).status_code == 201
    )
    r = client.get(
        f"/api/v1/admin/campaigns/{setup.campaign_id}/export.xlsx",
        headers=setup.committee_headers,
    )
    ws = load_workbook(io.BytesIO(r.data))["选票"]
    header = [c.value for c in ws[1]]
    row = [c.value for c in ws[2]]
    assert row[header.index("类别")] == "安全生产监督员"
