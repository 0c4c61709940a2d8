"""The 25th's 包保 visit reminder: from the 25th (Shanghai), each scorer of an office still due a
visit gets one reminder naming the teams, once per month — a rerun, a later day or runs at the
same instant send nothing twice; visited offices and leavers get none."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from assessments.reminders import send_visit_reminders
from models import Notification, Person, Unit, VisitReminder, db
from tests.support.concurrency import fire_at_once

SH = ZoneInfo("Asia/Shanghai")


def _links(s) -> tuple[str, str]:
    """safety 包保 teams 0 and 1 (visited team 0 in Nov 2026), party 包保 team 2 (no visit)."""
    t0, t1, t2 = s.teams
    for office, team in ((s.safety, t0), (s.safety, t1), (s.party, t2)):
        body = {"office_id": office, "team_id": team}
        s.ok(s.post("/admin/assessments/patronages", body), 201)
    visit = {
        "office_id": s.safety,
        "team_id": t0,
        "visited_on": "2026-11-05",
        "visitors": "安全科 张三",
        "problems": "无",
        "agreed": "无",
        "follow_up": "无",
    }
    s.ok(s.post("/assessments/visits", visit, s.s1), 201)
    with s.app.app_context():
        names = dict(db.session.execute(db.select(Unit.id, Unit.name)).all())
    return names[t1], names[t2]


def _run(app, at: datetime) -> list[tuple[int, int]]:
    with app.app_context():
        run = send_visit_reminders(at)
        db.session.commit()
        return run.sent


def test_the_25th_reminds_each_office_still_due_once(assessment_scene):
    s = assessment_scene(open_month=False)
    t1_name, t2_name = _links(s)
    app = s.app
    assert _run(app, datetime(2026, 11, 24, 23, 59, tzinfo=SH)) == []
    # 25 Nov 00:30 in Shanghai is still 24 Nov in UTC: the Shanghai calendar decides.
    sent = _run(app, datetime(2026, 11, 25, 0, 30, tzinfo=SH))
    assert sorted(sent) == sorted([(s.s1.id, s.safety), (s.s2.id, s.safety), (s.p1.id, s.party)])
    assert _run(app, datetime(2026, 11, 25, 18, tzinfo=SH)) == []
    assert _run(app, datetime(2026, 11, 30, 9, tzinfo=SH)) == []

    r = s.get("/inbox?kind=visit_reminder", s.s1)
    s.ok(r)
    [item] = r.json["items"]
    assert item["title"] == "包保走访提醒"
    assert item["text"] == (
        f"安全科2026-11还未走访包保的{t1_name}（共1个区队），请于2026-11-30前完成走访并登记。"
    )
    assert item["link"] == "pages/assessments/visits"
    [party] = s.get("/inbox?kind=visit_reminder", s.p1).json["items"]
    assert t2_name in party["text"]
    # Nobody else was reminded (the committee, the leaders, the team's workers).
    for who in (s.c1, s.leaders[0], s.worker):
        assert s.get("/inbox?kind=visit_reminder", who).json["items"] == []
    with app.app_context():
        rows = db.session.scalars(db.select(VisitReminder)).all()
        assert {(r.month, r.teams) for r in rows} == {("2026-11", 1)}
        assert all(r.notification_id for r in rows)


def test_a_missed_25th_is_caught_up_and_the_next_month_starts_clean(assessment_scene):
    s = assessment_scene(open_month=False)
    _links(s)
    app = s.app
    assert len(_run(app, datetime(2026, 11, 27, 9, tzinfo=SH))) == 3
    # December: nothing before the 25th; then everyone again (nobody visited in December).
    assert _run(app, datetime(2026, 12, 1, 9, tzinfo=SH)) == []
    with app.app_context():
        run = send_visit_reminders(datetime(2026, 12, 25, 9, tzinfo=SH))
        db.session.commit()
    assert run.month == "2026-12" and run.due_offices == 2 and len(run.sent) == 3


def test_visited_offices_and_leavers_are_not_reminded(assessment_scene):
    s = assessment_scene(open_month=False)
    _links(s)
    visit = {
        "office_id": s.safety,
        "team_id": s.teams[1],
        "visited_on": "2026-11-20",
        "visitors": "安全科",
        "problems": "无",
        "agreed": "无",
        "follow_up": "无",
    }
    s.ok(s.post("/assessments/visits", visit, s.s2), 201)
    with s.app.app_context():
        db.session.get(Person, s.p1.id).left_at = datetime(2026, 11, 20, tzinfo=SH)
        db.session.commit()
        run = send_visit_reminders(datetime(2026, 11, 25, 9, tzinfo=SH))
        db.session.commit()
    # safety visited both its teams; party's only scorer has left.
    assert run.due_offices == 1 and run.sent == []


def test_reminder_runs_at_the_same_instant_send_once(assessment_scene):
    s = assessment_scene(open_month=False)
    _links(s)
    app = s.app

    def go(_: int) -> list[tuple[int, int]]:
        return _run(app, datetime(2026, 11, 25, 9, tzinfo=SH))

    results = fire_at_once(6, go)
    assert sorted(p for r in results for p in r) == sorted(
        [(s.s1.id, s.safety), (s.s2.id, s.safety), (s.p1.id, s.party)]
    )
    with app.app_context():
        kinds = db.session.scalars(
            db.select(Notification.kind).where(Notification.kind == "visit_reminder")
        ).all()
    assert len(kinds) == 3
