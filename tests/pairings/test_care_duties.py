"""必访必谈: recording an event, the duty's assignment and due time, closing it by the assignee's
visit or talk, refusals, the overdue notices (once, also at the same instant) and the roll-up."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from models import CareEvent, Notification, Person, db, utcnow
from pairings.compliance import mine_rollup
from pairings.duties import notify_overdue
from pairings.months import SHANGHAI, day_bounds, local
from tests.support.concurrency import fire_at_once

URL = "/api/v1/care-events"


def today() -> date:
    return local(utcnow()).date()


def record(client, headers, employee, kind="hospitalized", occurred_on=None, note="住院治疗"):
    return client.post(
        URL,
        json={
            "employee_id": employee.id,
            "kind": kind,
            "occurred_on": (occurred_on or today()).isoformat(),
            "note": note,
        },
        headers=headers,
    )


def notes(app, person_id: int, kind: str) -> list[dict]:
    with app.app_context():
        return list(
            db.session.scalars(
                db.select(Notification.data).where(
                    Notification.person_id == person_id, Notification.kind == kind
                )
            )
        )


def test_an_event_goes_to_the_paired_member_else_the_secretary(
    app, client, world, new_pairing, new_team
):
    team = new_team(members=1, employees=2)
    member = team.members[0]
    paired, unpaired = team.employees
    new_pairing(team, member, paired)
    r = record(client, team.sec, paired, occurred_on=today() - timedelta(days=1))
    assert r.status_code == 201, r.json
    event = r.json
    assert event["assignee_id"] == member.id and event["family"] == "visit"
    assert event["status"] == "open" and event["kind_label"] == "住院"
    # A visit within 3 days of the hospital stay: due at the end of the third day (Shanghai).
    _, end = day_bounds(today() + timedelta(days=2))
    assert datetime.fromisoformat(event["due_at"]) == end
    sent = notes(app, member.id, "care_duty_assigned")
    assert sent and sent[0]["name"] == paired.name and sent[0]["duty"] == "必访"
    # Nobody paired with the employee: the secretary who recorded it takes it.
    r = record(client, team.sec, unpaired, kind="disciplined")
    assert r.status_code == 201 and r.json["assignee_id"] == team.secretary.id
    assert r.json["family"] == "talk"
    # The paired member may record for their own employee, not for another.
    r = record(client, team.h(member), paired, kind="post_change")
    assert r.status_code == 201 and r.json["assignee_id"] == member.id
    r = record(client, team.h(member), unpaired, kind="post_change")
    assert r.status_code == 404 and r.json["reason"] == "person_not_found"
    # The kinds and their due times; the committee changes one for events from now on.
    kinds = client.get("/api/v1/care-event-kinds", headers=team.h(member)).json
    assert {k["kind"]: k["due_days"] for k in kinds}["disciplined"] == 7
    committee = world.headers(world.committee(world.default_mine()))
    r = client.put(
        "/api/v1/admin/care-event-kinds/disciplined", json={"due_days": 10}, headers=committee
    )
    assert r.status_code == 200 and {k["kind"]: k["due_days"] for k in r.json}["disciplined"] == 10
    assert (
        client.put(
            "/api/v1/admin/care-event-kinds/nope", json={"due_days": 10}, headers=committee
        ).status_code
        == 404
    )


def test_bad_events_are_refused_with_their_reason(app, client, world, new_team, set_cols):
    team = new_team(members=1, employees=2)
    leaver, other = team.employees
    set_cols(Person, leaver.id, left_at=utcnow())
    r = record(client, team.sec, leaver)
    assert r.status_code == 422 and r.json["reason"] == "person_left" and r.json["message"]
    r = record(client, team.sec, other, occurred_on=today() + timedelta(days=2))
    assert r.status_code == 422 and r.json["reason"] == "event_in_future"
    r = record(client, team.sec, other, kind="party")
    assert r.status_code == 422
    stranger = new_team()
    r = record(client, stranger.sec, other)
    assert r.status_code == 404


def test_the_assignees_visit_closes_the_duty_a_phone_call_does_not(
    app, client, world, new_pairing, new_team, talk_body
):
    team = new_team(members=2, employees=1)
    member, other = team.members
    employee = team.employees[0]
    new_pairing(team, member, employee)
    event = record(client, team.sec, employee, occurred_on=today() - timedelta(days=1)).json
    now = utcnow()
    r = client.post(
        "/api/v1/talks", json=talk_body(employee, now, mode="phone"), headers=team.h(member)
    )
    assert r.status_code == 201
    phone_id = r.json["id"]
    assert client.get(f"{URL}/{event['id']}", headers=team.sec).json["status"] == "open"
    # Naming the phone call does not close a visit.
    r = client.post(
        f"{URL}/{event['id']}/close", json={"talk_id": phone_id}, headers=team.h(member)
    )
    assert r.status_code == 422 and r.json["reason"] == "talk_does_not_close_duty"
    # Someone not assigned may not close it.
    r = client.post(f"{URL}/{event['id']}/close", json={"talk_id": phone_id}, headers=team.sec)
    assert r.status_code == 403 and r.json["reason"] == "not_duty_assignee"
    r = client.post(f"{URL}/{event['id']}/close", json={"talk_id": phone_id}, headers=team.h(other))
    assert r.status_code == 404  # another member cannot even see it
    # The home visit, logged by the secretary on the member's behalf, closes it.
    body = talk_body(employee, now, mode="home_visit")
    body["member_id"] = member.id
    r = client.post("/api/v1/talks", json=body, headers=team.sec)
    assert r.status_code == 201
    closed = client.get(f"{URL}/{event['id']}", headers=team.h(member)).json
    assert closed["status"] == "closed" and closed["closing_talk_id"] == r.json["id"]
    r = client.post(
        f"{URL}/{event['id']}/close", json={"talk_id": phone_id}, headers=team.h(member)
    )
    assert r.status_code == 409 and r.json["reason"] == "duty_closed"
    # A talk event closes by an earlier-logged call, named by the assignee.
    talk_event = record(client, team.sec, employee, kind="praised").json
    assert talk_event["status"] == "open"  # the talks logged before are not re-read
    r = client.post(
        f"{URL}/{talk_event['id']}/close", json={"talk_id": phone_id}, headers=team.h(member)
    )
    assert r.status_code == 200 and r.json["status"] == "closed"
    listed = client.get(f"{URL}?status=closed", headers=team.h(member)).json
    assert {e["id"] for e in listed} == {event["id"], talk_event["id"]}


def test_overdue_duties_are_noticed_once_and_rolled_up(app, client, world, new_pairing, new_team):
    team = new_team(members=1, employees=2)
    member = team.members[0]
    new_pairing(team, member, team.employees[0])
    late = record(client, team.sec, team.employees[0], occurred_on=today() - timedelta(days=10))
    assert late.status_code == 201 and late.json["status"] == "overdue"
    record(client, team.sec, team.employees[1], kind="dispute")  # not yet due
    overdue = client.get(f"{URL}?status=overdue", headers=team.sec).json
    assert [e["id"] for e in overdue] == [late.json["id"]]

    def run(_i: int = 0) -> int:
        with app.app_context():
            result = notify_overdue()
            db.session.commit()
            return len(result.notified)

    assert sum(fire_at_once(3, run)) == 1
    assert run() == 0
    assert len(notes(app, member.id, "care_duty_overdue")) == 1
    assert len(notes(app, team.secretary.id, "care_duty_overdue")) == 1
    with app.app_context():
        rollup = mine_rollup(team.branch.mine_id, local(utcnow()).strftime("%Y-%m"))
        assert db.session.get(CareEvent, late.json["id"]).overdue_notified_at is not None
    row = next(b for b in rollup["branches"] if b["branch_id"] == team.branch.id)
    assert row["overdue_duties"] == 1 and rollup["overdue_duties"] >= 1
    committee = world.headers(world.committee(world.default_mine()))
    assert client.get("/api/v1/admin/compliance", headers=committee).json["overdue_duties"] >= 1
    # 待办: the member's open duty.
    todo = client.get("/api/v1/todo", headers=team.h(member))
    assert {t["key"]: t["count"] for t in todo.json["items"]}["care_duties_open"] == 1


def test_the_day_of_the_event_is_shanghais(app, client, world, new_pairing, new_team):
    team = new_team(members=1, employees=1)
    new_pairing(team, team.members[0], team.employees[0])
    r = record(client, team.sec, team.employees[0], kind="violation", occurred_on=date(2025, 6, 1))
    due = datetime.fromisoformat(r.json["due_at"])
    assert due == datetime(2025, 6, 5, tzinfo=SHANGHAI)  # 3 days: the end of 4 June
