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
    assert (plain, exact) == (f"wishes-{own}.xlsx", f"心愿台账-{ZONGCAI}.xlsx")
    plain, exact = _disposition(
        secretary.get(f"/console/branches/{own}/talks/export.xlsx?month=2026-11")
    )
    assert (plain, exact) == (f"talks-{own}-2026-11.xlsx", f"谈心台账-{ZONGCAI}-2026-11.xlsx")
    plain, exact = _disposition(secretary.get(f"/console/branches/{own}/points/export.xlsx"))
    assert plain.startswith(f"points-{own}-") and exact.startswith(f"积分台账-{ZONGCAI}-")


def test_the_api_and_the_console_name_each_export_alike(app, demo):
    """Issue 27 item 10: one naming rule (web.downloads.file_name): the same export downloaded
    from the API and from the console carries the same Content-Disposition."""
    from models import Campaign, db
    from tests.console.sign_in import bearer

    own = demo["branches"][ZONGCAI]
    with app.app_context():
        campaign_id = db.session.scalar(db.select(Campaign.id).order_by(Campaign.id))
    secretary, committee = app.test_client(), app.test_client()
    client_sign_in(secretary, "secretary")
    client_sign_in(committee, "committee")
    api = app.test_client()
    pairs = [
        (
            secretary,
            f"/console/branches/{own}/talks/export.xlsx?month=2026-11",
            f"/api/v1/branches/{own}/talks/export.xlsx?month=2026-11",
            "secretary",
        ),
        (
            secretary,
            f"/console/branches/{own}/wishes/export.xlsx?status=",
            f"/api/v1/admin/wishes/export.xlsx?branch_id={own}",
            "secretary",
        ),
        (
            secretary,
            f"/console/branches/{own}/points/export.xlsx?period=2026",
            f"/api/v1/admin/points/export.xlsx?branch_id={own}&period=2026",
            "secretary",
        ),
        (
            committee,
            f"/console/campaigns/{campaign_id}/export.xlsx",
            f"/api/v1/admin/campaigns/{campaign_id}/export.xlsx",
            "committee",
        ),
    ]
    for desk, desk_url, api_url, who in pairs:
        at_desk = desk.get(desk_url)
        from_api = api.get(api_url, headers=bearer(app, who))
        assert _disposition(at_desk) == _disposition(from_api), (desk_url, api_url)
