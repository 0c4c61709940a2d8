"""Talk records: logging, the 7-day lock, corrections, every role's view, the access log."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from models import PointsEntry, Talk, TalkAccess, db, utcnow
from pairings.months import month_of
from tests.support.concurrency import fire_at_once


@pytest.mark.usefixtures("any_talk_rule")
def test_member_logs_a_talk_with_a_paired_employee(
    client, world, log_talk, new_pairing, new_team, talk_body
):
    team = new_team(members=1, employees=2)
    member, e = team.members[0], team.employees[0]
    new_pairing(team, member, e)
    t = log_talk(team.h(member), e)
    assert t["member_id"] == member.id and t["author_id"] == member.id
    assert t["employee_name"] == e.name and t["mode"] == "talk_room"
    assert t["counts"] is True and t["locked"] is False and t["pairing_id"]
    assert t["month"] == month_of(utcnow() - timedelta(hours=1))
    assert t["wish_ids"] == [] and t["corrects_id"] is None
    mine = client.get("/api/v1/pairings/mine", headers=team.h(member)).json
    assert mine["month"]["done"] == 1 and mine["month"]["status"] == "done"
    assert mine["employees"][0]["last_talk_at"] is not None
    # Not paired with the other employee.
    r = client.post("/api/v1/talks", json=talk_body(team.employees[1]), headers=team.h(member))
    assert r.status_code == 403 and r.json["reason"] == "not_paired"


def test_talk_input_is_validated(client, world, new_pairing, new_team, talk_body):
    team = new_team(members=1, employees=1)
    member, e = team.members[0], team.employees[0]
    new_pairing(team, member, e)
    h = team.h(member)
    cases = [
        talk_body(e, mode="carrier_pigeon"),
        talk_body(e, topics="   "),
        talk_body(e, topics="x" * 2001),
        talk_body(e, talked_at="yesterday"),
        talk_body(e, place="\x00"),
        {**talk_body(e), "employee_id": 2**33},
        {k: v for k, v in talk_body(e).items() if k != "topics"},
    ]
    for body in cases:
        r = client.post("/api/v1/talks", json=body, headers=h)
        assert r.status_code == 422, (body, r.json)
    r = client.post("/api/v1/talks", json=talk_body(e, utcnow() + timedelta(hours=2)), headers=h)
    assert r.status_code == 422 and r.json["reason"] == "talked_at_in_future"
    r = client.post(
        "/api/v1/talks", data="{not json", headers={**h, "Content-Type": "application/json"}
    )
    assert r.status_code == 400
    # An employee id of nobody.
    r = client.post("/api/v1/talks", json={**talk_body(e), "employee_id": 99999999}, headers=h)
    assert r.status_code == 404
    # Masses cannot log talks.
    r = client.post("/api/v1/talks", json=talk_body(e), headers=team.h(e))
    assert r.status_code == 403


def test_talk_outside_the_pairing_period_is_refused(
    client, world, new_pairing, new_team, talk_body
):
    team = new_team(members=1, employees=1)
    member, e = team.members[0], team.employees[0]
    new_pairing(team, member, e, since=utcnow() - timedelta(days=3))
    r = client.post(
        "/api/v1/talks", json=talk_body(e, utcnow() - timedelta(days=10)), headers=team.h(member)
    )
    assert r.status_code == 403 and r.json["reason"] == "not_paired"


@pytest.mark.usefixtures("any_talk_rule")
def test_secretary_logs_for_a_member_and_for_themselves(
    client, world, log_talk, new_pairing, new_team, talk_body
):
    team = new_team(members=1, employees=2)
    member, e0, e1 = team.members[0], team.employees[0], team.employees[1]
    new_pairing(team, member, e0)
    t = log_talk(team.sec, e0, member_id=member.id)
    assert t["member_id"] == member.id and t["author_id"] == team.secretary.id
    assert t["counts"] is True
    # The secretary's own talk with an unpaired employee of the branch: kept, counts for no one.
    own = log_talk(team.sec, e1)
    assert own["member_id"] == team.secretary.id and own["counts"] is False
    # ...and the secretary is told at once (issue 27 item 9).
    assert "未结对" in own["counts_note"] and t["counts_note"] is None
    # For a member of another branch: refused.
    other = new_team(members=1, employees=1)
    r = client.post(
        "/api/v1/talks",
        json={**talk_body(other.employees[0]), "member_id": other.members[0].id},
        headers=team.sec,
    )
    assert r.status_code == 404
    # The member whose talk the secretary logged sees it as theirs.
    assert [x["id"] for x in client.get("/api/v1/talks", headers=team.h(member)).json] == [t["id"]]


def test_every_roles_view_of_talk_records(client, world, log_talk, new_pairing, new_team):
    team = new_team(members=2, employees=2)
    author, peer = team.members
    new_pairing(team, author, team.employees[0])
    new_pairing(team, peer, team.employees[1])
    t = log_talk(team.h(author), team.employees[0])
    p = log_talk(team.h(peer), team.employees[1])
    url = f"/api/v1/talks/{t['id']}"
    month = t["month"]

    def ids(headers, q=""):
        r = client.get(f"/api/v1/talks?month={month}{q}", headers=headers)
        assert r.status_code == 200, r.json
        return {x["id"] for x in r.json}

    # The author sees their own, not the other member's.
    assert client.get(url, headers=team.h(author)).status_code == 200
    assert ids(team.h(author)) == {t["id"]}
    # Another member of the same branch: 404, and never in their list.
    r = client.get(url, headers=team.h(peer))
    assert r.status_code == 404 and r.json["reason"] == "not_found"
    assert ids(team.h(peer)) == {p["id"]}
    # The employee talked with does not see the record either.
    assert client.get(url, headers=team.h(team.employees[0])).status_code == 404
    assert ids(team.h(team.employees[0])) == set()
    # The branch secretary sees the branch; another branch's secretary nothing.
    assert client.get(url, headers=team.sec).status_code == 200
    assert ids(team.sec) == {t["id"], p["id"]}
    other = new_team()
    assert client.get(url, headers=other.sec).status_code == 404
    assert ids(other.sec) == set()
    # Committee of the mine sees all; committee of another mine nothing.
    committee = world.headers(world.committee())
    assert client.get(url, headers=committee).status_code == 200
    assert ids(committee) == {t["id"], p["id"]}
    assert ids(committee, f"&branch_id={team.branch.id}&member_id={author.id}") == {t["id"]}
    far = world.headers(world.committee(world.mine()))
    assert client.get(url, headers=far).status_code == 404 and ids(far) == set()
    # Not logged in.
    assert client.get(url).status_code == 401
    assert client.get("/api/v1/talks").status_code == 401
    assert client.get("/api/v1/talks?month=2025-13", headers=team.sec).status_code == 422


def test_every_read_is_in_the_access_log_for_committee(
    app, client, world, log_talk, new_pairing, new_team
):
    team = new_team(members=1, employees=1)
    member, e = team.members[0], team.employees[0]
    new_pairing(team, member, e)
    t = log_talk(team.h(member), e)
    client.get(f"/api/v1/talks/{t['id']}", headers=team.sec)
    client.get("/api/v1/talks", headers=team.h(member))
    client.get(f"/api/v1/talks/{t['id']}", headers=new_team().sec)  # refused: not logged
    committee = world.headers(world.committee())
    r = client.get(f"/api/v1/admin/talk-access?talk_id={t['id']}", headers=committee)
    assert r.status_code == 200, r.json
    seen = [(x["viewer_id"], x["action"]) for x in r.json]
    assert seen == [(member.id, "list"), (team.secretary.id, "detail")]
    assert r.json[1]["viewer_name"] == team.secretary.name and r.json[0]["ip"] == "127.0.0.1"
    # The committee's own list read is logged too; members and secretaries cannot see the log.
    client.get("/api/v1/talks", headers=committee)
    assert len(client.get("/api/v1/admin/talk-access", headers=committee).json) == 3
    assert client.get("/api/v1/admin/talk-access", headers=team.sec).status_code == 403
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(TalkAccess)) == 3


def test_author_edits_within_seven_days_then_it_locks(
    app, client, world, age_talk, log_talk, new_pairing, new_team, talk_body
):
    team = new_team(members=1, employees=1)
    member, e = team.members[0], team.employees[0]
    new_pairing(team, member, e)
    t = log_talk(team.h(member), e)
    url = f"/api/v1/talks/{t['id']}"
    body = {k: v for k, v in talk_body(e, follow_up="已协调调班").items() if k != "employee_id"}
    r = client.put(url, json=body, headers=team.h(member))
    assert r.status_code == 200 and r.json["follow_up"] == "已协调调班"
    # Only the author edits: the secretary may read but not change it.
    r = client.put(url, json=body, headers=team.sec)
    assert r.status_code == 403 and r.json["reason"] == "not_talk_author"
    age_talk(t["id"], 6.99)
    assert client.put(url, json=body, headers=team.h(member)).status_code == 200
    age_talk(t["id"], 7)
    r = client.put(url, json=body, headers=team.h(member))
    assert r.status_code == 409 and r.json["reason"] == "talk_locked"
    assert client.get(url, headers=team.h(member)).json["locked"] is True


@pytest.mark.usefixtures("any_talk_rule")
def test_correction_after_the_lock_is_a_new_record_pointing_at_the_old(
    app, client, world, age_talk, log_talk, new_pairing, new_team, talk_body
):
    team = new_team(members=1, employees=1)
    member, e = team.members[0], team.employees[0]
    new_pairing(team, member, e)
    t = log_talk(team.h(member), e)
    age_talk(t["id"], 8)
    body = {
        k: v
        for k, v in talk_body(e, concerns="更正：希望调白班两个月").items()
        if k != "employee_id"
    }
    r = client.post(f"/api/v1/talks/{t['id']}/corrections", json=body, headers=team.h(member))
    assert r.status_code == 201, r.json
    new = r.json
    assert new["corrects_id"] == t["id"] and new["concerns"].startswith("更正")
    old = client.get(f"/api/v1/talks/{t['id']}", headers=team.h(member)).json
    assert old["corrected_by_id"] == new["id"] and old["counts"] is False
    assert "已被更正" in old["counts_note"]
    assert old["concerns"] == t["concerns"]  # the old text is never changed
    r = client.post(f"/api/v1/talks/{t['id']}/corrections", json=body, headers=team.h(member))
    assert r.status_code == 409 and r.json["reason"] == "already_corrected"
    # The month still counts one talk, and one award.
    mine = client.get("/api/v1/pairings/mine", headers=team.h(member)).json
    assert mine["month"]["done"] == 1
    listed = client.get("/api/v1/talks?include_corrected=false", headers=team.h(member)).json
    assert [x["id"] for x in listed] == [new["id"]]
    # Another member cannot correct it (cannot even see it).
    peer = world.member(team.branch)
    url = f"/api/v1/talks/{new['id']}/corrections"
    r = client.post(url, json=body, headers=world.headers(peer))
    assert r.status_code == 404


def test_two_corrections_at_the_same_instant_one_wins(
    app, world, age_talk, log_talk, new_pairing, new_team, talk_body
):
    team = new_team(members=1, employees=1)
    member, e = team.members[0], team.employees[0]
    new_pairing(team, member, e)
    t = log_talk(team.h(member), e)
    age_talk(t["id"], 10)
    body = {k: v for k, v in talk_body(e).items() if k != "employee_id"}
    h = team.h(member)
    sec = team.sec

    def go(i: int) -> int:
        return (
            app.test_client()
            .post(f"/api/v1/talks/{t['id']}/corrections", json=body, headers=h if i % 2 else sec)
            .status_code
        )

    codes = fire_at_once(10, go)
    assert codes.count(201) == 1 and set(codes) == {201, 409}, codes
    with app.app_context():
        assert (
            db.session.scalar(
                db.select(db.func.count()).select_from(Talk).where(Talk.corrects_id == t["id"])
            )
            == 1
        )


@pytest.mark.usefixtures("any_talk_rule")
def test_many_talks_at_once_award_the_month_once(app, world, new_pairing, new_team, talk_body):
    team = new_team(members=1, employees=3)
    member = team.members[0]
    for emp in team.employees:
        new_pairing(team, member, emp)
    h = team.h(member)

    def go(i: int) -> int:
        return (
            app.test_client()
            .post("/api/v1/talks", json=talk_body(team.employees[i % 3]), headers=h)
            .status_code
        )

    assert set(fire_at_once(12, go)) == {201}
    with app.app_context():
        entries = db.session.scalars(
            db.select(PointsEntry).where(PointsEntry.person_id == member.id)
        ).all()
        assert [(x.kind, x.delta) for x in entries] == [("monthly_talks_done", 2)]
        assert entries[0].ref == f"talks:{month_of(utcnow() - timedelta(hours=1))}"


def test_absurd_page_numbers_are_empty_pages_not_errors(client, world, new_team):
    team = new_team(members=1, employees=1)
    committee = world.headers(world.committee())
    for url, h in (
        ("/api/v1/talks?page=808700000000", team.sec),
        (f"/api/v1/branches/{team.branch.id}/pairings?page=808700000000", team.sec),
        ("/api/v1/admin/talk-access?page=808700000000", committee),
        ("/api/v1/admin/points?page=808700000000", committee),
    ):
        r = client.get(url, headers=h)
        assert r.status_code == 200 and r.json == [], (url, r.json)


def test_issue9_16_talk_editable_until_is_iso8601_and_typed(
    client, world, log_talk, new_pairing, new_team
):
    """issue 9 #16: `editable_until` was an HTTP date, and untyped in the OpenAPI document."""
    team = new_team(members=1, employees=1)
    m, e = team.members[0], team.employees[0]
    new_pairing(team, m, e)
    talk = log_talk(team.h(m), e)
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
