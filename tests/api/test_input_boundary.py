"""Issue 9, items 7–14 and 17–18: nothing a client sends breaks the service.

Every case here answered a 500, a dropped connection or the wrong status before the boundary
input layer (miniapp_api/fields.py, miniapp_api/jsonbody.py) existed.
"""

from __future__ import annotations

import io
import json
from urllib.parse import quote

import pytest

BIG_IDS = (2**31, 2**63, 10**30)


@pytest.fixture
def boss(world):
    """A committee member who is also a branch secretary, with headers."""
    branch = world.branch()
    person = world.committee()
    world.grant(person, "secretary", branch)
    return world.headers(person)


def assert_error(r, code: int, reason: str | None = None):
    assert r.status_code == code, (r.status_code, r.get_data(as_text=True)[:300])
    body = json.loads(r.get_data())
    assert body["code"] == code and body["message"] and body["reason"]
    if reason:
        assert body["reason"] == reason, body
    return body


# --- 7: ids beyond the column's range ------------------------------------------------------


PATHS_WITH_IDS = [
    ("get", "/api/v1/campaigns/{id}"),
    ("get", "/api/v1/campaigns/{id}/leaderboard?category=safety"),
    ("get", "/api/v1/campaigns/{id}/results"),
    ("post", "/api/v1/campaigns/{id}/votes"),
    ("get", "/api/v1/campaigns/{id}/candidates/{id}/qrcode"),
    ("get", "/api/v1/admin/campaigns/{id}"),
    ("get", "/api/v1/admin/campaigns/{id}/candidates"),
    ("get", "/api/v1/admin/campaigns/{id}/ballots"),
    ("get", "/api/v1/admin/campaigns/{id}/export.xlsx"),
    ("get", "/api/v1/admin/campaigns/{id}/suspicious"),
    ("post", "/api/v1/admin/campaigns/{id}/open"),
    ("post", "/api/v1/admin/campaigns/{id}/close"),
    ("post", "/api/v1/admin/campaigns/{id}/publish"),
    ("get", "/api/v1/branches/{id}/people"),
    ("post", "/api/v1/admin/people/{id}/unbind"),
    ("post", "/api/v1/admin/ballots/{id}/void"),
    ("get", "/api/v1/wishes/{id}"),
    ("post", "/api/v1/wishes/{id}/claim"),
    ("get", "/api/v1/uploads/{id}/content"),
    ("get", "/api/v1/talks/{id}"),
    ("delete", "/api/v1/pairings/{id}"),
    ("get", "/api/v1/branches/{id}/compliance"),
]


def test_issue9_7_ids_out_of_range_in_paths_are_404(client, boss):
    """issue 9 #7: ids ≥ 2^31 (PostgreSQL) or ≥ 2^63 (SQLite) in a path were a 500."""
    bodies = {"votes": {"candidate_id": 1}, "void": {"reason": "刷票嫌疑"}}
    for method, template in PATHS_WITH_IDS:
        for big in BIG_IDS:
            url = template.replace("{id}", str(big))
            body = next((b for k, b in bodies.items() if url.endswith(k)), None)
            r = getattr(client, method)(url, json=body, headers=boss)
            assert_error(r, 404)


def test_issue9_7_ids_out_of_range_in_query_and_body_are_422(client, boss):
    """issue 9 #7: `?candidate_id=` ≥ 2^31 was a 500; a body id likewise."""
    for big in BIG_IDS:
        r = client.get(f"/api/v1/admin/campaigns/1/ballots?candidate_id={big}", headers=boss)
        assert "candidate_id" in assert_error(r, 422)["errors"]
        r = client.post("/api/v1/campaigns/1/votes", json={"candidate_id": big}, headers=boss)
        assert "candidate_id" in assert_error(r, 422)["errors"]
        r = client.post("/api/v1/pairings", json={"member_id": big, "employee_id": 1}, headers=boss)
        assert "member_id" in assert_error(r, 422)["errors"]


# --- 8: NUL and other control characters -------------------------------------------------


def test_issue9_8_nul_in_every_string_field_is_a_field_error(
    app, client, world, boss, new_campaign
):
    """issue 9 #8: a NUL byte in strings that skipped the control-character check was a 500."""
    setup = new_campaign(open_it=False)
    r = client.post("/api/v1/auth/login", json={"code": "demo:a\x00b"})
    assert "code" in assert_error(r, 422)["errors"]
    token = client.post("/api/v1/auth/login", json={"code": "demo:unbound-nul"}).json["token"]
    r = client.post(
        "/api/v1/auth/bind",
        json={"employee_no": "1\x00", "name": "张三", "phone_tail": "1234"},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert "employee_no" in assert_error(r, 422)["errors"]
    campaign = {"starts_at": "2030-01-01T00:00:00+08:00", "ends_at": "2030-01-02T00:00:00+08:00"}
    candidates = f"/api/v1/admin/campaigns/{setup.campaign_id}/candidates"
    cases = [
        (
            "/api/v1/admin/points",
            {"employee_no": "A\x00", "delta": 1, "reason": "x"},
            "employee_no",
        ),
        ("/api/v1/admin/grants", {"employee_no": "A\x00", "role": "committee"}, "employee_no"),
        (
            "/api/v1/admin/grants",
            {"employee_no": "A", "role": "secretary", "branch": "\x00"},
            "branch",
        ),
        ("/api/v1/admin/campaigns", {"title": "t\x00", **campaign}, "title"),
        (
            "/api/v1/admin/campaigns",
            {"title": "t", "description": "\x00", **campaign},
            "description",
        ),
        (candidates, {"employee_no": "1", "category": "safety", "story": "好\x00"}, "story"),
        ("/api/v1/admin/ballots/1/void", {"reason": "刷票\x00"}, "reason"),
        ("/api/v1/wishes", {"title": "书包\x0b", "content": "内容", "category": "study"}, "title"),
    ]
    for path, body, field in cases:
        r = client.post(path, json=body, headers=boss)
        assert field in assert_error(r, 422)["errors"], (path, body)
    for query in ("q=%00", "q=a%01b"):
        branch_id = setup.branch.id
        r = client.get(f"/api/v1/branches/{branch_id}/people?{query}", headers=boss)
        assert "q" in assert_error(r, 422)["errors"]
    r = client.get(
        f"/api/v1/admin/campaigns/{setup.campaign_id}/ballots?employee_no=%00", headers=boss
    )
    assert "employee_no" in assert_error(r, 422)["errors"]


@pytest.mark.parametrize(
    "bad",
    ["\x00", "\x07", "\x1b[31m", "\x7f", "\x85", "\x9f", "\ufffe", "\ufdd0", "\uffff"],
)
def test_issue9_8_controls_and_noncharacters_are_refused_in_multiline_text(
    client, world, bad, new_pairing, new_team
):
    """issue 9 #8: C0/C1 controls and non-characters are a 422 even in multi-line text."""
    s = new_team(members=1, employees=1)
    new_pairing(s, s.members[0], s.employees[0])
    body = {
        "employee_id": s.employees[0].id,
        "talked_at": "2025-01-02T10:00:00+08:00",
        "mode": "phone",
        "topics": f"谈心{bad}内容",
    }
    r = client.post("/api/v1/talks", json=body, headers=s.h(s.members[0]))
    assert "topics" in assert_error(r, 422)["errors"]
    # Newlines and tabs are what multi-line text is made of.
    body["topics"] = "第一行\n第二行\r\n\t缩进"
    assert client.post("/api/v1/talks", json=body, headers=s.h(s.members[0])).status_code == 201


# --- 9: JSON that the parser could not take ------------------------------------------------


def raw_post(client, path, raw: str | bytes, headers=None):
    data = raw.encode() if isinstance(raw, str) else raw
    return client.post(path, data=data, content_type="application/json", headers=headers or {})


@pytest.mark.parametrize("path", ["/api/v1/auth/login", "/api/v1/wishes", "/api/v1/pairings"])
def test_issue9_9_deep_json_huge_numbers_lone_surrogates_without_a_token(client, path):
    """issue 9 #9: JSON nested ~1000 deep, an integer of > 4,300 digits or a lone surrogate
    was a 500 on any endpoint, login included, without a token."""
    anonymous = path == "/api/v1/auth/login"
    expected = 400 if anonymous else 401
    for raw in ("[" * 1000 + "]" * 1000, '{"code": ' + "[" * 100_000 + "]" * 100_000 + "}"):
        assert_error(raw_post(client, path, raw), expected)
    assert_error(raw_post(client, path, '{"code": ' + "7" * 5000 + "}"), expected)
    assert_error(raw_post(client, path, '{"code": 1e999999}'), expected)
    assert_error(raw_post(client, path, '{"code": NaN}'), expected)
    r = raw_post(client, path, '{"code": "\\udc00"}')
    if anonymous:
        assert "code" in assert_error(r, 422)["errors"]
    else:
        assert_error(r, 401)
    r = raw_post(client, path, '{"\\ud800": "x", "code": "demo:x"}')
    assert_error(r, 422 if anonymous else 401)


def test_issue9_9_limits_apply_with_a_token_too(client, world):
    """issue 9 #9: the same bodies from a logged-in caller are 400/422, never a 500."""
    h = world.headers(world.person())
    path = "/api/v1/wishes"
    assert_error(raw_post(client, path, "[" * 1000 + "]" * 1000, h), 400, "malformed_json")
    assert_error(raw_post(client, path, '{"title": ' + "1" * 5000 + "}", h), 400)
    body = '{"title": "\\udc00", "content": "\\ud800x", "category": "life"}'
    errors = assert_error(raw_post(client, path, body, h), 422)["errors"]
    assert {"title", "content"} <= set(errors)


# --- 10: dates far out of range --------------------------------------------------------------


def test_issue9_10_dates_out_of_range_are_422(client, world, boss, new_pairing, new_team):
    """issue 9 #10: year 1 and 9999 with an offset, points_since in year 1, ?month=9999-12."""
    s = new_team(members=1, employees=1)
    new_pairing(s, s.members[0], s.employees[0])
    for when in ("0001-01-01T00:00:00+08:00", "0001-01-01T00:00:00", "9999-12-31T23:59:59-05:00"):
        body = {"employee_id": s.employees[0].id, "talked_at": when, "mode": "phone", "topics": "x"}
        r = client.post("/api/v1/talks", json=body, headers=s.h(s.members[0]))
        assert "talked_at" in assert_error(r, 422)["errors"], when
    base = {"title": "评选", "starts_at": "2030-01-01T00:00:00+08:00",
            "ends_at": "2030-01-02T00:00:00+08:00"}  # fmt: skip
    for field, when in [
        ("starts_at", "0001-01-01T00:00:00+05:00"),
        ("ends_at", "9999-12-31T23:00:00-05:00"),
        ("points_since", "0001-01-01T00:00:00+08:00"),
        ("points_until", "9999-12-31T23:59:59-10:00"),
    ]:
        r = client.post("/api/v1/admin/campaigns", json={**base, field: when}, headers=boss)
        assert field in assert_error(r, 422)["errors"], (field, when)
    for month in ("9999-12", "0001-01", "1999-12", "2101-01"):
        for path in ("/api/v1/admin/wishes", "/api/v1/talks", "/api/v1/admin/compliance"):
            r = client.get(f"{path}?month={month}", headers=boss)
            assert "month" in assert_error(r, 422)["errors"], (path, month)
    r = client.get("/api/v1/admin/points?period=9999", headers=boss)
    assert "period" in assert_error(r, 422)["errors"]


# --- 11: full-width digits, Content-Disposition ----------------------------------------------


def test_issue9_11_fullwidth_digits_are_422_and_filenames_are_rfc6266(
    client, world, boss, new_team
):
    """issue 9 #11: full-width digits passed `\\d` and ended up in Content-Disposition, where
    gunicorn dropped the connection."""
    s = new_team(members=1, employees=1)
    fullwidth = "２０２５-０１"
    for path in (
        f"/api/v1/branches/{s.branch.id}/talks/export.xlsx?month={quote(fullwidth)}",
        f"/api/v1/admin/points/export.xlsx?period={quote('２０２５')}",
        f"/api/v1/admin/wishes?month={quote(fullwidth)}",
        f"/api/v1/talks?month={quote(fullwidth)}",
    ):
        headers = s.sec if "talks/export" in path else boss
        r = client.get(path, headers=headers)
        assert assert_error(r, 422)["errors"], path
    for path, headers in (
        (f"/api/v1/branches/{s.branch.id}/talks/export.xlsx?month=2025-01", s.sec),
        ("/api/v1/admin/points/export.xlsx?period=2025-Q1", boss),
        ("/api/v1/admin/wishes/export.xlsx", boss),
    ):
        r = client.get(path, headers=headers)
        assert r.status_code == 200, path
        disposition = r.headers["Content-Disposition"]
        disposition.encode("ascii")  # a header value a server can always send
        assert disposition.startswith("attachment; filename=")
        assert "filename*=UTF-8''" in disposition


# --- 13: a body over the limit, sent chunked -------------------------------------------------


def post_chunked(client, path: str, data: bytes, headers: dict[str, str]):
    """A body of unknown length, as a server hands on a chunked request."""
    return client.post(
        path,
        input_stream=io.BytesIO(data),
        content_type="application/json",
        headers={**headers, "Transfer-Encoding": "chunked"},
        environ_overrides={"wsgi.input_terminated": True, "CONTENT_LENGTH": ""},
    )


def test_issue9_13_chunked_body_over_the_limit_is_413(app, client, world):
    """issue 9 #13: a 20 MB body sent chunked got 400 malformed_json instead of 413."""
    h = world.headers(world.person())
    big = b'{"title": "' + b"x" * (20 * 1024 * 1024) + b'"}'
    assert_error(post_chunked(client, "/api/v1/wishes", big, h), 413)
    # Under the limit, a chunked body is read whole.
    small = json.dumps({"title": "书包", "content": "内容", "category": "study"}).encode()
    r = post_chunked(client, "/api/v1/wishes", small, h)
    assert r.status_code == 201, r.json


# --- 14: authentication before the body ------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/api/v1/wishes", {"title": ""}),
        ("/api/v1/pairings", {"member_id": "x"}),
        ("/api/v1/admin/points", {"delta": 0}),
        ("/api/v1/admin/campaigns", {}),
        ("/api/v1/campaigns/1/votes", {"candidate_id": -1}),
        ("/api/v1/auth/bind", {"phone_tail": "abcdef"}),
        ("/api/v1/talks", []),
    ],
)
def test_issue9_14_no_token_is_401_whatever_the_body(client, path, body):
    """issue 9 #14: without a token, an invalid body got 422 field errors instead of 401."""
    assert_error(client.post(path, json=body), 401, "login_required")
    assert_error(raw_post(client, path, "{not json"), 401, "login_required")


def test_issue9_14_roles_are_checked_before_the_body(client, world):
    """issue 9 #14: a caller without the role gets 403, not field errors that map the API."""
    h = world.headers(world.person())
    r = client.post("/api/v1/admin/campaigns", json={}, headers=h)
    assert_error(r, 403)


# --- 18: LIKE wildcards -------------------------------------------------------------------------


def test_issue9_18_like_wildcards_match_themselves(client, world, boss, new_team):
    """issue 9 #18: `?q=%` or `?q=_` on branch people matched everyone."""
    s = new_team(members=2, employees=2)
    h = s.sec
    for q in ("%", "_", "%25", "\\"):
        r = client.get(f"/api/v1/branches/{s.branch.id}/people?q={quote(q)}", headers=h)
        assert r.status_code == 200 and r.json == [], (q, r.json)
    name = s.members[0].name
    r = client.get(f"/api/v1/branches/{s.branch.id}/people?q={quote(name)}", headers=h)
    assert [p["name"] for p in r.json] == [name]
