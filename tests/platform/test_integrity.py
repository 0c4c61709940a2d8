"""Issue 9 #2, #4, #5, #6: a bad row never breaks a ledger again, no deadlock reaches the client,
rate limits count atomically, and idempotency records never hold bearer tokens."""

from __future__ import annotations

import io

from openpyxl import load_workbook

from models import (
    Ballot,
    IdempotencyRecord,
    Pairing,
    PointsEntry,
    Talk,
    Wish,
    db,
)
from tests.support.concurrency import fire_at_once

BAD = "坏\x0b字\x00符\x1b\x7f\x85\ud800"


def opens(data: bytes):
    """The workbook loads, and no cell holds a character Excel refuses."""
    wb = load_workbook(io.BytesIO(data))
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if isinstance(cell.value, str):
                    assert not any(ord(ch) < 32 and ch not in "\t\n\r" for ch in cell.value)
    return wb


def test_issue9_2_device_headers_are_cleaned_before_they_are_stored(
    app, client, world, cast_vote, new_campaign
):
    """issue 9 #2: a C0 control in a voter's X-Client-Info / User-Agent was stored, and the
    campaign's results-and-ballots export answered 500 from then on."""
    setup = new_campaign(per_category=1, categories=("safety",))
    voter = world.person(setup.branch)
    headers = {
        **world.headers(voter),
        "User-Agent": "Mozilla/5.0\x0b(Linux; Android 9)\x01",
        "X-Client-Info": "model=\x0bMI 8;net=4g\x7f",
    }
    r = cast_vote(setup, headers, setup.candidates["safety"][0])
    assert r.status_code == 201, r.json
    with app.app_context():
        ballot = db.session.get(Ballot, r.json["ballot_id"])
        assert ballot.user_agent == "Mozilla/5.0(Linux; Android 9)"
        assert ballot.client_hints == "model=MI 8;net=4g"
    r = client.get(
        f"/api/v1/admin/campaigns/{setup.campaign_id}/export.xlsx",
        headers=setup.committee_headers,
    )
    assert r.status_code == 200
    opens(r.data)


def test_issue9_2_wish_title_with_a_control_character_is_refused(client, world, wish_scene):
    """issue 9 #2: one `\\u000b` in a wish title was stored."""
    s = wish_scene()
    body = {"title": "书包\u000b", "content": "内容", "category": "study"}
    r = client.post("/api/v1/wishes", json=body, headers=s.h(s.wisher))
    assert r.status_code == 422 and "title" in r.json["errors"]


def test_issue9_2_every_export_cleans_every_cell(
    app,
    client,
    world,
    cast_vote,
    log_talk,
    new_campaign,
    new_pairing,
    new_team,
    new_wish,
    set_cols,
    wish_scene,
):
    """issue 9 #2: rows already stored with control characters (older data, another writer)
    no longer break the wishes, ballots, talks or points ledgers: every cell is cleaned."""
    s = wish_scene()
    wish_id = new_wish(s)
    setup = new_campaign(per_category=1, categories=("safety",))
    voter = world.person(setup.branch)
    ballot_id = cast_vote(setup, world.headers(voter), setup.candidates["safety"][0]).json[
        "ballot_id"
    ]
    team = new_team(members=1, employees=1)
    m, e = team.members[0], team.employees[0]
    new_pairing(team, m, e)
    talk = log_talk(team.h(m), e)
    # Written behind the API's back, as an older version or another tool could have.
    bad = BAD.replace("\x00", "").replace("\ud800", "")  # what every database can store
    set_cols(Wish, wish_id, title="书包" + bad[:4], content="内容" + bad)
    set_cols(Ballot, ballot_id, user_agent="UA" + bad, client_hints=bad)
    set_cols(Talk, talk["id"], topics="谈心" + bad, place=bad[:8])
    with app.app_context():
        db.session.add(PointsEntry(person_id=m.id, delta=3, kind="manual", reason="加分" + bad))
        db.session.commit()
    for url, headers in (
        ("/api/v1/admin/wishes/export.xlsx", s.h(s.committee)),
        (f"/api/v1/admin/wishes/export.xlsx?branch_id={s.branch.id}", s.h(s.secretary)),
        (f"/api/v1/admin/campaigns/{setup.campaign_id}/export.xlsx", setup.committee_headers),
        (f"/api/v1/branches/{team.branch.id}/talks/export.xlsx?month={talk['month']}", team.sec),
        ("/api/v1/admin/points/export.xlsx?period=all", team.sec),
    ):
        r = client.get(url, headers=headers)
        assert r.status_code == 200, url
        opens(r.data)


def test_issue9_4_secretaries_pairing_each_other_at_once_do_not_deadlock(app, world):
    """issue 9 #4: two secretaries of one branch, both members, pairing each other at the same
    moment: a PostgreSQL deadlock answered 503."""
    branch = world.branch()
    for _ in range(6):
        s1, s2 = world.secretary(branch), world.secretary(branch)
        e1, e2 = world.person(branch), world.person(branch)
        h1, h2 = world.headers(s1), world.headers(s2)
        jobs = [(h1, s2, e1), (h2, s1, e2)]

        def pair_at_once(i: int, jobs=jobs) -> int:
            headers, member, employee = jobs[i]
            r = app.test_client().post(
                "/api/v1/pairings",
                json={"member_id": member.id, "employee_id": employee.id},
                headers=headers,
            )
            return r.status_code

        assert fire_at_once(2, pair_at_once) == [201, 201]
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(Pairing)) == 12


def test_issue9_5_wish_posts_are_counted_before_they_are_stored(app, world, wish_scene):
    """issue 9 #5: 100 parallel wish posts stored 35 against a limit of 20 per hour."""
    s = wish_scene()
    headers = s.h(s.wisher)
    body = {"title": "书包", "content": "孩子上学需要书包", "category": "study"}

    def post(_: int) -> int:
        return app.test_client().post("/api/v1/wishes", json=body, headers=headers).status_code

    codes = fire_at_once(40, post)
    with app.app_context():
        stored = db.session.scalar(db.select(db.func.count()).select_from(Wish))
    assert codes.count(201) == stored == 20, (codes.count(201), stored)
    assert set(codes) == {201, 429}


def test_issue9_5_refused_wish_posts_do_not_use_up_the_limit(app, client, world, wish_scene):
    """issue 9 #5: only stored wishes count (the count is given back for a refusal)."""
    app.config["WISH_POST_LIMITS"] = "3 per hour"
    try:
        s = wish_scene()
        headers = s.h(s.wisher)
        for _ in range(5):
            r = client.post(
                "/api/v1/wishes", json={"title": "书包", "content": "", "category": "study"},
                headers=headers,
            )  # fmt: skip
            assert r.status_code == 422
        good = {"title": "书包", "content": "孩子上学需要书包", "category": "study"}
        codes = [client.post("/api/v1/wishes", json=good, headers=headers).status_code]
        codes += [client.post("/api/v1/wishes", json=good, headers=headers).status_code]
        codes += [client.post("/api/v1/wishes", json=good, headers=headers).status_code]
        codes += [client.post("/api/v1/wishes", json=good, headers=headers).status_code]
        assert codes == [201, 201, 201, 429]
    finally:
        app.config["WISH_POST_LIMITS"] = "20 per hour;50 per day"


def test_issue9_5_bind_failures_are_counted_before_they_are_checked(app, world):
    """issue 9 #5: bind allowed 7 failures against 5 per account when fired at once."""
    world.person(name="王五", employee_no="B9001", phone="13900009001")
    token = (
        app.test_client().post("/api/v1/auth/login", json={"code": "demo:guesser"}).json["token"]
    )
    headers = {"Authorization": f"Bearer {token}"}

    def guess(i: int) -> int:
        body = {"employee_no": "B9001", "name": "王五", "phone_tail": f"{i:04d}"}
        return app.test_client().post("/api/v1/auth/bind", json=body, headers=headers).status_code

    codes = fire_at_once(16, guess)
    assert codes.count(422) == 5, codes
    assert set(codes) == {422, 429}


def test_issue9_6_login_answers_are_never_stored_or_replayed(app, client):
    """issue 9 #6: the bearer token of a login was stored in plain text and handed to anyone
    who repeated the same anonymous body and key within 24 h."""
    h = {"Idempotency-Key": "login-1"}
    a = client.post("/api/v1/auth/login", json={"code": "demo:victim"}, headers=h)
    b = client.post("/api/v1/auth/login", json={"code": "demo:victim"}, headers=h)
    assert a.status_code == b.status_code == 200
    assert "Idempotent-Replayed" not in b.headers
    assert a.json["token"] != b.json["token"]
    with app.app_context():
        for record in db.session.scalars(db.select(IdempotencyRecord)):
            assert a.json["token"].encode() not in (record.body or b"")
        assert db.session.scalar(db.select(db.func.count()).select_from(IdempotencyRecord)) == 0
