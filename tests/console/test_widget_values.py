"""Issue 27 item 14, the server's side: what our own pickers post (YYYY-MM, YYYY-MM-DD,
"YYYY-MM-DD HH:MM" with a space) is read as the native inputs' values were (China time), and
garbage in the same fields is a 422 in Chinese, never a 500."""

from __future__ import annotations

from typing import Any

from clock import local
from models import Campaign, CareEvent, Pairing, Talk, db
from tests.console.sign_in import client_sign_in

ZONGCAI = "综采一队党支部"
CAMPAIGN_FORM = {
    "title": "2027年度“六大员”评选（控件）",
    "categories": ["safety"],
    "per_candidate_per_day": "1",
    "per_category_per_day": "3",
    "weight_votes": "0.5",
    "weight_points": "0.5",
}


def _console(app, openid: str):
    client = app.test_client()
    token = client_sign_in(client, openid)

    def post(path: str, data: dict[str, Any]):
        return client.post(path, data={"csrf_token": token, **data}, headers={"HX-Request": "true"})

    return client, post


def test_a_date_time_as_the_picker_posts_it_is_china_time(app, demo):
    _, post = _console(app, "committee")
    ok = post(
        "/console/campaigns",
        {**CAMPAIGN_FORM, "starts_at": "2027-09-01 08:00", "ends_at": "2027-09-15 20:30"},
    )
    assert ok.status_code < 400, ok.get_data(as_text=True)
    with app.app_context():
        c = db.session.scalar(db.select(Campaign).where(Campaign.title == CAMPAIGN_FORM["title"]))
        assert local(c.starts_at).strftime("%Y-%m-%d %H:%M") == "2027-09-01 08:00"
        assert local(c.ends_at).strftime("%Y-%m-%d %H:%M") == "2027-09-15 20:30"
    for junk in ("明天早上", "2027-13-01 08:00", "2027-09-01 25:00", "９月１日"):
        bad = post(
            "/console/campaigns",
            {
                **CAMPAIGN_FORM,
                "title": "另一个评选",
                "starts_at": junk,
                "ends_at": "2027-09-15 20:30",
            },
        )
        assert bad.status_code == 422, (junk, bad.status_code)
        text = bad.get_data(as_text=True)
        assert any("\u4e00" <= ch <= "\u9fff" for ch in text), text


def test_a_date_and_a_month_as_the_pickers_post_them(app, demo):
    client, post = _console(app, "secretary")
    branch = demo["branches"][ZONGCAI]
    base = f"/console/branches/{branch}"
    employee = demo["people"]["D0007"]
    ok = post(
        f"{base}/duties", {"employee_id": employee, "kind": "injured", "occurred_on": "2026-11-28"}
    )
    assert ok.status_code < 400, ok.get_data(as_text=True)
    with app.app_context():
        days = db.session.scalars(
            db.select(CareEvent.occurred_on).where(CareEvent.employee_id == employee)
        ).all()
        assert "2026-11-28" in [d.isoformat() for d in days]
    for junk in ("2026-02-30", "28/11/2026", "昨天"):
        bad = post(
            f"{base}/duties", {"employee_id": employee, "kind": "injured", "occurred_on": junk}
        )
        assert bad.status_code == 422, (junk, bad.status_code)
    assert client.get(f"{base}/wishes?month=2026-11").status_code == 200
    assert client.get(f"{base}/talks?month=").status_code == 200  # the picker left empty
    bad = client.get(f"{base}/wishes?month=2026-13")
    assert bad.status_code == 422 and "月份" in bad.get_data(as_text=True)


def test_a_talk_time_as_the_picker_posts_it(app, demo):
    _, post = _console(app, "secretary")
    branch = demo["branches"][ZONGCAI]
    with app.app_context():
        pairing = db.session.scalar(
            db.select(Pairing.id).where(Pairing.branch_id == branch, Pairing.active.is_(True))
        )
    form = {"pairing": str(pairing), "mode": "face_to_face", "topics": "家庭情况与安全生产"}
    bad = post(f"/console/branches/{branch}/talks", {**form, "talked_at": "下午三点"})
    assert bad.status_code == 422
    assert "请填写正确的谈心时间" in bad.get_data(as_text=True)
    ok = post(f"/console/branches/{branch}/talks", {**form, "talked_at": "2026-12-01 09:30"})
    assert ok.status_code < 400, ok.get_data(as_text=True)
    with app.app_context():
        talk = db.session.scalar(db.select(Talk).order_by(Talk.id.desc()).limit(1))
        assert local(talk.talked_at).strftime("%Y-%m-%d %H:%M") == "2026-12-01 09:30"
