"""Issue 13: console actions without a browser, checked through the API: editing a campaign,
grants and unbinding on 花名册, and refusals answered with the API's Chinese messages."""

from __future__ import annotations

from models import Campaign, db
from tests.console.conftest import bearer
from tests.console.test_signin import client_sign_in


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
