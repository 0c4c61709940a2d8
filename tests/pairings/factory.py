"""Helpers shared by the pairings and points tests (no tests here)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from models import Pairing, Talk, db, utcnow

LONG_AGO = datetime(2020, 1, 1, tzinfo=UTC)


class Team:
    """A branch with its secretary, party members and employees, and their auth headers."""

    def __init__(self, world, *, members: int = 2, cadres: int = 0, employees: int = 6) -> None:
        self.world = world
        self.branch = world.branch()
        self.secretary = world.secretary(self.branch)
        self.members = [world.member(self.branch) for _ in range(members)]
        self.cadres = [world.member(self.branch, cadre=True) for _ in range(cadres)]
        self.employees = [world.person(self.branch) for _ in range(employees)]
        self._headers: dict[int, dict[str, str]] = {}

    def h(self, person) -> dict[str, str]:
        if person.id not in self._headers:
            self._headers[person.id] = self.world.headers(person)
        return self._headers[person.id]

    @property
    def sec(self) -> dict[str, str]:
        return self.h(self.secretary)


def pair(client, team: Team, member, employee, *, since: datetime | None = LONG_AGO) -> int:
    """Pair over the API (asserting 201) and backdate the start so past talks are covered."""
    r = client.post(
        "/api/v1/pairings",
        json={"member_id": member.id, "employee_id": employee.id},
        headers=team.sec,
    )
    assert r.status_code == 201, r.json
    if since is not None:
        set_cols(client.application, Pairing, r.json["id"], started_at=since)
    return r.json["id"]


def set_cols(app, model, row_id: int, **cols: Any) -> None:
    with app.app_context():
        db.session.execute(db.update(model).where(model.id == row_id).values(**cols))
        db.session.commit()


def talk_body(employee, talked_at: datetime | str | None = None, **kw: Any) -> dict[str, Any]:
    when = talked_at or (utcnow() - timedelta(hours=1))
    body = {
        "employee_id": employee.id,
        "talked_at": when if isinstance(when, str) else when.isoformat(),
        "mode": "talk_room",
        "place": "综采一队谈心室",
        "topics": "家里老人住院，夜班调整",
        "concerns": "希望调整到白班一个月",
        "follow_up": "已向队长反映",
    }
    body.update(kw)
    return body


def log(client, headers, employee, talked_at=None, **kw) -> dict[str, Any]:
    r = client.post("/api/v1/talks", json=talk_body(employee, talked_at, **kw), headers=headers)
    assert r.status_code == 201, r.json
    return r.json


def age_talk(app, talk_id: int, days: float) -> None:
    """Pretend the record was written `days` ago."""
    with app.app_context():
        t = db.session.get(Talk, talk_id)
        t.created_at = utcnow() - timedelta(days=days)
        db.session.commit()


def text_field_scenarios(world, client, team: Team) -> dict[tuple[str, str], tuple]:
    """(headers, path, base body) of the pairings operations with free-text fields, for
    tests/api/test_text_fields_property.py; uses the team's employees 2.. and members 0..1."""
    from datetime import date

    committee = world.headers(world.committee(world.default_mine()))
    mentor = team.members[0]
    apprentices = [world.person(team.branch) for _ in range(3)]
    goals = {"skill_goals": "技能", "safety_goals": "安全"}

    def mentorship(apprentice) -> int:
        r = client.post(
            "/api/v1/mentorships",
            json={"mentor_id": mentor.id, "apprentice_id": apprentice.id, **goals},
            headers=team.sec,
        )
        assert r.status_code == 201, r.json
        return r.json["id"]

    taught, ended = mentorship(apprentices[0]), mentorship(apprentices[1])
    today = date.today().isoformat()
    return {
        ("PUT", "/api/v1/admin/talk-rule"): (
            committee,
            "/api/v1/admin/talk-rule",
            {"basis": "flagged", "required": 1, "note": "x"},
        ),
        ("POST", "/api/v1/care-events"): (
            team.sec,
            "/api/v1/care-events",
            {"employee_id": team.employees[1].id, "kind": "dispute", "occurred_on": today},
        ),
        ("POST", "/api/v1/mentorships"): (
            team.sec,
            "/api/v1/mentorships",
            {"mentor_id": team.members[1].id, "apprentice_id": apprentices[2].id, **goals},
        ),
        ("POST", "/api/v1/mentorships/{mentorship_id}/end"): (
            team.sec,
            f"/api/v1/mentorships/{ended}/end",
            {"note": "x"},
        ),
        ("POST", "/api/v1/mentorships/{mentorship_id}/sessions"): (
            team.h(mentor),
            f"/api/v1/mentorships/{taught}/sessions",
            {"held_on": today, "taught": "x", "practice": "y"},
        ),
        ("POST", "/api/v1/mentorships/{mentorship_id}/assessments"): (
            team.sec,
            f"/api/v1/mentorships/{taught}/assessments",
            {"stage": "midterm", "result": "extended", "comment": "x"},
        ),
    }
