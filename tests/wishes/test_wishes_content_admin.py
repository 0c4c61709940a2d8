"""Content checks (fake WeChat and demo mode), and the secretary/committee lists, monthly counts
and the .xlsx export."""

from __future__ import annotations

import io
import time
from datetime import datetime

from openpyxl import load_workbook

from clock import SHANGHAI
from models import Wish, db

CHECK = "/wxa/msg_sec_check"


def test_wechat_content_check_pass_review_risky(
    wechat_app, world, fake_wechat, new_scene, pending_wish
):
    client = wechat_app.test_client()
    s = new_scene()
    ok = pending_wish(s, content="想给孩子买个书包", via=client)
    flagged = pending_wish(s, content="这条内容待审一下", via=client)
    r = client.post(
        "/api/v1/wishes",
        json={"title": "标题", "content": "这是违规内容", "category": "life"},
        headers=s.h(s.wisher),
    )
    assert r.status_code == 422 and r.json["reason"] == "content_risky"
    assert r.json["message"] == "内容含有不适宜发布的信息，请修改后再提交"
    with wechat_app.app_context():
        assert db.session.get(Wish, ok).content_check == "pass"
        assert db.session.get(Wish, flagged).content_check == "review"
        assert db.session.scalar(db.select(db.func.count()).select_from(Wish)) == 2
    calls = fake_wechat.calls_to(CHECK)
    assert len(calls) == 3
    body = calls[0][2]
    assert body["version"] == 2 and body["openid"] and "书包" in body["content"]
    # The secretary sees the flag; the pool never shows a wish before review.
    d = client.get(f"/api/v1/wishes/{flagged}", headers=s.h(s.secretary)).json
    assert d["content_check"] == "review" and d["status"] == "pending_review"


def test_wechat_down_leaves_text_for_the_secretary_and_rechecks_on_approval(
    wechat_app, world, fake_wechat, new_scene, pending_wish
):
    client = wechat_app.test_client()
    s = new_scene()

    def slow(q, b):
        time.sleep(1.5)
        return 200, {"errcode": 0}

    fake_wechat.script(CHECK, slow)
    wish_id = pending_wish(s, content="想给孩子买个书包", via=client)
    with wechat_app.app_context():
        assert db.session.get(Wish, wish_id).content_check == "unchecked"
    # WeChat is back and now finds it risky: approval is refused.
    fake_wechat.script(
        CHECK,
        lambda q, b: (200, {"errcode": 0, "result": {"suggest": "risky", "label": 20001}}),
    )
    r = client.post(
        f"/api/v1/wishes/{wish_id}/review", json={"approve": True}, headers=s.h(s.secretary)
    )
    assert r.status_code == 422 and r.json["reason"] == "content_risky"
    fake_wechat.script(CHECK, lambda q, b: (200, {"errcode": 0, "result": {"suggest": "pass"}}))
    r = client.post(
        f"/api/v1/wishes/{wish_id}/review", json={"approve": True}, headers=s.h(s.secretary)
    )
    assert r.status_code == 200 and r.json["content_check"] == "pass"


def test_demo_mode_local_check(client, world, new_scene, pending_wish):
    s = new_scene()
    r = client.post(
        "/api/v1/wishes",
        json={"title": "求助", "content": "有人组织赌博", "category": "other"},
        headers=s.h(s.wisher),
    )
    assert r.status_code == 422 and r.json["reason"] == "content_risky"
    wish_id = pending_wish(s, content="想申请小额贷款")
    d = client.get(f"/api/v1/wishes/{wish_id}", headers=s.h(s.secretary)).json
    assert d["content_check"] == "review"


def test_fulfil_note_is_checked_too(client, world, new_scene, new_wish):
    s = new_scene()
    wish_id = new_wish(s)
    member = s.members[0]
    client.post(f"/api/v1/wishes/{wish_id}/claim", headers=s.h(member))
    r = client.post(
        f"/api/v1/wishes/{wish_id}/fulfil",
        json={"note": "顺便推荐色情网站", "photo_ids": [1]},
        headers=s.h(member),
    )
    assert r.status_code == 422 and r.json["reason"] == "content_risky"


def _set_created(app, wish_id, at):
    with app.app_context():
        db.session.execute(db.update(Wish).where(Wish.id == wish_id).values(created_at=at))
        db.session.commit()


def test_admin_lists_and_monthly_counts_in_china_time(
    app, client, world, new_scene, new_wish, pending_wish
):
    s = new_scene()
    a = pending_wish(s, title="一月底")
    b = new_wish(s, title="二月初")
    # 2026-01-31 23:30 China time is still January; 16:30 UTC on Jan 31 is Feb 1 00:30 there.
    _set_created(app, a, datetime(2026, 1, 31, 23, 30, tzinfo=SHANGHAI))
    _set_created(app, b, datetime(2026, 2, 1, 0, 30, tzinfo=SHANGHAI))
    stats = client.get(
        f"/api/v1/admin/wishes/stats?year=2026&branch_id={s.branch.id}", headers=s.h(s.secretary)
    ).json
    assert len(stats) == 12
    jan, feb = stats[0], stats[1]
    assert (jan["month"], jan["posted"], jan["by_status"]["pending_review"]) == ("2026-01", 1, 1)
    assert (feb["month"], feb["posted"], feb["by_status"]["open"]) == ("2026-02", 1, 1)

    rows = client.get(
        "/api/v1/admin/wishes?status=open&month=2026-02", headers=s.h(s.committee)
    ).json
    assert [w["id"] for w in rows] == [b]
    r = client.get("/api/v1/admin/wishes?month=2026-13", headers=s.h(s.committee))
    assert r.status_code == 422
    r = client.get("/api/v1/admin/wishes", headers=s.h(s.members[0]))
    assert r.status_code == 403
    page = client.get("/api/v1/admin/wishes?page_size=1", headers=s.h(s.secretary))
    assert len(page.json) == 1 and "X-Pagination" in page.headers


def test_export_writes_user_text_as_text(app, client, world, new_scene, pending_wish):
    s = new_scene()
    evil = [
        '=HYPERLINK("http://x","点我")',
        "+86 139",
        "-1+2",
        "@SUM(A1)",
    ]
    for i, text in enumerate(evil):
        pending_wish(s, title=f"{text}"[:60], content=text + f" {i}")
    r = client.get("/api/v1/admin/wishes/export.xlsx", headers=s.h(s.secretary))
    assert r.status_code == 200
    assert r.mimetype.startswith("application/vnd.openxmlformats")
    wb = load_workbook(io.BytesIO(r.data))
    ws = wb["心愿台账"]
    header = [c.value for c in ws[1]]
    assert header[:3] == ["编号", "标题", "内容"]
    titles = {ws.cell(row=i, column=2).value: ws.cell(row=i, column=2) for i in range(2, 6)}
    assert set(titles) == set(evil)
    for cell in titles.values():
        assert cell.data_type == "s"  # a string, never a formula
        assert cell.quotePrefix is True
    assert ws.cell(row=2, column=9).value == "13912345678"  # the ledger has the phone
    history = wb["流转记录"]
    assert history.max_row == 1 + len(evil)
    # The raw XML holds no formula element at all.
    import zipfile

    with zipfile.ZipFile(io.BytesIO(r.data)) as z:
        xml = b"".join(z.read(n) for n in z.namelist() if n.startswith("xl/worksheets/"))
    assert b"<f>" not in xml and b"<f " not in xml


def test_export_is_for_managers_only(client, world, new_scene):
    s = new_scene()
    r = client.get("/api/v1/admin/wishes/export.xlsx", headers=s.h(s.members[0]))
    assert r.status_code == 403
