"""The points ledger: my points, manual adjustments with reasons, totals, periods, exports."""

from __future__ import annotations

import io
from datetime import UTC, datetime

import pytest
from openpyxl import load_workbook

from models import PointsEntry, TalkAccess, db
from points.ledger import award, parse_period, totals


def adjust(client, headers, employee_no, delta, reason="抢险突击表现突出", approver=None):
    """Ask for a manual adjustment; with `approver` (committee headers), approve it too."""
    r = client.post(
        "/api/v1/admin/points",
        json={"employee_no": employee_no, "delta": delta, "reason": reason},
        headers=headers,
    )
    if approver is not None and r.status_code == 201:
        decided = client.post(
            f"/api/v1/admin/points/requests/{r.json['id']}/decide",
            json={"approve": True, "reason": "同意"},
            headers=approver,
        )
        assert decided.status_code == 200, decided.json
        return decided
    return r


def test_secretary_adjusts_own_branch_members_only(client, world, new_team):
    team = new_team(members=1, employees=1)
    m = team.members[0]
    r = adjust(client, team.sec, m.employee_no, 5)
    assert r.status_code == 201, r.json
    assert (r.json["delta"], r.json["status"], r.json["person"]["id"]) == (5, "pending", m.id)
    assert r.json["requested_by"]["id"] == team.secretary.id
    other = new_team(members=1)
    r = adjust(client, team.sec, other.members[0].employee_no, 5)
    assert r.status_code == 403 and r.json["reason"] == "not_your_branch"
    r = adjust(client, team.sec, team.employees[0].employee_no, 5)
    assert r.status_code == 422 and r.json["reason"] == "not_a_member"
    r = adjust(client, team.sec, "NOBODY", 5)
    assert r.status_code == 404
    for reason in ("", "   "):
        r = adjust(client, team.sec, m.employee_no, 5, reason)
        assert r.status_code == 422 and "reason" in r.json["errors"]
    r = client.post(
        "/api/v1/admin/points", json={"employee_no": m.employee_no, "delta": 5}, headers=team.sec
    )
    assert r.status_code == 422 and "reason" in r.json["errors"]
    for delta in (0, 101, -101, 10**12, "5x", 1.5):
        r = adjust(client, team.sec, m.employee_no, delta)
        assert r.status_code == 422, (delta, r.json)
    # Members cannot adjust points; committee can ask, anywhere in its mine.
    assert adjust(client, team.h(m), m.employee_no, 5).status_code == 403
    committee = world.headers(world.committee())
    r = adjust(client, committee, other.members[0].employee_no, -3, "违章扣分")
    assert r.status_code == 201


def test_points_mine_shows_the_period(app, client, world, new_team, set_cols):
    team = new_team(members=1, employees=1)
    m = team.members[0]
    boss = world.headers(world.committee())
    adjust(client, team.sec, m.employee_no, 5, "安全生产监督员表现突出", approver=boss)
    adjust(client, team.sec, m.employee_no, -2, "会议缺席", approver=boss)
    with app.app_context():
        last_year = award(m.id, 9, "wish_completed", "圆梦：给孩子买书包", ref="wish:1")
        db.session.commit()
        entry_id = last_year.id
    set_cols(PointsEntry, entry_id, at=datetime(2024, 12, 31, 15, 59, tzinfo=UTC))
    r = client.get("/api/v1/points/mine", headers=team.h(m))
    assert r.status_code == 200, r.json
    body = r.json
    assert body["total"] == 3 and len(body["entries"]) == 2
    assert body["entries"][0]["reason"] == "会议缺席" and body["entries"][0]["kind"] == "manual"
    assert body["period"] == str(datetime.now(UTC).year) or body["period"]
    # 2024-12-31 23:59 in Shanghai belongs to 2024 / Q4 / December.
    for period in ("2024", "2024-Q4", "2024-12"):
        r = client.get(f"/api/v1/points/mine?period={period}", headers=team.h(m)).json
        assert r["total"] == 9 and r["entries"][0]["kind"] == "wish_completed", period
    assert client.get("/api/v1/points/mine?period=2025-01", headers=team.h(m)).json["total"] == 0
    assert client.get("/api/v1/points/mine?period=all", headers=team.h(m)).json["total"] == 12
    r = client.get("/api/v1/points/mine?period=2024-Q5", headers=team.h(m))
    assert r.status_code == 422 and r.json["reason"] == "invalid_period"
    # Masses have no points ledger.
    assert client.get("/api/v1/points/mine", headers=team.h(team.employees[0])).status_code == 403


def test_periods_and_totals_for_the_voting_results(app, world, new_team):
    p = parse_period("2025-Q2")
    assert p.since == datetime(2025, 3, 31, 16, tzinfo=UTC)
    assert p.until == datetime(2025, 6, 30, 16, tzinfo=UTC)
    team = new_team(members=2)
    a, b = team.members
    with app.app_context():
        award(a.id, 4, "manual", "x")
        assert award(a.id, 2, "monthly_talks_done", "y", ref="talks:2025-06") is not None
        assert award(a.id, 2, "monthly_talks_done", "y", ref="talks:2025-06") is None
        db.session.commit()
        assert totals([a.id, b.id]) == {a.id: 6, b.id: 0}


@pytest.mark.usefixtures("any_talk_rule")
def test_monthly_talk_award_shows_in_my_points(client, world, log_talk, new_pairing, new_team):
    team = new_team(members=1, employees=1)
    m, e = team.members[0], team.employees[0]
    new_pairing(team, m, e)
    log_talk(team.h(m), e)
    log_talk(team.h(m), e)
    body = client.get("/api/v1/points/mine?period=all", headers=team.h(m)).json
    assert [(x["kind"], x["delta"]) for x in body["entries"]] == [("monthly_talks_done", 2)]


def test_totals_list_per_branch_and_mine(client, world, new_team):
    t1, t2 = new_team(members=2), new_team(members=1)
    boss = world.headers(world.committee())
    adjust(client, t1.sec, t1.members[1].employee_no, 7, approver=boss)
    adjust(client, t2.sec, t2.members[0].employee_no, 3, approver=boss)
    rows = client.get("/api/v1/admin/points?period=all", headers=t1.sec).json
    assert rows[0]["person_id"] == t1.members[1].id and rows[0]["total"] == 7
    assert rows[0]["manual"] == 7 and rows[0]["talks"] == 0
    assert {r["person_id"] for r in rows} == {t1.secretary.id, *(m.id for m in t1.members)}
    committee = world.headers(world.committee())
    rows = client.get("/api/v1/admin/points?period=all", headers=committee).json
    assert [r["total"] for r in rows[:2]] == [7, 3]
    r = client.get(f"/api/v1/admin/points?branch_id={t2.branch.id}", headers=t1.sec)
    assert r.status_code == 404


def _sheet(data: bytes, title: str):
    return load_workbook(io.BytesIO(data))[title]


EVIL = ['=HYPERLINK("http://x","点我")', "+1+1", "-2+3", "@SUM(A1)", "=cmd|' /C calc'!A0"]


@pytest.mark.usefixtures("any_talk_rule")
def test_talk_ledger_export_writes_text_never_formulas_and_logs_reads(
    app, client, world, log_talk, new_pairing, new_team
):
    team = new_team(members=1, employees=1)
    m, e = team.members[0], team.employees[0]
    new_pairing(team, m, e)
    t = log_talk(team.h(m), e, topics=EVIL[0], concerns=EVIL[1], follow_up=EVIL[2], place=EVIL[3])
    month = t["month"]
    url = f"/api/v1/branches/{team.branch.id}/talks/export.xlsx?month={month}"
    r = client.get(url, headers=team.sec)
    assert r.status_code == 200 and r.mimetype.endswith("spreadsheetml.sheet")
    assert "attachment" in r.headers["Content-Disposition"]
    ws = _sheet(r.data, "谈心台账")
    row = [c for c in ws[2]]
    values = {c.value for c in row}
    assert set(EVIL[:4]) <= values
    for cell in row:
        if isinstance(cell.value, str):
            assert cell.data_type == "s", (cell.value, cell.data_type)
    summary = _sheet(r.data, "月度完成情况")
    assert summary["A2"].value == m.name and summary["F2"].value == "已完成"
    with app.app_context():
        logged = db.session.scalars(
            db.select(TalkAccess).where(TalkAccess.action == "export")
        ).all()
        assert [(x.talk_id, x.viewer_id) for x in logged] == [(t["id"], team.secretary.id)]
    assert client.get(url, headers=team.h(m)).status_code == 403
    assert client.get(url, headers=new_team().sec).status_code == 404
    committee = world.headers(world.committee())
    assert client.get(url, headers=committee).status_code == 200


def test_points_export_writes_text_never_formulas(client, world, new_team):
    team = new_team(members=1)
    m = team.members[0]
    boss = world.headers(world.committee())
    for i, reason in enumerate(EVIL):
        r = adjust(client, team.sec, m.employee_no, i + 1, reason, approver=boss)
        assert r.status_code == 200
    r = client.get("/api/v1/admin/points/export.xlsx?period=all", headers=team.sec)
    assert r.status_code == 200
    totals_ws = _sheet(r.data, "积分汇总")
    assert totals_ws["B2"].value in (m.name, team.secretary.name)
    detail = _sheet(r.data, "积分明细")
    reasons = [detail.cell(row=i, column=6) for i in range(2, 2 + len(EVIL))]
    assert [c.value for c in reasons] == EVIL
    assert {c.data_type for c in reasons} == {"s"}
    assert [detail.cell(row=i, column=5).value for i in range(2, 7)] == [1, 2, 3, 4, 5]
    assert client.get("/api/v1/admin/points/export.xlsx", headers=team.h(m)).status_code == 403
