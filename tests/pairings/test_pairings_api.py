"""Pairings: the 3/5 limits (also under simultaneous requests), history, care flags."""

from __future__ import annotations

from sqlalchemy import event

from models import CareFlagChange, Pairing, db
from tests.support.concurrency import fire_at_once


def test_secretary_pairs_and_member_sees_them(client, world, new_pairing, new_team):
    team = new_team(members=1, employees=2)
    member = team.members[0]
    ids = [new_pairing(team, member, e) for e in team.employees]
    r = client.get("/api/v1/pairings/mine", headers=team.h(member))
    assert r.status_code == 200, r.json
    body = r.json
    assert body["limit"] == 3
    assert [e["employee_id"] for e in body["employees"]] == [e.id for e in team.employees]
    assert body["employees"][0]["name"] == team.employees[0].name
    assert body["employees"][0]["flags"] == [] and body["employees"][0]["last_talk_at"] is None
    assert body["month"]["required"] == 1 and body["month"]["done"] == 0
    # The seed's rule: neither employee carries a care flag, so there is no one to care for.
    assert body["month"]["status"] == "no_one_to_care" and body["month"]["basis"] == "flagged"
    assert {e["pairing_id"] for e in body["employees"]} == set(ids)


def test_ordinary_member_limit_is_three_cadre_five(client, world, new_pairing, new_team):
    team = new_team(members=1, cadres=1, employees=10)
    member, cadre = team.members[0], team.cadres[0]
    for e in team.employees[:3]:
        new_pairing(team, member, e)
    r = client.post(
        "/api/v1/pairings",
        json={"member_id": member.id, "employee_id": team.employees[3].id},
        headers=team.sec,
    )
    assert r.status_code == 409 and r.json["reason"] == "pairing_limit"
    assert r.json["message"]
    for e in team.employees[3:8]:
        new_pairing(team, cadre, e)
    r = client.post(
        "/api/v1/pairings",
        json={"member_id": cadre.id, "employee_id": team.employees[8].id},
        headers=team.sec,
    )
    assert r.status_code == 409 and r.json["reason"] == "pairing_limit"
    assert client.get("/api/v1/pairings/mine", headers=team.h(cadre)).json["limit"] == 5


def _fire_pairings(app, team, member, employees, secretaries):
    def go(i: int) -> tuple[int, str | None]:
        r = app.test_client().post(
            "/api/v1/pairings",
            json={"member_id": member.id, "employee_id": employees[i].id},
            headers=secretaries[i % len(secretaries)],
        )
        return r.status_code, r.json.get("reason")

    return fire_at_once(len(employees), go)


def test_limit_holds_when_many_secretaries_pair_at_the_same_instant(app, world, new_team):
    team = new_team(members=1, cadres=1, employees=30)
    # Three secretaries of the same branch, all pressing "pair" at once.
    secretaries = [team.sec] + [team.h(world.secretary(team.branch)) for _ in range(2)]
    member, cadre = team.members[0], team.cadres[0]

    results = _fire_pairings(app, team, member, team.employees[:15], secretaries)
    assert [c for c, _ in results].count(201) == 3, results
    assert {r for c, r in results if c != 201} == {"pairing_limit"}

    results = _fire_pairings(app, team, cadre, team.employees[15:], secretaries)
    assert [c for c, _ in results].count(201) == 5, results
    assert {r for c, r in results if c != 201} == {"pairing_limit"}
    with app.app_context():
        for person, limit in ((member, 3), (cadre, 5)):
            n = db.session.scalar(
                db.select(db.func.count())
                .select_from(Pairing)
                .where(Pairing.member_id == person.id, Pairing.active.is_(True))
            )
            assert n == limit


def test_one_employee_paired_with_many_members_at_once_gets_one(app, world, new_team):
    team = new_team(members=12, employees=1)
    employee, sec = team.employees[0], team.sec

    def go(i: int) -> tuple[int, str | None]:
        r = app.test_client().post(
            "/api/v1/pairings",
            json={"member_id": team.members[i].id, "employee_id": employee.id},
            headers=sec,
        )
        return r.status_code, r.json.get("reason")

    results = fire_at_once(12, go)
    assert [c for c, _ in results].count(201) == 1, results
    assert {r for c, r in results if c != 201} == {"employee_already_paired"}


def test_same_pair_twice_and_who_may_be_paired(client, world, new_pairing, new_team):
    team = new_team(members=1, employees=2)
    member, e0 = team.members[0], team.employees[0]
    new_pairing(team, member, e0)
    r = client.post(
        "/api/v1/pairings", json={"member_id": member.id, "employee_id": e0.id}, headers=team.sec
    )
    assert r.status_code == 409 and r.json["reason"] == "already_paired"
    # Two employees cannot be paired with each other; a member is not "an employee".
    r = client.post(
        "/api/v1/pairings",
        json={"member_id": team.employees[1].id, "employee_id": e0.id},
        headers=team.sec,
    )
    assert r.status_code == 422 and r.json["reason"] == "not_a_member"
    other_member = world.member(team.branch)
    r = client.post(
        "/api/v1/pairings",
        json={"member_id": member.id, "employee_id": other_member.id},
        headers=team.sec,
    )
    assert r.status_code == 422 and r.json["reason"] == "not_an_employee"
    # An employee of another branch.
    stranger = world.person(world.branch())
    r = client.post(
        "/api/v1/pairings",
        json={"member_id": member.id, "employee_id": stranger.id},
        headers=team.sec,
    )
    assert r.status_code == 422 and r.json["reason"] == "not_in_branch"


def test_only_the_branch_secretary_pairs(client, world, new_team):
    team = new_team(members=1, employees=1)
    body = {"member_id": team.members[0].id, "employee_id": team.employees[0].id}
    other = new_team()
    r = client.post("/api/v1/pairings", json=body, headers=other.sec)
    assert r.status_code == 404 and r.json["reason"] == "person_not_found"
    r = client.post("/api/v1/pairings", json=body, headers=team.h(team.members[0]))
    assert r.status_code == 403
    assert client.post("/api/v1/pairings", json=body).status_code == 401
    for bad in ({"member_id": "x"}, {"member_id": 2**40, "employee_id": 1}, {}):
        r = client.post("/api/v1/pairings", json=bad, headers=team.sec)
        assert r.status_code == 422, r.json
    r = client.post(
        "/api/v1/pairings", json={"member_id": 999999, "employee_id": 1}, headers=team.sec
    )
    assert r.status_code == 404


def test_ending_a_pairing_keeps_history_and_frees_the_slot(client, world, new_pairing, new_team):
    team = new_team(members=1, employees=4)
    member = team.members[0]
    ids = [new_pairing(team, member, e) for e in team.employees[:3]]
    r = client.delete(f"/api/v1/pairings/{ids[0]}", headers=team.sec)
    assert r.status_code == 200 and r.json["active"] is False
    assert r.json["ended_at"] and r.json["end_reason"] == "ended"
    assert r.json["ended_by_id"] == team.secretary.id
    again = client.delete(f"/api/v1/pairings/{ids[0]}", headers=team.sec)
    assert again.status_code == 200 and again.json["ended_at"] == r.json["ended_at"]
    new_pairing(team, member, team.employees[3])
    hist = client.get(
        f"/api/v1/branches/{team.branch.id}/pairings?status=all", headers=team.sec
    ).json
    assert len(hist) == 4 and sum(not p["active"] for p in hist) == 1
    ended = client.get(
        f"/api/v1/branches/{team.branch.id}/pairings?status=ended", headers=team.sec
    ).json
    assert [p["id"] for p in ended] == [ids[0]]
    assert ended[0]["member"]["name"] == member.name
    # Not your branch, not a secretary, no such pairing, an absurd id.
    assert client.delete(f"/api/v1/pairings/{ids[1]}", headers=new_team().sec).status_code == 404
    assert client.delete(f"/api/v1/pairings/{ids[1]}", headers=team.h(member)).status_code == 403
    assert client.delete("/api/v1/pairings/99999999", headers=team.sec).status_code == 404
    assert client.delete("/api/v1/pairings/99999999999999", headers=team.sec).status_code == 404


def test_re_pairing_after_the_end(client, world, new_pairing, new_team):
    team = new_team(members=2, employees=1)
    e = team.employees[0]
    first = new_pairing(team, team.members[0], e)
    client.delete(f"/api/v1/pairings/{first}", headers=team.sec)
    second = new_pairing(team, team.members[1], e)
    third_try = client.post(
        "/api/v1/pairings",
        json={"member_id": team.members[0].id, "employee_id": e.id},
        headers=team.sec,
    )
    assert second != first and third_try.json["reason"] == "employee_already_paired"


def test_care_flags_set_with_history_and_shown_everywhere(
    app, client, world, new_pairing, new_team
):
    team = new_team(members=1, employees=3)
    member, e = team.members[0], team.employees[0]
    new_pairing(team, member, e)
    url = f"/api/v1/employees/{e.id}/care-flags"
    r = client.put(
        url, json={"flags": ["ideological"], "note": "家中变故，情绪低落"}, headers=team.sec
    )
    assert r.status_code == 200, r.json
    assert r.json["flags"] == ["ideological"] and len(r.json["history"]) == 1
    r = client.put(
        url, json={"flags": ["hardship", "ideological"], "note": "子女上学困难"}, headers=team.sec
    )
    assert r.json["flags"] == ["ideological", "hardship"] and len(r.json["history"]) == 2
    # A retried PUT adds no history.
    r = client.put(
        url, json={"flags": ["hardship", "ideological"], "note": "子女上学困难"}, headers=team.sec
    )
    assert len(r.json["history"]) == 2
    mine = client.get("/api/v1/pairings/mine", headers=team.h(member)).json
    assert mine["employees"][0]["flags"] == ["ideological", "hardship"]
    people = client.get(f"/api/v1/branches/{team.branch.id}/people", headers=team.sec).json
    flags = {p["id"]: p["care_flags"] for p in people}
    assert flags[e.id] == ["ideological", "hardship"] and flags[team.employees[1].id] == []
    r = client.put(url, json={"flags": [], "note": "已好转"}, headers=team.sec)
    assert r.json["flags"] == [] and [h["flags"] for h in r.json["history"]][:2] == [
        [],
        ["ideological", "hardship"],
    ]
    # Committee reads; other secretaries and members cannot.
    committee = world.committee()
    assert client.get(url, headers=world.headers(committee)).status_code == 200
    assert client.get(url, headers=new_team().sec).status_code == 404
    assert client.put(url, json={"flags": []}, headers=team.h(member)).status_code == 403
    r = client.put(url, json={"flags": ["rich"]}, headers=team.sec)
    assert r.status_code == 422
    r = client.put(url, json={"flags": [], "note": "a\x00b"}, headers=team.sec)
    assert r.status_code == 422


def test_branch_people_reads_flags_in_one_query(app, client, world, new_team):
    team = new_team(members=0, employees=30)
    for e in team.employees[:10]:
        client.put(
            f"/api/v1/employees/{e.id}/care-flags", json={"flags": ["hardship"]}, headers=team.sec
        )
    statements: list[str] = []

    def count(conn, cursor, statement, *args):
        statements.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        r = client.get(f"/api/v1/branches/{team.branch.id}/people?page_size=100", headers=team.sec)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert r.status_code == 200 and sum(p["care_flags"] == ["hardship"] for p in r.json) == 10
    assert sum("care_flags" in s for s in statements) == 1


def test_concurrent_care_flag_saves_keep_one_current_row(app, world, new_team):
    team = new_team(members=0, employees=1)
    e = team.employees[0]
    options = [["ideological"], ["hardship"], ["ideological", "hardship"], []]
    sec = team.sec

    def go(i: int) -> int:
        return (
            app.test_client()
            .put(
                f"/api/v1/employees/{e.id}/care-flags",
                json={"flags": options[i % 4], "note": f"第{i}次"},
                headers=sec,
            )
            .status_code
        )

    assert set(fire_at_once(12, go)) == {200}
    with app.app_context():
        n = db.session.scalar(
            db.select(db.func.count())
            .select_from(CareFlagChange)
            .where(CareFlagChange.person_id == e.id)
        )
        assert n == 12
