"""POST /talks/{id}/wish: a concern raised in a talk becomes a wish for the employee."""

from __future__ import annotations

from models import Wish, db

BODY = {
    "title": "孩子上学缺书包",
    "content": "谈心时反映孩子开学缺少书包和文具",
    "category": "study",
}


def test_member_turns_a_concern_into_a_wish_for_the_employee(
    app, client, world, log_talk, new_pairing, new_team
):
    team = new_team(members=1, employees=1)
    member, employee = team.members[0], team.employees[0]
    new_pairing(team, member, employee)
    talk = log_talk(team.h(member), employee)
    r = client.post(f"/api/v1/talks/{talk['id']}/wish", json=BODY, headers=team.h(member))
    assert r.status_code == 201, r.json
    assert r.json["status"] == "pending_review"
    with app.app_context():
        wish = db.session.get(Wish, r.json["id"])
        assert wish.source_talk_id == talk["id"]
        assert wish.wisher_id == employee.id and wish.author_id == member.id
    detail = client.get(f"/api/v1/talks/{talk['id']}", headers=team.h(member)).json
    assert detail["wish_ids"] == [r.json["id"]]
    # The branch secretary may do the same; it lands in their review queue.
    r2 = client.post(f"/api/v1/talks/{talk['id']}/wish", json=BODY, headers=team.h(team.secretary))
    assert r2.status_code == 201


def test_other_members_and_committee_cannot(client, world, log_talk, new_pairing, new_team):
    team = new_team(members=2, employees=1)
    member, other, employee = team.members[0], team.members[1], team.employees[0]
    new_pairing(team, member, employee)
    talk = log_talk(team.h(member), employee)
    r = client.post(f"/api/v1/talks/{talk['id']}/wish", json=BODY, headers=team.h(other))
    assert r.status_code == 404  # another member cannot even see the talk
    boss = world.committee()
    r = client.post(f"/api/v1/talks/{talk['id']}/wish", json=BODY, headers=world.headers(boss))
    assert r.status_code == 403
    r = client.post("/api/v1/talks/999999/wish", json=BODY, headers=team.h(member))
    assert r.status_code == 404


def test_bad_wish_body_is_422(client, world, log_talk, new_pairing, new_team):
    team = new_team(members=1, employees=1)
    member, employee = team.members[0], team.employees[0]
    new_pairing(team, member, employee)
    talk = log_talk(team.h(member), employee)
    r = client.post(
        f"/api/v1/talks/{talk['id']}/wish", json={**BODY, "category": "x"}, headers=team.h(member)
    )
    assert r.status_code == 422 and "category" in r.json["errors"]
