"""The seed's rule (每月至少与一名思想有波动、生活有困难的职工谈心): a talk counts only with an
employee carrying a care flag on the day of the talk; members with no flagged pairee are "no one
to care for", apart; the mine's rule changes from the next month, audited."""

from __future__ import annotations

from datetime import datetime

from accounts.principal import principal_for_person
from models import Branch, CareFlagChange, Notification, Person, PointsEntry, TalkRule, db
from pairings import talks as talk_service
from pairings.compliance import branch_compliance, mine_rollup
from pairings.months import SHANGHAI, month_of
from pairings.reminders import send_reminders

SH = SHANGHAI


def flag(app, secretary, employee, flags: list[str], at: datetime) -> None:
    """Set care flags as the secretary, as if on `at`."""
    from pairings import care

    with app.app_context():
        care.set_care_flags(
            principal_for_person(db.session.get(Person, secretary.id)), employee.id, flags, "说明"
        )
        last = db.session.scalar(
            db.select(CareFlagChange)
            .where(CareFlagChange.person_id == employee.id)
            .order_by(CareFlagChange.id.desc())
        )
        last.at = at
        db.session.commit()


def talk(app, member, employee, at: datetime) -> dict:
    with app.app_context():
        t = talk_service.log_talk(
            principal_for_person(db.session.get(Person, member.id)),
            employee.id,
            talk_service.TalkContent(talked_at=at, mode="phone", topics="了解近况"),
            now=at,
        )
        db.session.commit()
        from pairings.compliance import talk_counts_note

        return {"id": t.id, "care_flagged": t.care_flagged, "note": talk_counts_note(t)}


def compliance_of(app, team, month: str) -> dict:
    with app.app_context():
        return branch_compliance(db.session.get(Branch, team.branch.id), month)


def test_only_talks_with_flagged_employees_count_and_the_unflagged_are_apart(
    app, client, world, new_pairing, new_team
):
    team = new_team(members=3, employees=4)
    a, b, c = team.members
    e_flagged, e_plain, e_b, e_c = team.employees
    new_pairing(team, a, e_flagged)
    new_pairing(team, a, e_plain)
    new_pairing(team, b, e_b)
    new_pairing(team, c, e_c)
    flag(app, team.secretary, e_flagged, ["hardship"], datetime(2025, 5, 20, tzinfo=SH))
    # c's employee is flagged mid-June: from then on c has someone to care for.
    flag(app, team.secretary, e_c, ["ideological"], datetime(2025, 6, 15, tzinfo=SH))
    # a talks with the unflagged employee first: it is kept, but does not count.
    kept = talk(app, a, e_plain, datetime(2025, 6, 3, 10, tzinfo=SH))
    assert kept["care_flagged"] is False and "关怀标记" in kept["note"]
    june = compliance_of(app, team, "2025-06")
    assert june["rule"]["basis"] == "flagged" and june["rule"]["effective_month"] is None
    status = {m["member_id"]: (m["done"], m["status"]) for m in june["members"]}
    assert status == {a.id: (0, "due"), c.id: (0, "due")}
    assert [r["member_id"] for r in june["no_one_to_care"]] == [b.id]
    assert june["rate"] == 0.0
    # The flagged talk counts and earns the month's points.
    assert talk(app, a, e_flagged, datetime(2025, 6, 4, 10, tzinfo=SH))["care_flagged"] is True
    june = compliance_of(app, team, "2025-06")
    status = {m["member_id"]: m["status"] for m in june["members"]}
    assert status == {a.id: "done", c.id: "due"} and june["rate"] == 0.5
    with app.app_context():
        award = db.session.scalar(
            db.select(PointsEntry).where(
                PointsEntry.person_id == a.id, PointsEntry.ref == "talks:2025-06"
            )
        )
        assert award is not None and award.delta == app.config["POINTS_MONTHLY_TALKS"]
        rollup = mine_rollup(team.branch.mine_id, "2025-06")
    row = next(r for r in rollup["branches"] if r["branch_id"] == team.branch.id)
    assert (row["members"], row["done"], row["due"], row["no_one_to_care"]) == (2, 1, 1, 1)
    talk(app, c, e_c, datetime(2025, 6, 10, 10, tzinfo=SH))
    status = {m["member_id"]: m["status"] for m in compliance_of(app, team, "2025-06")["members"]}
    assert status[c.id] == "due"  # the talk on the 10th came before the flag of the 15th
    # The flag removed: in the month after, b and c alike have no one to care for.
    flag(app, team.secretary, e_c, [], datetime(2025, 6, 28, tzinfo=SH))
    july = compliance_of(app, team, "2025-07")
    assert {r["member_id"] for r in july["no_one_to_care"]} == {b.id, c.id}


def test_the_api_reports_the_rule_and_the_members_apart(app, client, world, new_pairing, new_team):
    team = new_team(members=1, employees=1)
    member, employee = team.members[0], team.employees[0]
    new_pairing(team, member, employee)
    url = f"/api/v1/branches/{team.branch.id}/compliance"
    body = client.get(url, headers=team.sec).json
    assert body["members"] == [] and body["no_one_to_care"][0]["member_id"] == member.id
    assert body["rule"]["label"].startswith("每月至少 1 次")
    mine = client.get("/api/v1/pairings/mine", headers=team.h(member)).json["month"]
    assert mine["status"] == "no_one_to_care"
    # Flag the employee now: the member is due, and a talk today counts.
    r = client.put(
        f"/api/v1/employees/{employee.id}/care-flags",
        json={"flags": ["hardship"], "note": "家中老人住院"},
        headers=team.sec,
    )
    assert r.status_code == 200
    assert client.get("/api/v1/pairings/mine", headers=team.h(member)).json["month"]["status"] == (
        "due"
    )
    r = client.post(
        "/api/v1/talks",
        json={
            "employee_id": employee.id,
            "talked_at": datetime.now(SH).isoformat(),
            "mode": "phone",
            "topics": "家中老人住院后的安排",
        },
        headers=team.h(member),
    )
    assert r.status_code == 201 and r.json["care_flagged"] and r.json["counts"]
    mine = client.get("/api/v1/pairings/mine", headers=team.h(member)).json["month"]
    assert (mine["status"], mine["done"]) == ("done", 1)


def test_no_reminder_for_a_member_with_no_one_to_care_for(
    app, client, world, new_pairing, new_team
):
    team = new_team(members=2, employees=2)
    a, b = team.members
    new_pairing(team, a, team.employees[0])
    new_pairing(team, b, team.employees[1])
    flag(app, team.secretary, team.employees[0], ["hardship"], datetime(2025, 5, 1, tzinfo=SH))
    with app.app_context():
        run = send_reminders(datetime(2025, 6, 20, 9, tzinfo=SH))
        db.session.commit()
        assert a.id in run.sent and b.id not in run.sent
        text = db.session.scalar(
            db.select(Notification.data).where(
                Notification.person_id == a.id, Notification.kind == "talk_reminder"
            )
        )["text"]
    assert "思想有波动、生活有困难" in text


def test_a_rule_change_applies_from_the_next_month_and_is_kept(
    app, client, world, new_pairing, new_team
):
    team = new_team(members=1, employees=1)
    member, employee = team.members[0], team.employees[0]
    new_pairing(team, member, employee)
    committee = world.committee(world.default_mine())
    h = world.headers(committee)
    url = "/api/v1/admin/talk-rule"
    assert client.get(url, headers=team.sec).status_code == 403
    r = client.put(url, json={"basis": "sometimes", "required": 1}, headers=h)
    assert r.status_code == 422
    r = client.put(url, json={"basis": "any", "required": 0}, headers=h)
    assert r.status_code == 422
    r = client.put(url, json={"basis": "any", "required": 2, "note": "党委会决定"}, headers=h)
    assert r.status_code == 200, r.json
    body = r.json
    # This month keeps the seed's rule; the next month takes the new one.
    assert body["current"]["basis"] == "flagged"
    assert body["upcoming"]["basis"] == "any" and body["upcoming"]["required"] == 2
    change = body["history"][0]
    assert change["set_by_id"] == committee.id and change["note"] == "党委会决定"
    with app.app_context():
        now = datetime.now(SH)
        row = db.session.scalar(db.select(TalkRule).where(TalkRule.mine_id == committee.mine_id))
        assert row.effective_month > month_of(now)
    this_month = client.get(f"/api/v1/branches/{team.branch.id}/compliance", headers=team.sec)
    assert this_month.json["rule"]["basis"] == "flagged"
    nxt = row.effective_month
    later = client.get(
        f"/api/v1/branches/{team.branch.id}/compliance?month={nxt}", headers=team.sec
    ).json
    assert later["rule"]["basis"] == "any" and later["required"] == 2
    assert later["members"][0]["status"] == "due" and later["no_one_to_care"] == []


def test_one_export_holds_the_whole_mines_month(app, client, world, new_pairing, new_team):
    from io import BytesIO

    from openpyxl import load_workbook

    t1, t2 = new_team(members=1, employees=1), new_team(members=1, employees=1)
    for team in (t1, t2):
        new_pairing(team, team.members[0], team.employees[0])
        flag(app, team.secretary, team.employees[0], ["hardship"], datetime(2025, 5, 1, tzinfo=SH))
        talk(app, team.members[0], team.employees[0], datetime(2025, 6, 3, 10, tzinfo=SH))
    committee = world.headers(world.committee(world.default_mine()))
    url = "/api/v1/admin/talks/export.xlsx?month=2025-06"
    assert client.get(url, headers=t1.sec).status_code == 403
    r = client.get(url, headers=committee)
    assert r.status_code == 200
    wb = load_workbook(BytesIO(r.data))
    ledger = list(wb["谈心台账"].iter_rows(min_row=2, values_only=True))
    branches = {row[-1] for row in ledger}
    assert {t1.branch.name, t2.branch.name} <= branches
    assert all(row[12] == "是" and row[13] == "是" for row in ledger)  # flagged, counted
    summary = [row for row in wb["月度完成情况"].iter_rows(min_row=2, values_only=True) if row[0]]
    assert any(row[5] == "已完成" and row[6] == t2.branch.name for row in summary)
