"""Helpers of the assessment tests (no tests here): a mine with a committee, two offices and
their scoring staff, three 区队 with leaders, a template and an open month — all made through
the API but the offices' rows."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from models import Deduction, OfficeSubmission, Unit, db
from tests.support.concurrency import fire_at_once

API = "/api/v1"


def office(app, mine_id: int, name: str) -> int:
    with app.app_context():
        unit = Unit(mine_id=mine_id, name=name, kind="office")
        db.session.add(unit)
        db.session.commit()
        return unit.id


class Scene:
    """c1, c2 committee; offices safety and party (scorers s1, s2 of safety, p1 of party);
    teams[0..2] with leaders[0..2] and a worker of team 0; `template` (safety 50 + veto,
    party 50); `month` opened on it (when open=True)."""

    def __init__(self, world, client, *, open_month: bool = True, month: str = "2026-11"):
        self.world, self.client, self.app = world, client, client.application
        self.c1 = world.committee()
        self.c2 = world.committee()
        mine_id = self.c1.mine_id
        self._h: dict[int, dict[str, str]] = {}
        self.safety = office(self.app, mine_id, "安全科")
        self.party = office(self.app, mine_id, "党委工作部")
        self.branches = [world.branch() for _ in range(3)]
        self.teams: list[int] = []
        self.leaders = []
        for b in self.branches:
            with self.app.app_context():
                unit_id = db.session.scalar(db.select(Unit.id).where(Unit.branch_id == b.id))
            self.ok(self.post(f"/admin/assessments/units/{unit_id}/kind", {"kind": "team"}))
            self.teams.append(unit_id)
            leader = world.person(b)
            self.duty(unit_id, leader, "leader")
            self.leaders.append(leader)
        self.worker = world.person(self.branches[0])
        self.s1, self.s2, self.p1 = (world.person(self.branches[2]) for _ in range(3))
        self.duty(self.safety, self.s1, "scorer")
        self.duty(self.safety, self.s2, "scorer")
        self.duty(self.party, self.p1, "scorer")
        r = self.post("/admin/assessments/templates", self.template_body())
        self.ok(r, 201)
        self.template = r.json
        self.items = {i["title"]: i["id"] for i in r.json["items"]}
        self.month_id: int | None = None
        if open_month:
            r = self.post(
                "/admin/assessments/months", {"month": month, "template_id": r.json["id"]}
            )
            self.ok(r, 201)
            self.month_id = r.json["id"]

    def template_body(self, name: str = "六好区队考核表") -> dict[str, Any]:
        return {
            "name": name,
            "items": [
                self.item("安全管理好", "隐患治理", 20, self.safety),
                self.item("安全管理好", "三违管控", 20, self.safety),
                self.item("安全管理好", "安全培训", 10, self.safety),
                self.item("班子建设好", "支部活动", 30, self.party),
                self.item("队伍建设好", "文明和谐", 20, self.party),
                self.item("一票否决", "安全事故", 0, self.safety, veto=True),
            ],
        }

    @staticmethod
    def item(group: str, title: str, points: int, office_id: int, veto: bool = False):
        return {
            "group": group,
            "title": title,
            "rule": f"{title}：每处扣分",
            "max_points": points,
            "office_id": office_id,
            "veto": veto,
        }

    def h(self, person=None) -> dict[str, str]:
        person = person or self.c1
        if person.id not in self._h:
            self._h[person.id] = self.world.headers(person)
        return self._h[person.id]

    def post(self, path: str, body: Any = None, who=None):
        return self.client.post(API + path, json=body, headers=self.h(who))

    def get(self, path: str, who=None):
        return self.client.get(API + path, headers=self.h(who))

    @staticmethod
    def ok(r, status: int = 200) -> None:
        assert r.status_code == status, (r.status_code, r.json)

    def duty(self, unit_id: int, person, duty: str) -> None:
        r = self.post(
            f"/admin/assessments/units/{unit_id}/duties",
            {"employee_no": person.employee_no, "duty": duty},
        )
        self.ok(r, 201)

    def score(self, title: str, team: int, points: int, who=None, **kw: Any):
        body = {"item_id": self.items[title], "team_id": team, "points": points, **kw}
        if points and "reason" not in body:
            body["reason"] = f"{title}扣{points}分"
        return self.post(f"/assessments/months/{self.month_id}/scores", body, who or self.s1)

    def submit(self, office_id: int, who) -> None:
        r = self.post(
            f"/assessments/months/{self.month_id}/submissions", {"office_id": office_id}, who
        )
        self.ok(r, 201)

    def age_submissions(self, days: int = 4) -> None:
        """Move every submission of the month `days` back: the objection windows close."""
        with self.app.app_context():
            for s in db.session.scalars(
                db.select(OfficeSubmission).where(OfficeSubmission.month_id == self.month_id)
            ):
                s.submitted_at = s.submitted_at - timedelta(days=days)
            db.session.commit()


def locked_month(s: Scene, month: str, scores: list[tuple[str, int, int]], **kw: Any) -> int:
    """Open `month`, record (item title, team index, points) — a veto item takes vetoed —,
    submit both offices, close the windows and lock; the month's id."""
    r = s.post("/admin/assessments/months", {"month": month, "template_id": s.template["id"]})
    s.ok(r, 201)
    s.month_id = r.json["id"]
    for title, team, points in scores:
        who = s.p1 if title in ("支部活动", "文明和谐") else s.s1
        if title == "安全事故":
            s.ok(s.score(title, s.teams[team], 0, who=who, vetoed=True, reason="事故"))
        else:
            s.ok(s.score(title, s.teams[team], points, who=who))
    s.submit(s.safety, s.s1)
    s.submit(s.party, s.p1)
    s.age_submissions()
    s.ok(s.post(f"/admin/assessments/months/{s.month_id}/lock"))
    return s.month_id


def group_and_leader(s: Scene, team_index: int = 0, name: str = "综采一班") -> tuple[int, Any]:
    """A 班组 under a team of the scene, with a party member as its 班组长: (its id, the
    leader)."""
    with s.app.app_context():
        team = db.session.get(Unit, s.teams[team_index])
        unit = Unit(mine_id=team.mine_id, name=name, kind="other")
        db.session.add(unit)
        db.session.commit()
        group_id = unit.id
    body = {"kind": "group", "parent_id": s.teams[team_index]}
    s.ok(s.post(f"/admin/assessments/units/{group_id}/kind", body))
    leader = s.world.member(s.branches[team_index])
    s.duty(group_id, leader, "leader")
    return group_id, leader


def group_with_leader(s: Scene, team_index: int, name: str) -> int:
    """A 班组 under a team of the scene, with a party member as its 班组长; its id."""
    return group_and_leader(s, team_index, name)[0]


def text_field_scenarios(world, client) -> dict[tuple[str, str], tuple[dict, str, dict]]:
    """(headers, concrete path, valid base body) for each assessment operation with a text
    field, for tests/api/test_text_fields_property.py (arbitrary text never gets a 5xx)."""
    s = Scene(world, client, month="2031-11")
    t0, t1, t2 = s.teams
    open_id = s.month_id
    s.ok(s.score("隐患治理", t0, 2))
    s.ok(s.score("三违管控", t1, 2))
    s.submit(s.safety, s.s1)
    sheet = s.get(f"/assessments/months/{open_id}/teams/{t0}").json
    d0 = sheet["items"][0]["deduction"]["id"]
    sheet = s.get(f"/assessments/months/{open_id}/teams/{t1}").json
    d1 = sheet["items"][1]["deduction"]["id"]
    r = s.post(f"/assessments/deductions/{d1}/objection", {"text": "已整改"}, s.leaders[1])
    s.ok(r, 201)
    objection = r.json["id"]
    s.ok(s.post("/admin/assessments/patronages", {"office_id": s.safety, "team_id": t0}), 201)
    locked = locked_month(s, "2031-10", [("隐患治理", 0, 5)])
    r = s.post(
        f"/admin/assessments/months/{locked}/adjustments",
        {"team_id": t0, "delta": 1, "reason": "复核"},
    )
    s.ok(r, 201)
    adjustment = r.json["id"]
    group = group_with_leader(s, 0, "文本班组")
    r = s.post(
        "/assessments/leader-nominations",
        {"quarter": "2031-Q2", "group_id": group, "citation": "表彰"},
        s.leaders[0],
    )
    s.ok(r, 201)
    nomination = r.json["id"]
    api = "/api/v1"
    return {
        ("POST", f"{api}/admin/assessments/adjustments/{{adjustment_id}}/decide"): (
            s.h(s.c2),
            f"{api}/admin/assessments/adjustments/{adjustment}/decide",
            {"approve": True, "reason": "同意"},
        ),
        ("POST", f"{api}/admin/assessments/awards"): (
            s.h(),
            f"{api}/admin/assessments/awards",
            {"quarter": "2031-Q4", "team_id": t0, "citation": "表彰"},
        ),
        ("POST", f"{api}/admin/assessments/months"): (
            s.h(),
            f"{api}/admin/assessments/months",
            {"month": "2031-12", "template_id": s.template["id"]},
        ),
        ("POST", f"{api}/admin/assessments/months/{{month_id}}/adjustments"): (
            s.h(),
            f"{api}/admin/assessments/months/{locked}/adjustments",
            {"team_id": t0, "delta": -1, "reason": "x"},
        ),
        ("POST", f"{api}/admin/assessments/templates"): (
            s.h(),
            f"{api}/admin/assessments/templates",
            s.template_body("文本表"),
        ),
        ("POST", f"{api}/admin/assessments/units/{{unit_id}}/duties"): (
            s.h(),
            f"{api}/admin/assessments/units/{s.safety}/duties",
            {"employee_no": s.worker.employee_no, "duty": "scorer"},
        ),
        ("POST", f"{api}/assessments/deductions/{{deduction_id}}/objection"): (
            s.h(s.leaders[0]),
            f"{api}/assessments/deductions/{d0}/objection",
            {"text": "x"},
        ),
        ("POST", f"{api}/assessments/months/{{month_id}}/scores"): (
            s.h(s.p1),
            f"{api}/assessments/months/{open_id}/scores",
            {"item_id": s.items["支部活动"], "team_id": t2, "points": 1, "reason": "x"},
        ),
        ("POST", f"{api}/assessments/objections/{{objection_id}}/answer"): (
            s.h(s.s2),
            f"{api}/assessments/objections/{objection}/answer",
            {"answer": "x"},
        ),
        ("POST", f"{api}/assessments/visits"): (
            s.h(s.s1),
            f"{api}/assessments/visits",
            {"office_id": s.safety, "team_id": t0, "visited_on": "2026-11-05", "visitors": "x"},
        ),
        ("POST", f"{api}/assessments/leader-nominations"): (
            s.h(s.leaders[0]),
            f"{api}/assessments/leader-nominations",
            {"quarter": "2031-Q3", "group_id": group, "citation": "x"},
        ),
        ("POST", f"{api}/admin/assessments/leader-nominations/{{nomination_id}}/decide"): (
            s.h(s.c2),
            f"{api}/admin/assessments/leader-nominations/{nomination}/decide",
            {"approve": True, "reason": "x"},
        ),
    }


def score_at_once(app, month_id: int, item_id: int, unit_id: int, headers: list) -> None:
    """Two scorers record the same item for the same unit at the same instant (3 and 4 points):
    one wins (200), the other is told 409, and the one row holds the winner's points."""

    def put(i: int) -> int:
        r = app.test_client().post(
            f"{API}/assessments/months/{month_id}/scores",
            json={"item_id": item_id, "team_id": unit_id, "points": 3 + i, "reason": f"第{i}人"},
            headers=headers[i],
        )
        return r.status_code

    codes = fire_at_once(2, put)
    assert sorted(codes) == [200, 409], codes
    with app.app_context():
        rows = db.session.scalars(
            db.select(Deduction).where(Deduction.month_id == month_id, Deduction.team_id == unit_id)
        ).all()
    assert len(rows) == 1 and rows[0].points == 3 + codes.index(200)


class Groups:
    """On a scene: 班组 g1, g2 under 区队 0 and g3 under 区队 1 (leaders are party members), a
    group template (safety 50 + veto, the group's own 区队 50) and, with `month`, a group
    month opened on it."""

    def __init__(self, s: Scene, month: str | None = "2026-11"):
        self.s = s
        self.g1 = group_with_leader(s, 0, "综采一班")
        self.g2 = group_with_leader(s, 0, "综采二班")
        self.g3 = group_with_leader(s, 1, "掘进一班")
        self.leader = {g: self._leader(g) for g in (self.g1, self.g2, self.g3)}
        body = {
            "name": "六型班组考核表",
            "kind": "group",
            "items": [
                s.item("安全型", "班前会", 30, s.safety),
                s.item("清洁型", "现场文明", 20, s.safety),
                s.item("效益型", "任务完成", 30, None),
                s.item("学习型", "班组学习", 20, None),
                s.item("一票否决", "班组事故", 0, s.safety, veto=True),
            ],
        }
        r = s.post("/admin/assessments/templates", body)
        s.ok(r, 201)
        self.template = r.json
        self.items = {i["title"]: i["id"] for i in r.json["items"]}
        self.month_id: int | None = None
        if month:
            self.month_id = self.open(month)

    def _leader(self, group_id: int):
        from models import Person, UnitDuty

        with self.s.app.app_context():
            person_id = db.session.scalar(
                db.select(UnitDuty.person_id).where(
                    UnitDuty.unit_id == group_id, UnitDuty.duty == "leader"
                )
            )
            person = db.session.get(Person, person_id)
            db.session.expunge(person)
            return person

    def open(self, month: str) -> int:
        body = {"month": month, "template_id": self.template["id"], "kind": "group"}
        r = self.s.post("/admin/assessments/months", body)
        self.s.ok(r, 201)
        self.month_id = r.json["id"]
        return self.month_id

    def score(self, title: str, group: int, points: int, who, **kw):
        body = {"item_id": self.items[title], "team_id": group, "points": points, **kw}
        if points and "reason" not in body:
            body["reason"] = f"{title}扣{points}分"
        return self.s.post(f"/assessments/months/{self.month_id}/scores", body, who)

    def submit(self, unit_id: int, who):
        body = {"office_id": unit_id}
        return self.s.post(f"/assessments/months/{self.month_id}/submissions", body, who)

    def age(self, days: int = 4) -> None:
        with self.s.app.app_context():
            for row in db.session.scalars(
                db.select(OfficeSubmission).where(OfficeSubmission.month_id == self.month_id)
            ):
                row.submitted_at = row.submitted_at - timedelta(days=days)
            db.session.commit()

    def locked(self, month: str, scores: list[tuple[str, int, int]]) -> int:
        """Open, score (title, group id, points), submit all three scorers, lock."""
        s = self.s
        self.open(month)
        team_of = {self.g1: 0, self.g2: 0, self.g3: 1}
        for title, group, points in scores:
            if title in ("任务完成", "班组学习"):
                who = s.leaders[team_of[group]]
            else:
                who = s.s1
            s.ok(self.score(title, group, points, who))
        s.ok(self.submit(s.safety, s.s1), 201)
        s.ok(self.submit(s.teams[0], s.leaders[0]), 201)
        s.ok(self.submit(s.teams[1], s.leaders[1]), 201)
        self.age()
        s.ok(s.post(f"/admin/assessments/months/{self.month_id}/lock"))
        return self.month_id
