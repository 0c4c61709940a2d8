"""传帮带: a pair from start to final assessment, outside the 3/5 limit, one mentor per
apprentice (also at the same instant), refusals, the points through the ledger, the ledger."""

from __future__ import annotations

from datetime import date, timedelta
from io import BytesIO

from openpyxl import load_workbook

from models import Mentorship, Notification, PointsEntry, db, utcnow
from pairings.mentoring import add_months
from pairings.months import local
from tests.support.concurrency import fire_at_once

URL = "/api/v1/mentorships"


def body(mentor, apprentice, **kw):
    out = {
        "mentor_id": mentor.id,
        "apprentice_id": apprentice.id,
        "skill_goals": "掌握采煤机操作与日常检修",
        "safety_goals": "熟记《煤矿安全规程》采煤部分，杜绝三违",
    }
    out.update(kw)
    return out


def today() -> date:
    return local(utcnow()).date()


def test_a_pair_from_start_to_final_assessment(app, client, world, new_pairing, new_team):
    team = new_team(members=1, employees=4)
    mentor = team.members[0]
    apprentice = team.employees[3]
    # The mentor already looks after three employees (一带三): mentoring is outside that limit.
    for e in team.employees[:3]:
        new_pairing(team, mentor, e)
    r = client.post(URL, json=body(mentor, apprentice), headers=team.sec)
    assert r.status_code == 201, r.json
    m = r.json
    assert m["status"] == "active" and m["mentor"]["id"] == mentor.id
    assert m["ends_on"] == add_months(today(), 6).isoformat()
    # The mentor logs a monthly session; the apprentice cannot.
    session = {"held_on": today().isoformat(), "taught": "采煤机截割部检查", "practice": "现场实操"}
    r = client.post(f"{URL}/{m['id']}/sessions", json=session, headers=team.h(mentor))
    assert r.status_code == 201, r.json
    r = client.post(f"{URL}/{m['id']}/sessions", json=session, headers=team.sec)
    assert r.status_code in (403, 404)
    future = dict(session, held_on=(today() + timedelta(days=3)).isoformat())
    r = client.post(f"{URL}/{m['id']}/sessions", json=future, headers=team.h(mentor))
    assert r.status_code == 422 and r.json["reason"] == "invalid_session_date"
    # A final before the mid-term is refused; the mid-term extends; the final passes.
    final = {"stage": "final", "result": "passed", "comment": "考核合格"}
    r = client.post(f"{URL}/{m['id']}/assessments", json=final, headers=team.sec)
    assert r.status_code == 409 and r.json["reason"] == "assessment_not_allowed"
    mid = {"stage": "midterm", "result": "extended", "comment": "实操不熟练", "extend_months": 2}
    r = client.post(f"{URL}/{m['id']}/assessments", json=mid, headers=team.sec)
    assert r.status_code == 201 and r.json["extended_to"] == add_months(today(), 8).isoformat()
    r = client.post(f"{URL}/{m['id']}/assessments", json=mid, headers=team.sec)
    assert r.status_code == 409
    r = client.post(f"{URL}/{m['id']}/assessments", json=final, headers=team.h(mentor))
    assert r.status_code == 403  # the 区队 assesses, not the mentor
    r = client.post(f"{URL}/{m['id']}/assessments", json=final, headers=team.sec)
    assert r.status_code == 201
    detail = client.get(f"{URL}/{m['id']}", headers=team.h(apprentice)).json
    assert detail["status"] == "passed" and len(detail["assessments"]) == 2
    assert detail["months_logged"] == [today().strftime("%Y-%m")]
    with app.app_context():
        points = db.session.scalars(
            db.select(PointsEntry).where(
                PointsEntry.person_id == mentor.id, PointsEntry.kind == "apprenticeship_passed"
            )
        ).all()
        assert [p.delta for p in points] == [app.config["POINTS_APPRENTICESHIP"]]
        told = db.session.scalars(
            db.select(Notification.person_id).where(Notification.kind == "apprenticeship_assessed")
        ).all()
        assert set(told) == {mentor.id, apprentice.id}
    # Closed: no more sessions or assessments; the apprentice may get a new mentor.
    r = client.post(f"{URL}/{m['id']}/sessions", json=session, headers=team.h(mentor))
    assert r.status_code == 409 and r.json["reason"] == "mentorship_closed"
    assert client.post(URL, json=body(mentor, apprentice), headers=team.sec).status_code == 201
    # The ledger export.
    r = client.get(f"/api/v1/branches/{team.branch.id}/mentorships/export.xlsx", headers=team.sec)
    assert r.status_code == 200
    wb = load_workbook(BytesIO(r.data))
    statuses = [row[11] for row in wb["传帮带结对"].iter_rows(min_row=2, values_only=True)]
    assert statuses == ["已出师", "带徒中"]
    assert len(list(wb["考核"].iter_rows(min_row=2))) == 2
    mine = client.get(f"{URL}/mine", headers=team.h(mentor)).json
    assert [x["status"] for x in mine] == ["active", "passed"]


def test_refusals_have_their_reasons(app, client, world, new_team):
    team = new_team(members=2, employees=2)
    a, b = team.members
    r = client.post(URL, json=body(a, a), headers=team.sec)
    assert r.status_code == 422 and r.json["reason"] == "self_mentorship"
    other_mine = world.mine()
    stranger = world.person(world.branch(other_mine))
    r = client.post(URL, json=body(a, stranger), headers=team.sec)
    assert r.status_code == 404 and r.json["reason"] == "person_not_found"
    r = client.post(URL, json=body(team.employees[0], team.employees[1]), headers=team.sec)
    assert r.status_code == 422 and r.json["reason"] == "not_a_member"
    assert client.post(URL, json=body(a, team.employees[0]), headers=team.sec).status_code == 201
    r = client.post(URL, json=body(b, team.employees[0]), headers=team.sec)
    assert r.status_code == 409 and r.json["reason"] == "apprentice_has_mentor"
    assert client.post(URL, json=body(a, team.employees[1]), headers=team.h(a)).status_code == 403


def test_one_mentor_per_apprentice_at_the_same_instant(app, client, world, new_team):
    team = new_team(members=4, employees=1)
    apprentice = team.employees[0]
    headers = team.sec  # signed in before the threads start

    def start(i: int):
        return app.test_client().post(URL, json=body(team.members[i], apprentice), headers=headers)

    results = fire_at_once(4, start)
    codes = sorted(r.status_code for r in results)
    assert codes == [201, 409, 409, 409], [r.json for r in results]
    assert {r.json["reason"] for r in results if r.status_code == 409} == {"apprentice_has_mentor"}
    with app.app_context():
        n = db.session.scalar(
            db.select(db.func.count())
            .select_from(Mentorship)
            .where(Mentorship.apprentice_id == apprentice.id)
        )
    assert n == 1


def test_ending_a_pair_keeps_it(app, client, world, new_team):
    team = new_team(members=1, employees=1)
    m = client.post(URL, json=body(team.members[0], team.employees[0]), headers=team.sec).json
    r = client.post(f"{URL}/{m['id']}/end", json={"note": "徒弟调离本队"}, headers=team.sec)
    assert r.status_code == 200 and r.json["status"] == "ended" and r.json["end_note"]
    again = client.post(f"{URL}/{m['id']}/end", json={"note": "again"}, headers=team.sec)
    assert again.json["end_note"] == "徒弟调离本队"
    listed = client.get(
        f"/api/v1/branches/{team.branch.id}/mentorships?status=all", headers=team.sec
    ).json
    assert [x["status"] for x in listed] == ["ended"]
    assert client.get(f"{URL}/{m['id']}", headers=new_team().sec).status_code == 404
