"""Issue 13: console actions without a browser, checked through the API: editing a campaign,
grants and unbinding on 花名册, and refusals answered with the API's Chinese messages."""

from __future__ import annotations

import re

from models import Campaign, db
from tests.console.sign_in import bearer, client_sign_in


def _post(client, token: str, path: str, data: dict):
    return client.post(path, data={"csrf_token": token, **data}, headers={"HX-Request": "true"})


def test_campaign_edit_follows_the_api_rules(app, demo):
    """Editing: a draft takes everything; once voting has started only title, description,
    end and tally visibility (the service's rule), with its Chinese refusal."""
    with app.app_context():
        live = db.session.scalar(db.select(Campaign).where(Campaign.status == "open"))
        draft = db.session.scalar(db.select(Campaign).where(Campaign.status == "draft"))
        live_id, draft_id = live.id, draft.id
        ends = live.ends_at.astimezone().strftime("%Y-%m-%dT%H:%M")
    client = app.test_client()
    token = client_sign_in(client, "committee")
    r = _post(
        client,
        token,
        f"/console/campaigns/{live_id}/edit",
        {"title": "2026年度“六大员”评选（延长）", "description": "延长一周", "ends_at": ends},
    )
    assert r.status_code == 200 and r.headers["HX-Refresh"] == "true"
    api = app.test_client().get(f"/api/v1/campaigns/{live_id}", headers=bearer(app, "member"))
    assert api.get_json()["title"] == "2026年度“六大员”评选（延长）"
    form = {
        "title": "草稿评选",
        "starts_at": "2027-09-01T08:00",
        "ends_at": "2027-08-01T08:00",
        "categories": ["safety", "reform", "publicity", "mediation", "discipline", "emergency"],
        "per_candidate_per_day": "1",
        "per_category_per_day": "2",
        "weight_votes": "0.6",
        "weight_points": "0.4",
    }
    bad = _post(client, token, f"/console/campaigns/{draft_id}/edit", form)
    assert bad.status_code == 422
    assert "结束时间必须晚于开始时间" in bad.get_data(as_text=True)
    form["ends_at"] = "2027-09-15T20:00"
    # The demo draft has candidates in every category: dropping one is the service's refusal.
    fewer = dict(form, categories=["safety", "emergency"])
    locked = _post(client, token, f"/console/campaigns/{draft_id}/edit", fewer)
    assert locked.status_code == 409 and "请先移除该类别的候选人" in locked.get_data(as_text=True)
    ok = _post(client, token, f"/console/campaigns/{draft_id}/edit", form)
    assert ok.status_code == 200, ok.get_data(as_text=True)
    admin = app.test_client().get(
        f"/api/v1/admin/campaigns/{draft_id}", headers=bearer(app, "committee")
    )
    body = admin.get_json()
    assert len(body["categories"]) == 6
    assert body["rules"]["per_category_per_day"] == 2
    assert body["weights"] == {"votes": 0.6, "points": 0.4}
    assert body["starts_at"].startswith("2027-09-01T00:00")  # 08:00 China time


def test_roster_grants_and_unbind(app, demo):
    """花名册: grant a secretary, revoke it, unbind an account; /me shows it through the API."""
    client = app.test_client()
    token = client_sign_in(client, "committee")
    r = _post(
        client,
        token,
        "/console/roster/grants",
        {"employee_no": "D0003", "role": "secretary", "branch": "综采一队党支部"},
    )
    assert r.status_code == 200, r.get_data(as_text=True)
    member = bearer(app, "member")
    me = app.test_client().get("/api/v1/me", headers=member).get_json()
    assert "secretary" in me["roles"]
    missing = _post(
        client, token, "/console/roster/grants", {"employee_no": "X9", "role": "committee"}
    )
    assert missing.status_code == 404 and missing.get_data(as_text=True) == "花名册中没有该工号"
    from models import RoleGrant

    with app.app_context():
        grant_id = db.session.scalar(
            db.select(RoleGrant.id).where(RoleGrant.person_id == demo["people"]["D0003"])
        )
    assert _post(client, token, f"/console/roster/grants/{grant_id}/revoke", {}).status_code == 200
    me = app.test_client().get("/api/v1/me", headers=member).get_json()
    assert "secretary" not in me["roles"]
    r = _post(client, token, f"/console/roster/people/{demo['people']['D0003']}/unbind", {})
    assert r.status_code == 200
    gone = app.test_client().get("/api/v1/me", headers=member)
    assert gone.status_code == 401 and gone.get_json()["reason"] == "token_revoked"
    audit = client.get("/console/audit?section=binds").get_data(as_text=True)
    assert "解绑" in audit and "宋红梅（D0003）" in audit


def test_refusals_carry_the_api_messages(app, demo):
    """Every action answers with the domain's Chinese message (and its reason), never a 500."""
    client = app.test_client()
    token = client_sign_in(client, "secretary")
    branch = demo["branches"]["综采一队党支部"]
    r = _post(
        client,
        token,
        f"/console/branches/{branch}/pairings",
        {"member_id": demo["people"]["D0003"], "employee_id": demo["people"]["D0007"]},
    )
    assert r.status_code == 409
    assert r.headers["X-Console-Reason"] == "employee_already_paired"
    assert r.get_data(as_text=True) == "该职工已与其他党员结对，请先解除原结对"
    r = _post(client, token, f"/console/branches/{branch}/pairings", {"member_id": "x"})
    assert r.status_code == 422 and "请选择" in r.get_data(as_text=True)
    r = _post(
        client,
        token,
        f"/console/branches/{branch}/points",
        {"employee_no": "D0006", "delta": "3", "reason": "帮助工友"},
    )
    assert r.status_code == 422 and r.headers["X-Console-Reason"] == "not_a_member"


def test_console_works_while_redis_is_down(base_config, app, demo):
    """With Redis unreachable the pages keep working; the campaign leaderboard is counted by
    the database."""
    from app import create_app
    from miniapp_api.extensions import limiter
    from models import Ballot
    from votes import live

    # A closed port on loopback: every Redis call fails at once.
    redisless = create_app(dict(base_config, REDIS_URL="redis://127.0.0.1:9/0"))
    try:
        with app.app_context():
            campaign_id = db.session.scalar(db.select(Campaign.id).where(Campaign.status == "open"))
            valid = db.session.scalar(
                db.select(db.func.count())
                .select_from(Ballot)
                .where(Ballot.campaign_id == campaign_id, Ballot.voided_at.is_(None))
            )
        client = redisless.test_client()
        client_sign_in(client, "committee")
        page = client.get(f"/console/campaigns/{campaign_id}")
        assert page.status_code == 200
        assert f"data-total-votes>{valid}<" in page.get_data(as_text=True)
        for path in ("/console/mine", "/console/campaigns", "/console/roster", "/console/audit"):
            assert client.get(path).status_code == 200, path
    finally:
        live.reset_circuit()
        limiter.init_app(app)  # the limiter is one per process: give it back the real Redis


def test_wishes_ledger_export(app, demo):
    """心愿审核: the filtered list downloads as the 台账 workbook (the API's export service)."""
    import io

    from openpyxl import load_workbook

    client = app.test_client()
    client_sign_in(client, "secretary")
    branch = demo["branches"]["综采一队党支部"]
    r = client.get(f"/console/branches/{branch}/wishes/export.xlsx?status=")
    assert r.status_code == 200 and r.data[:2] == b"PK"
    sheet = load_workbook(io.BytesIO(r.data)).worksheets[0]
    titles = {row[1] for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert {"宿舍暖气片漏水", "孩子的书包坏了"} <= titles
    other = demo["branches"]["机电队党支部"]
    assert client.get(f"/console/branches/{other}/wishes/export.xlsx").status_code == 404


def _upload_roster(client, token: str, data: bytes) -> dict[str, str]:
    """Upload a roster file; returns the preview's confirmation fields."""
    import io
    import re

    r = client.post(
        "/console/roster/preview",
        data={"csrf_token": token, "file": (io.BytesIO(data), "花名册.csv")},
        headers={"HX-Request": "true"},
        content_type="multipart/form-data",
    )
    assert r.status_code == 200, r.get_data(as_text=True)
    html = client.get(r.headers["HX-Redirect"]).get_data(as_text=True)
    fields = dict(
        re.findall(r'name="(file_id|sha256|digest|mark_missing_as_left)" value="([^"]*)"', html)
    )
    assert set(fields) == {"file_id", "sha256", "digest", "mark_missing_as_left"}, html
    return fields


def test_roster_confirm_writes_only_what_was_previewed(app, demo):
    """Issue 13 phase 2a (花名册): a confirmation is refused — and nothing written — when the
    kept file changed after its preview, when another session sends it, or when the roster
    changed in between (the preview's digest); the file never comes from the browser."""
    from media.storage import get_storage
    from tests.console.roster_files import NEW_PEOPLE, roster_csv

    zongcai = demo["branches"]["综采一队党支部"]
    client = app.test_client()
    token = client_sign_in(client, "committee")
    data = roster_csv({}, set(), NEW_PEOPLE[:1])
    fields = _upload_roster(client, token, data)
    kept = f"console-roster-files/{fields['file_id']}.bin"
    with app.app_context():  # swapped on the server (in the file store) after the preview
        get_storage().save(kept, roster_csv({}, set(), NEW_PEOPLE), "text/csv")
    r = _post(client, token, "/console/roster/import", fields)
    assert r.status_code == 409 and r.headers["X-Console-Reason"] == "roster_file_changed"

    fields = _upload_roster(client, token, data)
    other = app.test_client()
    other_token = client_sign_in(other, "committee")  # the same person, another browser
    r = _post(other, other_token, "/console/roster/import", fields)
    assert r.status_code == 409 and r.headers["X-Console-Reason"] == "roster_preview_expired"
    r = _post(client, token, "/console/roster/import", dict(fields, file_id="../../etc/passwd"))
    assert r.status_code == 409 and r.headers["X-Console-Reason"] == "roster_preview_expired"

    # The roster changes between the preview and the confirmation: the plan differs.
    from io import BytesIO

    api = app.test_client().post(
        "/api/v1/admin/roster",
        data={
            "file": (BytesIO(roster_csv({"D0006": {"手机号": "13900000006"}}, set(), [])), "a.csv")
        },
        headers=bearer(app, "committee"),
        content_type="multipart/form-data",
    )
    assert api.status_code == 200, api.get_json()
    r = _post(client, token, "/console/roster/import", fields)
    assert r.status_code == 409 and r.headers["X-Console-Reason"] == "roster_changed"
    people = app.test_client().get(
        f"/api/v1/branches/{zongcai}/people?q=D0101", headers=bearer(app, "committee")
    )
    assert people.get_json() == []  # none of the refused confirmations wrote anything

    fields = _upload_roster(client, token, data)
    r = _post(client, token, "/console/roster/import", fields)
    assert r.status_code == 200, r.get_data(as_text=True)
    people = app.test_client().get(
        f"/api/v1/branches/{zongcai}/people?q=D0101", headers=bearer(app, "committee")
    )
    assert [p["name"] for p in people.get_json()] == ["韩立新"]
    with app.app_context():
        assert not get_storage().exists(f"console-roster-files/{fields['file_id']}.bin")


def test_a_leaver_loses_the_console_session_on_the_next_request(app, demo):
    """Issue 13 phase 2a #7: a secretary marked as left (离职) is signed out of the console on
    their next request, page or action alike, and cannot sign in again."""
    secretary = app.test_client()
    token = client_sign_in(secretary, "secretary")
    branch = demo["branches"]["综采一队党支部"]
    assert secretary.get(f"/console/branches/{branch}/").status_code == 200
    committee = app.test_client()
    committee_token = client_sign_in(committee, "committee")
    r = _post(
        committee, committee_token, f"/console/roster/people/{demo['people']['D0002']}/leave", {}
    )
    assert r.status_code == 200, r.get_data(as_text=True)
    page = secretary.get(f"/console/branches/{branch}/")
    assert page.status_code == 302 and page.headers["Location"].endswith("/console/login")
    action = _post(secretary, token, f"/console/branches/{branch}/wishes/1/close", {"reason": "x"})
    assert action.status_code == 401 and action.headers["HX-Redirect"].endswith("/console/login")
    login = secretary.get("/console/login")
    fresh = re.search(r'"X-CSRFToken": "([^"]+)"', login.get_data(as_text=True)).group(1)
    again = secretary.post("/console/login/demo", data={"csrf_token": fresh, "openid": "secretary"})
    assert again.status_code == 403
    assert "只有支部书记和党委工作人员可以登录控制台" in again.get_data(as_text=True)


def test_campaign_quotas_notice_days_and_reminders(app, demo):
    """Issue 13 phase 2a (评选管理): 名额 per category, 公示天数 and 提醒未投票 on create, and on
    edit once voting has started (what the service still allows); the API shows them."""
    client = app.test_client()
    token = client_sign_in(client, "committee")
    form = {
        "title": "2027年度“六大员”评选",
        "starts_at": "2027-09-01T08:00",
        "ends_at": "2027-09-15T20:00",
        "categories": ["safety", "reform"],
        "per_candidate_per_day": "1",
        "per_category_per_day": "3",
        "weight_votes": "0.5",
        "weight_points": "0.5",
        "quota_safety": "3",
        "quota_reform": "2",
        "quota_emergency": "9",  # not one of its categories: ignored
        "notice_days": "7",
        "remind_non_voters": "on",
    }
    r = _post(client, token, "/console/campaigns", form)
    assert r.status_code == 200, r.get_data(as_text=True)
    new_id = int(r.headers["HX-Redirect"].rsplit("/", 1)[1])
    admin = bearer(app, "committee")
    body = app.test_client().get(f"/api/v1/admin/campaigns/{new_id}", headers=admin).get_json()
    assert body["quotas"] == {"safety": 3, "reform": 2}
    assert body["notice_days"] == 7 and body["rules"]["remind_non_voters"] is True
    bad = _post(client, token, "/console/campaigns", dict(form, quota_safety="0"))
    assert bad.status_code == 422 and "应在 1 到 100 之间" in bad.get_data(as_text=True)
    with app.app_context():
        live = db.session.scalar(db.select(Campaign).where(Campaign.status == "open"))
        live_id, ends = live.id, live.ends_at.astimezone().strftime("%Y-%m-%dT%H:%M")
    edit = {"title": "投票中的评选", "ends_at": ends, "notice_days": "3", "quota_safety": "2"}
    r = _post(client, token, f"/console/campaigns/{live_id}/edit", edit)
    assert r.status_code == 200, r.get_data(as_text=True)
    body = app.test_client().get(f"/api/v1/admin/campaigns/{live_id}", headers=admin).get_json()
    assert body["quotas"]["safety"] == 2 and body["notice_days"] == 3
    assert body["rules"]["remind_non_voters"] is False


def test_withdrawn_candidate_is_shown_as_withdrawn(app, demo):
    """Issue 13 phase 2a (评选管理): a candidate who left the mine is shown as withdrawn on the
    campaign page, is not on the leaderboard and cannot be voted for (the API agrees)."""
    with app.app_context():
        live = db.session.scalar(db.select(Campaign).where(Campaign.status == "open"))
        cid = live.id
        candidate = next(c for c in live.candidates if c.person.employee_no == "D0003")
        candidate_id = candidate.id
    r = app.test_client().post(
        f"/api/v1/admin/people/{demo['people']['D0003']}/leave", headers=bearer(app, "committee")
    )
    assert r.status_code == 200, r.get_json()
    client = app.test_client()
    client_sign_in(client, "committee")
    html = client.get(f"/console/campaigns/{cid}").get_data(as_text=True)
    row = html[html.index(f'data-candidate="{candidate_id}"') :]
    row = row[: row.index("</tr>")]
    assert "data-withdrawn" in row and "已退出（离职）" in row and "不再计票" in row
    board = client.get(f"/console/campaigns/{cid}/board").get_data(as_text=True)
    assert "宋红梅" not in board
    vote = app.test_client().post(
        f"/api/v1/campaigns/{cid}/votes",
        json={"candidate_id": candidate_id},
        headers=bearer(app, "miner"),
    )
    assert vote.status_code in (404, 409, 422), vote.get_json()
