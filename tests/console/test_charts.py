"""The console's charts (issue 13, issue 9): their data cannot break out of its script
element, in the page and in the browser."""

from __future__ import annotations

import json
import re

from models import Branch, Person, db
from tests.console.sign_in import client_sign_in

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
