"""三会一课: scheduling, the rotating code, sign-in, marks, leave, the close that scores
attendance under the rulebook, attendance rates and each branch's required meetings."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from clock import SHANGHAI
from meetings import codes
from models import Meeting, PointsEntry, PointsRule, db, utcnow
from points import rulebook


def entries(app, person_id):
    with app.app_context():
        return [
            (e.kind, e.delta, e.rule_code, e.ref)
            for e in db.session.scalars(
                db.select(PointsEntry)
                .where(PointsEntry.person_id == person_id)
                .order_by(PointsEntry.id)
            )
        ]


def test_a_meeting_requires_the_branch_party_members(
    client, world, new_meeting, new_team, schedule_meeting
):
    team = new_team(members=2, employees=2)
    m = new_meeting(team)
    assert m["counts"]["expected"] == 3  # the secretary and two members, not the employees
    assert {a["person_id"] for a in m["attendance"]} == {team.secretary.id} | {
        p.id for p in team.members
    }
    other = new_team(members=1)
    r = schedule_meeting(other, branch_id=team.branch.id)
    assert r.status_code == 403 and r.json["reason"] == "not_meeting_manager"
    r = schedule_meeting(team, kind="party")
    assert r.status_code == 422
    r = schedule_meeting(team, hours=-1)
    assert r.status_code == 422 and r.json["reason"] == "invalid_meeting"
    # a member sees the meeting with their own line only; a stranger does not see it
    mine = client.get(f"/api/v1/meetings/{m['id']}", headers=team.h(team.members[0])).json
    assert mine["mine"]["status"] == "expected" and mine["attendance"] == []
    r = client.get(f"/api/v1/meetings/{m['id']}", headers=other.h(other.members[0]))
    assert r.status_code == 404
    listed = client.get("/api/v1/meetings/mine", headers=team.h(team.members[0])).json
    assert [row["id"] for row in listed] == [m["id"]] and listed[0]["my_status"] == "expected"


def test_sign_in_with_the_rotating_code(
    app, client, world, meeting_code, new_meeting, new_team, sign_in_meeting
):
    team = new_team(members=2)
    a, b = team.members
    m = new_meeting(team)
    value = meeting_code(team, m["id"])
    r = sign_in_meeting(team.h(a), m["id"], value)
    assert r.status_code == 200 and r.json["status"] == "present" and r.json["already"] is False
    r = sign_in_meeting(team.h(a), m["id"], value)
    assert r.status_code == 200 and r.json["already"] is True
    with app.app_context():
        meeting = db.session.get(Meeting, m["id"])
        step = codes.step_of(utcnow())
        old = codes.code_at(meeting, step - 4)  # two minutes old: a photo sent to a friend
        previous = codes.code_at(meeting, step - 1)
    wrong = "000000" if value != "000000" else "111111"
    assert sign_in_meeting(team.h(b), m["id"], old).json["reason"] == "code_expired"
    r = sign_in_meeting(team.h(b), m["id"], wrong)
    assert r.status_code == 422 and r.json["reason"] in ("invalid_code", "code_expired")
    r = sign_in_meeting(team.h(b), m["id"], previous)  # the step that just turned still counts
    assert r.status_code == 200, r.json
    r = sign_in_meeting(team.h(b), m["id"], "12ab")
    assert r.status_code == 422
    outsider = new_team(members=1)
    r = sign_in_meeting(outsider.h(outsider.members[0]), m["id"], value)
    assert r.status_code == 403 and r.json["reason"] == "not_an_attendee"


def test_no_sign_in_to_a_meeting_that_is_over_or_not_started(
    app, client, world, meeting_code, new_meeting, new_team, shift_meeting, sign_in_meeting
):
    team = new_team(members=1)
    member = team.members[0]
    m = new_meeting(team)
    value = meeting_code(team, m["id"])
    shift_meeting(m["id"], timedelta(hours=-3))
    r = sign_in_meeting(team.h(member), m["id"], value)
    assert r.status_code == 409 and r.json["reason"] == "meeting_over"
    later = new_meeting(team, starts_in=timedelta(hours=5))
    value = meeting_code(team, later["id"])
    r = sign_in_meeting(team.h(member), later["id"], value)
    assert r.status_code == 409 and r.json["reason"] == "meeting_not_started"
    client.post(f"/api/v1/meetings/{later['id']}/cancel", headers=team.sec)
    r = sign_in_meeting(team.h(member), later["id"], value)
    assert r.status_code == 409 and r.json["reason"] == "meeting_over"


def test_the_secretary_marks_a_phoneless_member_but_never_themselves(
    client, world, new_meeting, new_team
):
    team = new_team(members=1)
    member = team.members[0]
    m = new_meeting(team)
    url = f"/api/v1/meetings/{m['id']}/attendance/{{}}/present"
    r = client.post(url.format(member.id), json={"note": "无智能手机"}, headers=team.sec)
    assert r.status_code == 200 and (r.json["status"], r.json["method"]) == ("present", "marked")
    r = client.post(url.format(team.secretary.id), json={"note": "主持会议"}, headers=team.sec)
    assert r.status_code == 403 and r.json["reason"] == "own_attendance"
    r = client.post(url.format(member.id), json={"note": "  "}, headers=team.sec)
    assert r.status_code == 422
    r = client.post(url.format(member.id), json={"note": "无"}, headers=team.h(member))
    assert r.status_code == 403


def test_leave_is_asked_before_the_meeting_and_approved_by_another(
    client, world, new_meeting, new_team
):
    team = new_team(members=2)
    a, b = team.members
    m = new_meeting(team, starts_in=timedelta(days=1))
    leave = f"/api/v1/meetings/{m['id']}/leave"
    r = client.post(leave, json={"reason": "下井值班"}, headers=team.h(a))
    assert r.status_code == 200 and r.json["status"] == "leave_pending"
    r = client.post(f"{leave}/{a.id}/decide", json={"approve": True}, headers=team.h(b))
    assert r.status_code == 403  # a member cannot approve
    r = client.post(f"{leave}/{a.id}/decide", json={"approve": True}, headers=team.sec)
    assert r.status_code == 200 and r.json["status"] == "leave"
    r = client.post(f"{leave}/{a.id}/decide", json={"approve": True}, headers=team.sec)
    assert r.status_code == 409 and r.json["reason"] == "leave_not_pending"
    r = client.post(leave, json={"reason": "外出培训"}, headers=team.sec)
    assert r.status_code == 200
    r = client.post(f"{leave}/{team.secretary.id}/decide", json={"approve": True}, headers=team.sec)
    assert r.status_code == 403 and r.json["reason"] == "own_leave"
    started = new_meeting(team)
    r = client.post(
        f"/api/v1/meetings/{started['id']}/leave", json={"reason": "迟到"}, headers=team.h(b)
    )
    assert r.status_code == 409 and r.json["reason"] == "leave_too_late"


def test_closing_scores_attendance_and_absence_without_leave(
    app, client, world, meeting_code, new_meeting, new_team, shift_meeting, sign_in_meeting
):
    team = new_team(members=3)
    here, away, absent = team.members
    m = new_meeting(team, starts_in=timedelta(minutes=20))
    r = client.post(
        f"/api/v1/meetings/{m['id']}/leave", json={"reason": "探亲"}, headers=team.h(away)
    )
    client.post(
        f"/api/v1/meetings/{m['id']}/leave/{away.id}/decide",
        json={"approve": True},
        headers=team.sec,
    )
    r = client.post(f"/api/v1/meetings/{m['id']}/close", headers=team.sec)
    assert r.status_code == 409 and r.json["reason"] == "meeting_not_started"
    shift_meeting(m["id"], timedelta(minutes=-30))
    assert sign_in_meeting(team.h(here), m["id"], meeting_code(team, m["id"])).status_code == 200
    r = client.post(f"/api/v1/meetings/{m['id']}/close", headers=team.sec)
    assert r.status_code == 200, r.json
    assert (r.json["counts"]["present"], r.json["counts"]["leave"], r.json["counts"]["absent"]) == (
        1,
        1,
        2,
    )
    ref = f"meeting:{m['id']}"
    assert entries(app, here.id) == [("meeting_attended", 2, "MEET", ref)]
    assert entries(app, away.id) == []
    assert entries(app, absent.id) == [("meeting_absent", -3, "ABSENT", ref)]
    r = client.post(f"/api/v1/meetings/{m['id']}/close", headers=team.sec)
    assert r.status_code == 409 and r.json["reason"] == "meeting_closed"
    assert entries(app, here.id) == [("meeting_attended", 2, "MEET", ref)]
    explained = client.get("/api/v1/points/mine?period=all", headers=team.h(absent)).json
    assert explained["entries"][0]["rule_name"] == "无故缺席三会一课、主题党日"


def _at(day: date, hour: int = 9) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=SHANGHAI).astimezone(UTC)


def test_a_quarter_of_meetings_under_a_rule_changed_mid_quarter(
    app, client, world, new_meeting, new_team
):
    """Done-when of issue 26: a quarter of meetings with sign-ins, leave and absence produces
    the right ledger entries; the rule changed mid-quarter applies only after its day."""
    team = new_team(members=2)
    a, b = team.members
    year = utcnow().astimezone(SHANGHAI).year - 1
    quarter = [date(year, 4, 10), date(year, 5, 12), date(year, 6, 9)]
    with app.app_context():
        rulebook.ensure_default(team.branch.mine_id)
        meet = rulebook.version_at(team.branch.mine_id, "MEET", date(year, 1, 1))
        # the committee raised attendance to 3 points from 1 May (written then, so in the past now)
        db.session.add(
            PointsRule(
                mine_id=meet.mine_id,
                code="MEET",
                name=meet.name,
                points=3,
                source=meet.source,
                cap=meet.cap,
                cap_period=meet.cap_period,
                evidence_required=False,
                second_approver=True,
                active=True,
                effective_from=date(year, 5, 1),
            )
        )
        db.session.commit()
    ids = []
    for day in quarter:
        m = new_meeting(team, starts_in=_at(day) - utcnow(), kind="theme_day")
        ids.append(m["id"])
        url = f"/api/v1/meetings/{m['id']}/attendance/{{}}/present"
        assert (
            client.post(url.format(a.id), json={"note": "补录签到表"}, headers=team.sec).status_code
            == 200
        )
        if day.month == 5:
            client.post(url.format(b.id), json={"note": "补录签到表"}, headers=team.sec)
        assert client.post(f"/api/v1/meetings/{m['id']}/close", headers=team.sec).status_code == 200
    assert [d for _, d, _, _ in entries(app, a.id)] == [2, 3, 3]
    assert [d for _, d, _, _ in entries(app, b.id)] == [-3, 3, -3]
    r = client.get(f"/api/v1/points/mine?period={year}-Q2", headers=team.h(a))
    assert r.json["total"] == 8
    report = client.get(
        f"/api/v1/admin/meetings/attendance?period={year}-Q2", headers=team.sec
    ).json
    rates = {row["person_id"]: row["rate"] for row in report["members"]}
    assert rates[a.id] == 1.0 and rates[b.id] == round(1 / 3, 4)
    committee = world.headers(world.committee(world.default_mine()))
    held = client.get(f"/api/v1/admin/meetings/compliance?period={year}-Q2", headers=committee).json
    row = next(r for r in held if r["branch_id"] == team.branch.id)
    kinds = {k["kind"]: k for k in row["kinds"]}
    assert kinds["theme_day"] == {"kind": "theme_day", "held": 3, "required": 3, "ok": True}
    assert kinds["general"]["ok"] is False and row["ok"] is False
    r = client.put(
        "/api/v1/admin/rulebook/settings",
        json={
            "meeting_requirements": {
                k: {"count": 0, "per": "quarter"} for k in kinds if k != "theme_day"
            }
        },
        headers=committee,
    )
    assert r.status_code == 200, r.json
    held = client.get(f"/api/v1/admin/meetings/compliance?period={year}-Q2", headers=committee).json
    assert next(r for r in held if r["branch_id"] == team.branch.id)["ok"] is True


def test_minutes_and_photos(client, world, new_meeting, new_team, upload_photo):

    team = new_team(members=1)
    m = new_meeting(team)
    photo = upload_photo(team.sec)
    r = client.put(
        f"/api/v1/meetings/{m['id']}/minutes",
        json={"minutes": "一、传达学习……\n二、讨论……", "photo_ids": [photo]},
        headers=team.sec,
    )
    assert r.status_code == 200, r.json
    assert r.json["minutes"].startswith("一、") and [p["id"] for p in r.json["photos"]] == [photo]
    r = client.put(
        f"/api/v1/meetings/{m['id']}/minutes", json={"photo_ids": [photo]}, headers=team.sec
    )
    assert r.status_code == 422  # a photo is attached once


def test_the_six_roles_results_read_the_rulebook_totals(app, client, world, new_meeting, new_team):
    """The 六大员 results' points half is the ledger total, meetings and pledges included."""
    from types import SimpleNamespace

    from votes.results import points_of

    team = new_team(members=1)
    member = team.members[0]
    m = new_meeting(team)
    url = f"/api/v1/meetings/{m['id']}/attendance/{member.id}/present"
    assert client.post(url, json={"note": "无智能手机"}, headers=team.sec).status_code == 200
    assert client.post(f"/api/v1/meetings/{m['id']}/close", headers=team.sec).status_code == 200
    with app.app_context():
        campaign = SimpleNamespace(points_source="ledger", points_since=None, points_until=None)
        candidate = SimpleNamespace(id=7, person_id=member.id)
        assert points_of(campaign, [candidate], utcnow() + timedelta(days=1)) == {7: 2.0}


def test_wrong_sign_in_codes_are_capped_per_account(
    app, client, world, meeting_code, new_meeting, new_team, sign_in_meeting
):
    """Reproduction: 40 wrong codes in a row were all answered 422, so a member could try the
    million six-digit codes until one of the room's two live codes matched. Now the 11th wrong
    code in ten minutes is 429 (right codes do not count), even for the real code."""
    team = new_team(members=2)
    a, b = team.members
    m = new_meeting(team)
    value = meeting_code(team, m["id"])
    wrong = [f"{n:06d}" for n in range(40) if f"{n:06d}" != value]
    answers = [sign_in_meeting(team.h(a), m["id"], w).status_code for w in wrong[:12]]
    assert answers[:10] == [422] * 10 and answers[10:] == [429, 429], answers
    r = sign_in_meeting(team.h(a), m["id"], value)
    assert r.status_code == 429 and r.json["reason"] == "rate_limited"
    assert "Retry-After" in r.headers
    # another member is not held back, and right codes never count
    for _ in range(12):
        assert sign_in_meeting(team.h(b), m["id"], value).status_code == 200
