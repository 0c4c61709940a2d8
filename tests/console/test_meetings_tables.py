"""Issue 27's table patterns on the 三会一课 pages: the calendar, pledges and deeds filter,
sort, page and export the filtered rows (.xlsx, Chinese headers, the KINDS file name); empty
states say what is missing; a meeting's requests for leave are decided in bulk (each row on its
own: one decided already is reported, the others go through; two clerks at the same instant
decide each once)."""

from __future__ import annotations

import io
from urllib.parse import unquote

from openpyxl import load_workbook

from models import Attendance, Deed, Meeting, Person, db
from tests.console.sign_in import client_sign_in
from tests.support.concurrency import fire_at_once


def _seed(app) -> None:
    from demo.meetings import seed_meetings

    with app.app_context():
        seed_meetings()
        db.session.commit()


def _period(app, status: str) -> str:
    from clock import SHANGHAI

    with app.app_context():
        at = db.session.scalar(
            db.select(Meeting.starts_at).where(Meeting.status == status).limit(1)
        ).astimezone(SHANGHAI)
    return f"{at.year}-Q{(at.month - 1) // 3 + 1}"


def _rows(response) -> list[tuple]:
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    return list(load_workbook(io.BytesIO(response.data)).active.values)


def _shown_name(response) -> str:
    header = response.headers["Content-Disposition"]
    return unquote(header.split("filename*=UTF-8''")[1])


def test_the_calendar_filters_sorts_pages_and_exports(app, demo):
    _seed(app)
    client = app.test_client()
    client_sign_in(client, "secretary")
    period = _period(app, "closed")
    base = f"/console/meetings?period={period}"
    html = client.get(base + "&status=closed&page_size=5").get_data(as_text=True)
    assert html.count('data-status="closed"') == 5 and "共 11 条" in html
    assert 'data-status="scheduled"' not in client.get(base + "&status=closed").get_data(
        as_text=True
    )
    export = client.get(base + "&status=closed&export=xlsx")
    rows = _rows(export)
    assert len(rows) - 1 == 11 and rows[0][:3] == ("日期", "支部", "类型")
    assert _shown_name(export) == f"三会一课登记簿-{period}.xlsx"
    # Sorted the other way, the export follows the table's order.
    desc = _rows(client.get(base + "&status=closed&sort=starts_at&order=desc&export=xlsx"))
    assert [r[0] for r in desc[1:]] == sorted((r[0] for r in rows[1:]), reverse=True)
    empty = client.get(base + "&q=没有这样的主题").get_data(as_text=True)
    assert "没有符合筛选条件的会议" in empty
    nothing = client.get("/console/meetings?period=2001-Q1").get_data(as_text=True)
    assert "本周期（2001-Q1）还没有安排会议" in nothing
    assert client.get(base + "&kind=junk&status=junk&sort=junk").status_code == 200


def test_pledges_and_deeds_filter_and_export(app, demo):
    _seed(app)
    client = app.test_client()
    client_sign_in(client, "secretary")
    all_pledges = client.get("/console/pledges").get_data(as_text=True)
    assert all_pledges.count("data-pledge=") == 2
    mid = client.get("/console/pledges?state=mid").get_data(as_text=True)
    assert mid.count("data-pledge=") == 1  # D0003's mid-year review is done
    rows = _rows(client.get("/console/pledges?state=mid&export=xlsx"))
    assert len(rows) >= 2 and "D0004" in str(rows)
    assert "D0003" not in str(rows[1:])
    none = client.get("/console/pledges?q=不存在的人").get_data(as_text=True)
    assert "没有符合筛选条件的承诺" in none

    deeds_html = client.get("/console/deeds").get_data(as_text=True)
    with app.app_context():
        total = db.session.scalar(db.select(db.func.count()).select_from(Deed))
    assert deeds_html.count("data-deed=") == total
    doing = _rows(client.get("/console/deeds?status=doing&export=xlsx"))
    assert doing[0] == ("支部", "实事", "服务对象", "关联心愿", "状态", "登记时间", "办结时间")
    assert [r[4] for r in doing[1:]] and {r[4] for r in doing[1:]} == {"办理中"}
    export = client.get("/console/deeds?export=xlsx")
    assert _shown_name(export).startswith("我为职工办实事台账")
    assert "没有符合筛选条件的实事" in client.get("/console/deeds?q=无此实事").get_data(
        as_text=True
    )


def _pending_leaves(app, n: int) -> tuple[int, list[int]]:
    """The scheduled meeting of tomorrow with `n` more of its attendees asking for leave."""
    with app.app_context():
        meeting_id = db.session.scalar(
            db.select(Attendance.meeting_id).where(Attendance.status == "leave_pending").limit(1)
        )
        secretary = db.session.scalar(db.select(Person.id).where(Person.employee_no == "D0002"))
        rows = db.session.scalars(
            db.select(Attendance)
            .where(Attendance.meeting_id == meeting_id, Attendance.person_id != secretary)
            .order_by(Attendance.id)
        ).all()
        for a in rows[:n]:
            if a.status == "expected":
                a.status, a.leave_reason = "leave_pending", "家中有事"
        db.session.commit()
        pending = [a.person_id for a in rows if a.status == "leave_pending"]
        return meeting_id, pending


def test_requests_for_leave_are_decided_in_bulk(app, demo):
    _seed(app)
    meeting_id, pending = _pending_leaves(app, 3)
    assert len(pending) >= 3
    client = app.test_client()
    csrf = client_sign_in(client, "secretary")
    page = client.get(f"/console/meetings/{meeting_id}").get_data(as_text=True)
    assert 'id="bulk-leave"' in page and page.count('data-select-row="bulk-leave"') == len(pending)
    headers = {"X-CSRFToken": csrf, "HX-Request": "true"}
    url = f"/console/meetings/{meeting_id}/leave"
    first, rest = pending[0], pending[1:]
    r = client.post(url, data={"ids": [first], "decision": "reject"}, headers=headers)
    assert r.status_code == 200
    # The bulk approval: the one already decided is reported, the others go through.
    r = client.post(url, data={"ids": pending, "decision": "approve"}, headers=headers)
    assert r.status_code == 200, r.get_data(as_text=True)
    with app.app_context():
        got = dict(
            db.session.execute(
                db.select(Attendance.person_id, Attendance.status).where(
                    Attendance.meeting_id == meeting_id, Attendance.person_id.in_(pending)
                )
            ).all()
        )
    assert got[first] == "expected" and {got[p] for p in rest} == {"leave"}
    flashed = client.get(f"/console/meetings/{meeting_id}").get_data(as_text=True)
    assert "1 条未能批准请假" in flashed and f"已批准请假 {len(rest)} 条" in flashed
    # Nothing ticked, junk ids, no decision: 422 in Chinese.
    r = client.post(url, data={"decision": "approve"}, headers=headers)
    assert r.status_code == 422 and "请先勾选" in r.get_data(as_text=True)
    r = client.post(url, data={"ids": ["x"], "decision": "approve"}, headers=headers)
    assert r.status_code == 422
    r = client.post(url, data={"ids": rest}, headers=headers)
    assert r.status_code == 422 and "请选择批准或不批准" in r.get_data(as_text=True)


def test_two_clerks_deciding_the_same_leaves_at_once_decide_each_once(app, demo):
    _seed(app)
    meeting_id, pending = _pending_leaves(app, 4)
    url = f"/console/meetings/{meeting_id}/leave"
    clients = []
    for who in ("secretary", "committee"):
        c = app.test_client()
        clients.append((c, client_sign_in(c, who)))

    def go(i: int) -> int:
        c, csrf = clients[i % 2]
        decision = "approve" if i % 2 == 0 else "reject"
        r = c.post(
            url,
            data={"ids": pending, "decision": decision},
            headers={"X-CSRFToken": csrf, "HX-Request": "true"},
        )
        return r.status_code

    assert set(fire_at_once(4, go)) <= {200, 403}
    with app.app_context():
        statuses = db.session.scalars(
            db.select(Attendance.status).where(
                Attendance.meeting_id == meeting_id, Attendance.person_id.in_(pending)
            )
        ).all()
        decided = db.session.scalar(
            db.select(db.func.count())
            .select_from(Attendance)
            .where(
                Attendance.meeting_id == meeting_id,
                Attendance.person_id.in_(pending),
                Attendance.leave_decided_by_id.is_not(None),
            )
        )
    # Each request decided exactly once: approved (leave) or refused (back to expected).
    assert set(statuses) <= {"leave", "expected"} and decided == len(pending)
