"""党建积分 · 三会一课 in the console: the calendar with the demo quarter, one meeting's
attendance with a mark and the close, the sign-in code page that refreshes itself, pledges,
deeds, the rulebook editor, rankings with ratings, a member's points explained, the ledgers;
screenshots for the README (docs/console/)."""

from __future__ import annotations

import io
import re

from openpyxl import load_workbook

from models import Meeting, Person, db
from tests.console.sign_in import client_sign_in


def _seed(app):
    from demo.meetings import seed_meetings

    with app.app_context():
        seed_meetings()
        db.session.commit()
        open_ = db.session.scalar(db.select(Meeting.id).where(Meeting.status == "scheduled"))
        closed = db.session.scalar(db.select(Meeting.id).where(Meeting.status == "closed"))
        return open_, closed


def _period(app, meeting_id):
    from clock import SHANGHAI

    with app.app_context():
        at = db.session.get(Meeting, meeting_id).starts_at.astimezone(SHANGHAI)
        return f"{at.year}-Q{(at.month - 1) // 3 + 1}"


def test_a_secretary_runs_a_meeting_from_the_console(app, demo):
    open_id, closed_id = _seed(app)
    client = app.test_client()
    csrf = client_sign_in(client, "secretary")
    html = client.get("/console/meetings").get_data(as_text=True)
    assert "会议日历" in html and f'data-meeting="{open_id}"' in html
    quarter = client.get(f"/console/meetings?period={_period(app, closed_id)}").get_data(
        as_text=True
    )
    assert quarter.count('data-status="closed"') == 11 and "compliance-table" not in quarter
    page = client.get(f"/console/meetings/{open_id}").get_data(as_text=True)
    with app.app_context():
        me = db.session.scalar(db.select(Person.id).where(Person.employee_no == "D0002"))
    expected = [
        int(pid)
        for pid in re.findall(r'data-person="(\d+)" data-attendance="expected"', page)
        if int(pid) != me
    ]
    assert expected
    headers = {"X-CSRFToken": csrf, "HX-Request": "true"}
    r = client.post(
        f"/console/meetings/{open_id}/present/{expected[0]}",
        data={"note": "无智能手机"},
        headers=headers,
    )
    assert r.status_code == 200, r.get_data(as_text=True)
    r = client.post(
        f"/console/meetings/{open_id}/present/{me}", data={"note": "主持"}, headers=headers
    )
    assert r.status_code == 403
    code = client.get(f"/console/meetings/{open_id}/code").get_data(as_text=True)
    assert re.search(r'data-code="\d{6}"', code) and 'hx-trigger="every 5s"' in code
    # The QR code in the room carries the meeting and the code the mini-program signs in with.
    import segno

    digits = re.search(r'data-code="(\d{6})"', code).group(1)
    qr = segno.make(f"meeting:{open_id}:{digits}", error="m")
    assert qr.svg_inline(scale=10, border=2, title="签到二维码") in code
    frag = client.get(f"/console/meetings/{open_id}/code", headers={"HX-Request": "true"})
    assert "<html" not in frag.get_data(as_text=True)
    r = client.post(f"/console/meetings/{open_id}/close", headers=headers)
    assert r.status_code == 200
    ws = load_workbook(
        io.BytesIO(
            client.get(f"/console/meetings/register.xlsx?period={_period(app, closed_id)}").data
        )
    ).worksheets
    assert ws[0].title == "三会一课登记" and ws[0].max_row == 12  # header + the quarter
    assert "pledge-table" in client.get("/console/pledges").get_data(as_text=True)
    assert "deed-table" in client.get("/console/deeds").get_data(as_text=True)
    rules = client.get("/console/rulebook").get_data(as_text=True)
    assert 'data-rule="MEET"' in rules and "rule-dialog" not in rules  # the committee edits
    r = client.post(
        "/console/rulebook", data={"code": "X", "name": "x", "source": "manual"}, headers=headers
    )
    assert r.status_code == 404
    assert "branch-ranking" in client.get("/console/rankings").get_data(as_text=True)
    with app.app_context():
        member = db.session.scalar(db.select(Person.id).where(Person.employee_no == "D0003"))
    explained = client.get(f"/console/points/explained/{member}?period=all").get_data(as_text=True)
    assert "MEET" in explained and "PLEDGE_KEPT" in explained


def test_the_committee_edits_the_rulebook(app, demo):
    _seed(app)
    client = app.test_client()
    csrf = client_sign_in(client, "committee")
    headers = {"X-CSRFToken": csrf, "HX-Request": "true"}
    r = client.post(
        "/console/rulebook",
        data={
            "code": "MEET",
            "name": "参加三会一课",
            "points": "3",
            "source": "meeting_attended",
            "cap": "-1",
            "cap_period": "quarter",
            "second_approver": "1",
        },
        headers=headers,
    )
    assert r.status_code == 422 and "上限" in r.get_data(as_text=True)
    r = client.post(
        "/console/rulebook",
        data={
            "code": "MEET",
            "name": "参加三会一课",
            "points": "3",
            "source": "meeting_attended",
            "cap": "30",
            "cap_period": "quarter",
            "second_approver": "1",
            "effective_from": "2100-01-01",
        },
        headers=headers,
    )
    assert r.status_code == 200, r.get_data(as_text=True)
    assert "data-upcoming" in client.get("/console/rulebook").get_data(as_text=True)
    html = client.get("/console/meetings").get_data(as_text=True)
    assert "compliance-table" in html
    r = client.post("/console/ratings/propose", headers=headers)
    assert r.status_code == 200


def test_the_calendar_and_the_code_page_in_the_browser(app, demo, console):
    open_id, closed_id = _seed(app)
    console.demo_sign_in("secretary")
    console.page.click("a.menu-item:has-text('党建积分')")
    console.page.wait_for_selector("#meeting-table")
    assert console.page.locator(f"#meeting-table tr[data-meeting='{open_id}']").count() == 1
    console.shot("meetings")
    console.go(f"/console/meetings?period={_period(app, closed_id)}")
    assert console.page.locator("#meeting-table tr[data-status='closed']").count() == 11
    console.go(f"/console/meetings/{open_id}")
    console.page.wait_for_selector("#attendance-table")
    console.shot("meeting-attendance")
    console.go(f"/console/meetings/{open_id}/code")
    digits = console.page.locator("[data-code]")
    first = digits.get_attribute("data-code")
    assert re.fullmatch(r"\d{6}", first)
    # the fragment is fetched again by htmx: the element is replaced within a few seconds
    handle = console.page.locator("#signin-code [data-code]").element_handle()
    console.page.wait_for_function("el => !el.isConnected", arg=handle, timeout=12000)
    console.shot("meeting-code", full=False)
    console.go("/console/rulebook")
    console.page.wait_for_selector("#rule-table tr[data-rule='MEET']")
    console.shot("rulebook")
    console.no_problems()
