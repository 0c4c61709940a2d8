"""The API's input rules on the console's filters, search and forms (issue 9): bad input is
answered in Chinese, never with a 500."""

from __future__ import annotations

import re
from urllib.parse import quote

from models import db
from tests.console.sign_in import client_sign_in

ZONGCAI = "综采一队党支部"


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
