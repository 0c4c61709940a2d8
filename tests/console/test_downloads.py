"""The console's downloads name their files the RFC 6266 way, like the API (issue 9)."""

from __future__ import annotations

import re
from urllib.parse import unquote

from tests.console.sign_in import client_sign_in

ZONGCAI = "综采一队党支部"


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
