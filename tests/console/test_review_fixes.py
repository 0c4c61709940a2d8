"""Review findings on the console (issue 13, issue 9): chart data cannot break out of its
script element, phones are masked as the API masks them, search and filter input follows the
API's rules, state-changing posts retry like the API, downloads name their files the RFC 6266
way."""

from __future__ import annotations

import json
import re
from urllib.parse import quote, unquote

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
    from tests.console.sign_in import bearer

    with app.app_context():
        wish = db.session.scalar(db.select(Wish).where(Wish.status == "pending_review"))
        wish_id, branch_id, phone = wish.id, wish.branch_id, wish.wisher.phone
    secretary = app.test_client()
    client_sign_in(secretary, "secretary")
    html = secretary.get(f"/console/branches/{branch_id}/wishes/{wish_id}").get_data(as_text=True)
    api = app.test_client().get(f"/api/v1/wishes/{wish_id}", headers=bearer(app, "secretary"))
    assert api.get_json()["wisher"]["phone"] == phone
    assert phone in html


# --- issue 9: the API's input rules on the console's filters and forms -----------------------

NASTY = [
    "\x00",
    "a\x00b",
    "\x0b",
    "\ud800",
    "\ufffe",
    str(2**31),
    str(2**63),
    "-" + str(2**63),
    "9" * 5000,
    "9999-12",
    "0000-00",
    "２０２６-１１",
    "２０２６",
    "9999-12-31T23:59",
    "0001-01-01T00:00",
    "%",
    "_",
    "\\",
    "x" * 300,
]
CJK = re.compile(r"[\u4e00-\u9fff]")


def _q(**params: str) -> str:
    """A query string with any value, lone surrogates included (as their UTF-8 bytes)."""
    return "&".join(
        f"{k}={quote(v.encode('utf-8', 'surrogatepass'), safe='')}" for k, v in params.items()
    )


def _chinese_answer(r, what: str) -> None:
    body = r.get_data(as_text=True)
    assert r.status_code < 500, (what, r.status_code, body[:300])
    # A refusal says why in Chinese; a page is in Chinese (a picker's <option> list may be empty).
    assert CJK.search(body) or (r.status_code == 200 and not body.strip()), (what, body[:300])


def test_console_filters_follow_the_api_rules(app, demo):
    """Issue 9: NUL, control characters, lone surrogates, huge ids, far or full-width months in
    any GET filter: never a 500, always a Chinese page or message."""
    with app.app_context():
        from models import Campaign

        campaign = db.session.scalar(db.select(Campaign).where(Campaign.status == "open")).id
    own = demo["branches"][ZONGCAI]
    committee = app.test_client()
    client_sign_in(committee, "committee")
    pages = {
        "/console/roster": ("q", "branch_id", "status", "page", "page_size"),
        "/console/audit": ("q", "section", "talk_id"),
        "/console/campaigns": ("q", "status", "sort", "order"),
        f"/console/campaigns/{campaign}/party-members": ("q", "employee_no"),
        f"/console/campaigns/{campaign}": ("employee_no", "candidate_id", "hours"),
        f"/console/branches/{own}/": ("month",),
        f"/console/branches/{own}/wishes": ("q", "month", "status", "category"),
        f"/console/branches/{own}/pairings": ("q", "uq", "rv"),
        f"/console/branches/{own}/talks": ("month", "member_id", "mode"),
        f"/console/branches/{own}/points": ("q", "period", "rs"),
        "/console/mine": ("month", "year"),
        "/console/photos": ("status",),
    }
    for path, names in pages.items():
        for name in names:
            for value in NASTY:
                r = committee.get(f"{path}?{_q(**{name: value})}")
                _chinese_answer(r, f"{path}?{name}={value[:20]!r}")
    # The API's answer to a NUL in a filter is a 422; so is the console's.
    r = committee.get("/console/roster?" + _q(q="a\x00b"))
    assert r.status_code == 422 and "不允许" in r.get_data(as_text=True)
    for path in ("wishes", "talks", "", "talks/export.xlsx"):
        for month in ("２０２６-１１", "9999-12", "2026-13"):
            r = committee.get(f"/console/branches/{own}/{path}?{_q(month=month)}")
            assert r.status_code == 422 and "YYYY-MM" in r.get_data(as_text=True), (path, month)
    for path in ("points", "points/export.xlsx"):
        for period in ("２０２６", "9999", "2026-Q5"):
            r = committee.get(f"/console/branches/{own}/{path}?{_q(period=period)}")
            assert r.status_code == 422 and "YYYY" in r.get_data(as_text=True), (path, period)


def test_console_search_treats_like_wildcards_as_text(app, demo):
    """Issue 9: `%`, `_` and `\\` in a search match themselves (the API's autoescape), not
    everyone."""
    committee = app.test_client()
    client_sign_in(committee, "committee")
    everyone = committee.get("/console/roster?page_size=100").get_data(as_text=True)
    assert "D0003" in everyone
    for q in ("%", "_", "\\", "%%", "D000_", "\\%"):
        html = committee.get(f"/console/roster?{_q(q=q)}").get_data(as_text=True)
        assert "D0003" not in html, q
    assert "D0003" in committee.get("/console/roster?q=D0003").get_data(as_text=True)
    own = demo["branches"][ZONGCAI]
    secretary = app.test_client()
    client_sign_in(secretary, "secretary")
    d0003 = demo["people"]["D0003"]
    html = secretary.get(f"/console/branches/{own}/points?q=D0003").get_data(as_text=True)
    assert f'<tr data-person="{d0003}">' in html
    html = secretary.get(f"/console/branches/{own}/points?q=%25").get_data(as_text=True)
    assert f'<tr data-person="{d0003}">' not in html
    html = secretary.get(f"/console/branches/{own}/pairings?q=D0003").get_data(as_text=True)
    assert f'<tr data-member="{d0003}">' in html
    html = secretary.get(f"/console/branches/{own}/pairings?q=%25").get_data(as_text=True)
    assert f'<tr data-member="{d0003}">' not in html


def test_console_forms_follow_the_api_rules(app, demo):
    """Issue 9: nasty values posted to the console's forms: never a 500, a Chinese message."""
    own = demo["branches"][ZONGCAI]
    committee = app.test_client()
    token = client_sign_in(committee, "committee")
    forms = {
        "/console/campaigns": {
            "title": "评选",
            "starts_at": "2026-12-01T08:00",
            "ends_at": "2026-12-10T08:00",
            "categories": "safety",
            "per_candidate_per_day": "1",
            "per_category_per_day": "3",
            "weight_votes": "100",
            "weight_points": "0",
        },
        f"/console/branches/{own}/points": {"employee_no": "D0003", "delta": "2", "reason": "好"},
        f"/console/branches/{own}/pairings": {"member_id": "1", "employee_id": "2"},
        "/console/roster/grants": {"employee_no": "D0003", "role": "secretary", "branch": "x"},
    }
    headers = {"X-CSRFToken": token, "HX-Request": "true"}
    for path, base in forms.items():
        for name in base:
            for value in NASTY:
                body = _q(**{**base, name: value})
                r = committee.post(
                    path,
                    data=body.encode(),
                    content_type="application/x-www-form-urlencoded",
                    headers=headers,
                )
                _chinese_answer(r, f"{path} {name}={value[:20]!r}")
    body = _q(**{**forms["/console/campaigns"], "starts_at": "0001-01-01T00:00"})
    r = committee.post(
        "/console/campaigns",
        data=body.encode(),
        content_type="application/x-www-form-urlencoded",
        headers=headers,
    )
    assert r.status_code == 422 and "2000-01-01" in r.get_data(as_text=True)


# --- issue 9: one retrying unit of work per console request, as in the API -------------------


def test_every_console_view_runs_in_the_retrying_unit_of_work(app):
    """Issue 9: every console page and action is wrapped like every API view."""
    console_views = {e: v for e, v in app.view_functions.items() if e.startswith("console.")}
    assert len(console_views) > 30
    unwrapped = [
        e
        for e, v in console_views.items()
        if e != "console.static" and not getattr(v, "retrying", False)
    ]
    assert unwrapped == []


def test_a_console_action_that_loses_a_conflict_is_retried(app, demo):
    """Issue 9: when the database picks a console post as a conflict's loser (here: the first
    INSERT of the request fails as a lost lock would), the post runs again and succeeds once —
    no 503, no double write."""
    from sqlalchemy import event
    from sqlalchemy.exc import OperationalError

    from models import PointsRequest

    own = demo["branches"][ZONGCAI]
    secretary = app.test_client()
    token = client_sign_in(secretary, "secretary")
    with app.app_context():
        engine = db.engine
        before = db.session.scalar(db.select(db.func.count()).select_from(PointsRequest))
    lost: list[str] = []

    def lose_once(conn, cursor, statement, parameters, context, executemany):
        if not lost and statement.lstrip().upper().startswith("INSERT INTO POINTS_REQUESTS"):
            lost.append(statement)
            raise OperationalError(statement, parameters, Exception("database is locked"))

    event.listen(engine, "before_cursor_execute", lose_once)
    try:
        r = secretary.post(
            f"/console/branches/{own}/points",
            data={"employee_no": "D0003", "delta": "3", "reason": "冲突后重试"},
            headers={"X-CSRFToken": token, "HX-Request": "true"},
        )
    finally:
        event.remove(engine, "before_cursor_execute", lose_once)
    assert len(lost) == 1
    assert r.status_code == 200, r.get_data(as_text=True)
    with app.app_context():
        rows = db.session.scalars(
            db.select(PointsRequest).where(PointsRequest.reason == "冲突后重试")
        ).all()
        after = db.session.scalar(db.select(db.func.count()).select_from(PointsRequest))
    assert len(rows) == 1 and after == before + 1


# --- issue 13: downloads named the RFC 6266 way, one helper for the API and the console -------


def _disposition(r) -> tuple[str, str]:
    assert r.status_code == 200, r.get_data(as_text=True)[:300]
    header = r.headers["Content-Disposition"]
    header.encode("ascii")  # a header value every server can send
    plain = re.search(r'filename="([^"]*)"', header).group(1)
    exact = re.search(r"filename\*=UTF-8''(\S+)$", header).group(1)
    return plain, unquote(exact)


def test_console_downloads_carry_chinese_filenames_like_the_api(app, demo):
    """Issue 13: the roster template downloads as 花名册模板.xlsx from the console exactly as
    from the API; the ledgers are named after the branch, with an ASCII fallback."""
    from tests.console.sign_in import bearer

    committee = app.test_client()
    client_sign_in(committee, "committee")
    console_template = committee.get("/console/roster/template.xlsx")
    assert _disposition(console_template) == ("roster-template.xlsx", "花名册模板.xlsx")
    api_template = app.test_client().get(
        "/api/v1/admin/roster/template.xlsx", headers=bearer(app, "committee")
    )
    assert (
        api_template.headers["Content-Disposition"]
        == console_template.headers["Content-Disposition"]
    )
    assert console_template.headers["Cache-Control"] == "no-store"
    own = demo["branches"][ZONGCAI]
    secretary = app.test_client()
    client_sign_in(secretary, "secretary")
    plain, exact = _disposition(secretary.get(f"/console/branches/{own}/wishes/export.xlsx"))
    assert (plain, exact) == (f"wishes-{own}.xlsx", f"{ZONGCAI}心愿台账.xlsx")
    plain, exact = _disposition(
        secretary.get(f"/console/branches/{own}/talks/export.xlsx?month=2026-11")
    )
    assert (plain, exact) == (f"talks-{own}-2026-11.xlsx", f"{ZONGCAI}谈心台账-2026-11.xlsx")
    plain, exact = _disposition(secretary.get(f"/console/branches/{own}/points/export.xlsx"))
    assert plain.startswith(f"points-{own}-") and exact.startswith(f"{ZONGCAI}积分-")


# --- issue 13: console login tickets are an accounts concern; jobs sit below the app ----------


def _imports(path) -> set[str]:
    import ast

    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found.update(f"{node.module}.{a.name}" for a in node.names)
    return found


def test_login_tickets_live_in_accounts_and_jobs_import_no_app():
    """Issue 13: the tickets are accounts.console_tickets (console/tickets.py is gone), the API
    and the console both use it; nothing under jobs/ imports app or miniapp_api."""
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    assert not (root / "console" / "tickets.py").exists()
    assert "accounts.console_tickets" in _imports(root / "miniapp_api" / "console_logins.py")
    for path in (root / "accounts").glob("*.py"):
        assert not {m for m in _imports(path) if m.split(".")[0] == "console"}, path
    for path in (root / "jobs").rglob("*.py"):
        bad = {m for m in _imports(path) if m.split(".")[0] in ("app", "miniapp_api", "console")}
        assert not bad, (path, bad)
