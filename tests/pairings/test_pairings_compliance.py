"""Monthly compliance in Asia/Shanghai months, the committee roll-up, reminders, the award."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from accounts.principal import principal_for_person
from models import Notification, Person, PointsEntry, TalkReminder, db
from pairings import talks as talk_service
from pairings.compliance import branch_compliance, sync_monthly_award
from pairings.months import SHANGHAI, month_bounds, month_of, parse_month
from pairings.reminders import send_reminders
from tests.support.concurrency import fire_at_once

SH = SHANGHAI


def content(at: datetime, **kw) -> talk_service.TalkContent:
    return talk_service.TalkContent(talked_at=at, mode="phone", topics="了解近况", **kw)


def log_at(app, member, employee, at: datetime, now: datetime | None = None) -> int:
    with app.app_context():
        person = db.session.get(Person, member.id)
        talk = talk_service.log_talk(
            principal_for_person(person), employee.id, content(at), now=now or at
        )
        db.session.commit()
        return talk.id


def test_months_turn_over_at_shanghai_midnight():
    last_may = datetime(2025, 5, 31, 15, 59, 59, tzinfo=UTC)  # 23:59:59 in Shanghai
    first_june = datetime(2025, 5, 31, 16, 0, 0, tzinfo=UTC)  # 00:00:00 on 1 June
    assert month_of(last_may) == "2025-05" and month_of(first_june) == "2025-06"
    assert month_bounds("2025-06") == (first_june, datetime(2025, 6, 30, 16, tzinfo=UTC))
    assert month_bounds("2025-12")[1] == datetime(2025, 12, 31, 16, tzinfo=UTC)
    for bad in ("2025-13", "2025-6", "25-06", "", "1999-01", "2025-06-01"):
        try:
            parse_month(bad)
        except Exception as exc:  # noqa: BLE001
            assert getattr(exc, "reason", "") == "invalid_month"
        else:
            raise AssertionError(bad)


@pytest.mark.usefixtures("any_talk_rule")
def test_compliance_counts_talks_by_shanghai_month(
    app, client, world, new_pairing, new_team, talk_body
):
    team = new_team(members=2, employees=2)
    a, b = team.members
    new_pairing(team, a, team.employees[0])
    new_pairing(team, b, team.employees[1])
    # a: 23:59:59 on 31 May (Shanghai) → May; b: 00:00:00 on 1 June → June.
    log_at(app, a, team.employees[0], datetime(2025, 5, 31, 23, 59, 59, tzinfo=SH))
    log_at(app, b, team.employees[1], datetime(2025, 6, 1, 0, 0, 0, tzinfo=SH))
    url = f"/api/v1/branches/{team.branch.id}/compliance"
    may = client.get(f"{url}?month=2025-05", headers=team.sec).json
    june = client.get(f"{url}?month=2025-06", headers=team.sec).json
    status = {m["member_id"]: (m["done"], m["status"]) for m in may["members"]}
    assert status == {a.id: (1, "done"), b.id: (0, "due")} and may["rate"] == 0.5
    status = {m["member_id"]: (m["done"], m["status"]) for m in june["members"]}
    assert status == {a.id: (0, "due"), b.id: (1, "done")} and june["rate"] == 0.5
    assert june["month"] == "2025-06" and june["members"][0]["status"] == "due"  # due first
    assert {m["required"] for m in june["members"]} == {1}
    # Over the API a time carries its offset (issue 19 #13: one without is 422, not a guess).
    r = client.post(
        "/api/v1/talks",
        json=talk_body(team.employees[0], "2025-06-30T23:59:00"),
        headers=team.h(a),
    )
    assert r.status_code == 422 and "talked_at" in r.json["errors"], r.json
    r = client.post(
        "/api/v1/talks",
        json=talk_body(team.employees[0], "2025-06-30T23:59:00+08:00"),
        headers=team.h(a),
    )
    assert r.status_code == 201 and r.json["month"] == "2025-06"
    r = client.post(
        "/api/v1/talks",
        json=talk_body(team.employees[0], "2025-06-30T16:00:00+00:00"),
        headers=team.h(a),
    )
    assert r.json["month"] == "2025-07"
    june = client.get(f"{url}?month=2025-06", headers=team.sec).json
    assert june["rate"] == 1.0
    # Who may look: the secretary, committee; not another branch's secretary, not members.
    committee = world.headers(world.committee())
    assert client.get(f"{url}?month=2025-06", headers=committee).status_code == 200
    assert client.get(url, headers=new_team().sec).status_code == 404
    assert client.get(url, headers=team.h(a)).status_code == 403
    assert client.get(f"{url}?month=June", headers=team.sec).json["reason"] == "invalid_month"


@pytest.mark.usefixtures("any_talk_rule")
def test_members_listed_are_those_paired_during_the_month(
    app, client, world, new_pairing, new_team, set_cols
):
    team = new_team(members=3, employees=2)
    a, b, unpaired = team.members
    new_pairing(team, a, team.employees[0], since=datetime(2025, 6, 10, tzinfo=SH))
    pid = new_pairing(team, b, team.employees[1], since=datetime(2025, 4, 1, tzinfo=SH))
    from models import Pairing

    set_cols(
        Pairing,
        pid,
        active=None,
        ended_at=datetime(2025, 5, 20, tzinfo=SH),
        end_reason="ended",
    )
    with app.app_context():
        from models import Branch

        branch = db.session.get(Branch, team.branch.id)
        may = branch_compliance(branch, "2025-05")
        june = branch_compliance(branch, "2025-06")
    assert [m["member_id"] for m in may["members"]] == [b.id]
    assert [m["member_id"] for m in june["members"]] == [a.id]
    # The secretary (a party member) and the member never paired are "unpaired".
    assert unpaired.id in {u["member_id"] for u in june["unpaired"]}
    assert a.id not in {u["member_id"] for u in june["unpaired"]}
    empty = client.get(
        f"/api/v1/branches/{team.branch.id}/compliance?month=2024-01", headers=team.sec
    ).json
    assert empty["members"] == [] and empty["rate"] is None


@pytest.mark.usefixtures("any_talk_rule")
def test_mine_rollup_for_committee(app, client, world, new_pairing, new_team):
    t1, t2 = new_team(members=2, employees=2), new_team(members=1, employees=1)
    for team in (t1, t2):
        for m, e in zip(team.members, team.employees, strict=False):
            new_pairing(team, m, e)
    at = datetime(2025, 6, 5, 10, tzinfo=SH)
    log_at(app, t1.members[0], t1.employees[0], at)
    log_at(app, t2.members[0], t2.employees[0], at)
    committee = world.headers(world.committee())
    r = client.get("/api/v1/admin/compliance?month=2025-06", headers=committee)
    assert r.status_code == 200, r.json
    body = r.json
    assert (body["members"], body["done"], body["due"]) == (3, 2, 1)
    assert body["rate"] == round(2 / 3, 4)
    rows = {b["branch_id"]: b for b in body["branches"]}
    assert rows[t1.branch.id]["rate"] == 0.5 and rows[t2.branch.id]["rate"] == 1.0
    assert client.get("/api/v1/admin/compliance", headers=t1.sec).status_code == 403


@pytest.mark.usefixtures("any_talk_rule")
def test_required_talks_per_month_is_configurable(app, client, world, new_pairing, new_team):
    team = new_team(members=1, employees=2)
    m = team.members[0]
    for e in team.employees:
        new_pairing(team, m, e)
    app.config["TALKS_REQUIRED_PER_MONTH"] = 2
    try:
        log_at(app, m, team.employees[0], datetime(2025, 6, 3, tzinfo=SH))
        url = f"/api/v1/branches/{team.branch.id}/compliance?month=2025-06"
        row = client.get(url, headers=team.sec).json["members"][0]
        assert (row["required"], row["done"], row["status"]) == (2, 1, "due")
        log_at(app, m, team.employees[1], datetime(2025, 6, 4, tzinfo=SH))
        row = client.get(url, headers=team.sec).json["members"][0]
        assert row["status"] == "done"
        with app.app_context():
            refs = db.session.scalars(
                db.select(PointsEntry.ref).where(PointsEntry.person_id == m.id)
            ).all()
            assert refs == ["talks:2025-06"]
    finally:
        app.config["TALKS_REQUIRED_PER_MONTH"] = 1


@pytest.mark.usefixtures("any_talk_rule")
def test_award_follows_edits_and_corrections_across_months(
    app, client, world, new_pairing, new_team
):
    team = new_team(members=1, employees=1)
    m, e = team.members[0], team.employees[0]
    new_pairing(team, m, e)
    june = datetime(2025, 6, 30, 23, 0, tzinfo=SH)
    written = datetime(2025, 7, 1, 10, 0, tzinfo=SH)
    tid = log_at(app, m, e, june, now=written)
    with app.app_context():
        principal = principal_for_person(db.session.get(Person, m.id))
        # Edited (within the window) into July: June is reversed, July awarded.
        talk_service.edit_talk(
            principal,
            tid,
            content(datetime(2025, 7, 1, 8, tzinfo=SH)),
            now=written + timedelta(days=1),
        )
        db.session.commit()
        # Corrected back into June after the lock: July reversed, June awarded again.
        talk_service.correct_talk(principal, tid, content(june), now=written + timedelta(days=30))
        db.session.commit()
        entries = db.session.execute(
            db.select(PointsEntry.ref, PointsEntry.delta)
            .where(PointsEntry.person_id == m.id)
            .order_by(PointsEntry.id)
        ).all()
        assert entries == [
            ("talks:2025-06", 2),
            ("talks:2025-06#2", -2),
            ("talks:2025-07", 2),
            ("talks:2025-06#3", 2),
            ("talks:2025-07#2", -2),
        ]
        # Re-syncing changes nothing.
        sync_monthly_award(m.id, "2025-06")
        sync_monthly_award(m.id, "2025-07")
        assert (
            db.session.scalar(
                db.select(db.func.sum(PointsEntry.delta)).where(PointsEntry.person_id == m.id)
            )
            == 2
        )


def _reminder_world(app, world, new_team, new_pairing):
    team = new_team(members=3, employees=3)
    for mem, emp in zip(team.members, team.employees, strict=True):
        new_pairing(team, mem, emp)
    done_member = team.members[0]
    log_at(app, done_member, team.employees[0], datetime(2025, 6, 5, tzinfo=SH))
    # A member of another branch with no pairing gets nothing.
    world.member(team.branch)
    return team, {m.id for m in team.members[1:]}


def _sent(app) -> list[tuple[int, str]]:
    with app.app_context():
        return [
            (n.person_id, n.data["remind_on"])
            for n in db.session.scalars(
                db.select(Notification)
                .where(Notification.kind == "talk_reminder")
                .order_by(Notification.id)
            )
        ]


@pytest.mark.usefixtures("any_talk_rule")
def test_reminders_go_only_to_members_still_due_once_per_date(
    app, client, world, new_team, new_pairing
):
    team, due = _reminder_world(app, world, new_team, new_pairing)

    def run(at: datetime) -> list[int]:
        with app.app_context():
            result = send_reminders(at)
            db.session.commit()
            return result.sent

    assert run(datetime(2025, 6, 19, 23, 59, tzinfo=SH)) == []
    assert set(run(datetime(2025, 6, 20, 0, 0, tzinfo=SH))) == due
    assert run(datetime(2025, 6, 20, 18, 0, tzinfo=SH)) == []  # the same date again
    assert run(datetime(2025, 6, 23, 9, 0, tzinfo=SH)) == []  # still the 20th's reminder
    # One of them talks before the 27th: only the other is reminded then.
    late = team.members[1]
    log_at(app, late, team.employees[1], datetime(2025, 6, 25, tzinfo=SH))
    assert run(datetime(2025, 6, 27, 8, 0, tzinfo=SH)) == [team.members[2].id]
    assert run(datetime(2025, 6, 30, 8, 0, tzinfo=SH)) == []
    sent = _sent(app)
    assert len(sent) == 3 and len(set(sent)) == 3
    with app.app_context():
        n = db.session.scalar(db.select(Notification).where(Notification.kind == "talk_reminder"))
        assert n.page and n.data["month"] == "2025-06" and n.data["deadline"] == "2025-06-30"
        assert n.data["required"] == 1 and n.data["done"] == 0


@pytest.mark.usefixtures("any_talk_rule")
def test_a_missed_reminder_date_is_caught_up_and_new_month_starts_clean(
    app, client, world, new_team, new_pairing
):
    team, due = _reminder_world(app, world, new_team, new_pairing)
    with app.app_context():
        assert set(send_reminders(datetime(2025, 6, 28, tzinfo=SH)).sent) == due  # the 27th
        db.session.commit()
        rows = db.session.scalars(db.select(TalkReminder.remind_on).distinct()).all()
        assert [d.isoformat() for d in rows] == ["2025-06-27"]
        # 1 July: nothing until the 20th; everyone is due again then (nobody talked in July).
        assert send_reminders(datetime(2025, 7, 1, tzinfo=SH)).sent == []
        run = send_reminders(datetime(2025, 7, 20, tzinfo=SH))
        db.session.commit()
        assert set(run.sent) == {m.id for m in team.members}


@pytest.mark.usefixtures("any_talk_rule")
def test_reminder_runs_at_the_same_instant_send_once(app, client, world, new_team, new_pairing):
    _, due = _reminder_world(app, world, new_team, new_pairing)

    def go(_: int) -> list[int]:
        with app.app_context():
            result = send_reminders(datetime(2025, 6, 20, 9, tzinfo=SH))
            db.session.commit()
            return result.sent

    results = fire_at_once(6, go)
    assert sorted(m for r in results for m in r) == sorted(due)
    assert len(_sent(app)) == len(due)


@pytest.mark.usefixtures("any_talk_rule")
def test_remind_cli_is_idempotent(app, client, world, new_team, new_pairing):
    _, due = _reminder_world(app, world, new_team, new_pairing)
    runner = app.test_cli_runner()
    out = runner.invoke(args=["pairings", "remind", "--date", "2025-06-20"])
    assert out.exit_code == 0, out.output
    assert f"{len(due)} reminded now" in out.output
    again = runner.invoke(args=["pairings", "remind", "--date", "2025-06-21"])
    assert "0 reminded now" in again.output
    early = runner.invoke(args=["pairings", "remind", "--date", "2025-06-02"])
    assert "no reminder date yet" in early.output
    assert len(_sent(app)) == len(due)
