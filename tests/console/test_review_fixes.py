"""Review findings on the console (issue 13, issue 9): chart data cannot break out of its
script element, phones are masked as the API masks them, search and filter input follows the
API's rules, state-changing posts retry like the API, downloads name their files the RFC 6266
way."""

from __future__ import annotations

import json
import re

from models import Branch, Person, db
from tests.console.test_signin import client_sign_in

XSS = "</script><script>alert(1)</script>"
ZONGCAI = "综采一队党支部"
JSON_SCRIPT = re.compile(r'<script type="application/json" id="([^"]+)">(.*?)</script>', re.S)


def _rename(app, demo, employee_no: str | None = None, branch: str | None = None) -> None:
    with app.app_context():
        if employee_no:
            db.session.get(Person, demo["people"][employee_no]).name = XSS
        if branch:
            db.session.get(Branch, demo["branches"][branch]).name = XSS
        db.session.commit()


def _chart_data(html: str) -> dict[str, object]:
    """Every chart's JSON on a page, parsed; the page holds no closing tag from the data."""
    assert XSS not in html
    assert "<script>alert(1)" not in html
    return {m.group(1): json.loads(m.group(2)) for m in JSON_SCRIPT.finditer(html)}


def test_chart_data_with_a_script_tag_in_a_name_stays_data(app, demo):
    """Issue 13: a member or branch named `</script><script>…` is data inside the chart's JSON
    (escaped with |tojson), never markup; the chart still carries the name."""
    _rename(app, demo, employee_no="D0003", branch="机电队党支部")
    secretary = app.test_client()
    client_sign_in(secretary, "secretary")
    html = secretary.get(f"/console/branches/{demo['branches'][ZONGCAI]}/").get_data(as_text=True)
    charts = _chart_data(html)
    assert XSS in charts["chart-members-data"]["xAxis"]["data"]
    committee = app.test_client()
    client_sign_in(committee, "committee")
    html = committee.get("/console/mine").get_data(as_text=True)
    charts = _chart_data(html)
    assert XSS in charts["chart-branches-data"]["xAxis"]["data"]


def test_chart_with_a_script_tag_in_a_name_draws_in_the_browser(app, demo, console):
    """Issue 13: the page with such a name draws its charts and runs no script of the name."""
    _rename(app, demo, employee_no="D0003")
    dialogs: list[str] = []
    console.page.on("dialog", lambda d: dialogs.append(d.message))
    console.demo_sign_in("secretary")
    console.charts_drawn()
    assert console.page.locator("[data-chart-ready]").count() >= 2
    assert dialogs == []
    console.no_problems()


def test_roster_page_masks_phones_like_the_api(app, demo):
    """Issue 9: the API lists people without their phone and asks only for its last four digits,
    so 花名册 shows 138****0001 and a search by phone finds by those four digits only."""
    with app.app_context():
        person = db.session.get(Person, demo["people"]["D0003"])
        phone, employee_no = person.phone, person.employee_no
    assert len(phone) == 11
    committee = app.test_client()
    client_sign_in(committee, "committee")
    html = committee.get("/console/roster?page_size=100").get_data(as_text=True)
    assert phone not in html
    assert f"{phone[:3]}****{phone[-4:]}" in html
    found = committee.get(f"/console/roster?q={phone[-4:]}").get_data(as_text=True)
    assert employee_no in found and phone not in found
    probe = committee.get(f"/console/roster?q={phone[:7]}").get_data(as_text=True)
    assert employee_no not in probe


def test_wish_drawer_shows_phones_only_to_whom_the_api_does(app, demo):
    """Issue 9: the wish drawer shows the wisher's phone to the branch secretary, as the API's
    wish detail does (wishes.privacy), and the API agrees."""
    from models import Wish
    from tests.console.conftest import bearer

    with app.app_context():
        wish = db.session.scalar(db.select(Wish).where(Wish.status == "pending_review"))
        wish_id, branch_id, phone = wish.id, wish.branch_id, wish.wisher.phone
    secretary = app.test_client()
    client_sign_in(secretary, "secretary")
    html = secretary.get(f"/console/branches/{branch_id}/wishes/{wish_id}").get_data(as_text=True)
    api = app.test_client().get(f"/api/v1/wishes/{wish_id}", headers=bearer(app, "secretary"))
    assert api.get_json()["wisher"]["phone"] == phone
    assert phone in html
