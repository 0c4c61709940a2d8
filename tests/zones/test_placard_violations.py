"""The placard (PNG with Chinese text, phone tail only, a code or its placeholder) and 三违
records (committee and recorder only)."""

from __future__ import annotations

import io
from datetime import timedelta

from PIL import Image

from models import Zone, db
from zones import placard


def _ink(img: Image.Image, box) -> int:
    """Dark pixels inside a box: text really drawn there."""
    crop = img.crop(box).convert("L")
    return sum(1 for v in crop.getdata() if v < 128)


def test_the_placard_renders_with_chinese_text_and_a_placeholder_code(
    app, client, new_site, new_zone
):
    site = new_site()
    zone = new_zone(site)
    r = client.get(f"/api/v1/zones/{zone['id']}/placard.png", headers=site.h(site.secretary))
    assert r.status_code == 200 and r.mimetype == "image/png"
    img = Image.open(io.BytesIO(r.data))
    assert img.size == (placard.WIDTH, placard.HEIGHT)
    with app.app_context():
        z = db.session.get(Zone, zone["id"])
        card = placard.render(z, app.config["ZONE_PLACARD_FONT"], None)
    assert card.code_placeholder is True
    rendered = Image.open(io.BytesIO(card.png))
    for name in ("title", "zone", "place", "unit", "member", "phone", "code", "scan"):
        left, top, right, bottom = card.boxes[name]
        assert 0 <= left < right <= placard.WIDTH and 0 <= top < bottom <= placard.HEIGHT, name
    # the text boxes do not overlap each other, and each holds ink (white on red for the title)
    names = ["zone", "place", "unit", "member", "phone", "code", "scan"]
    boxes = [card.boxes[n] for n in names]
    for i, a in enumerate(boxes):
        for b in boxes[i + 1 :]:
            assert a[3] <= b[1] or b[3] <= a[1], (a, b)
    for name in ("place", "member", "phone"):
        assert _ink(rendered, card.boxes[name]) > 50, name
    # the employee's phone tail is drawn, never the whole number (the row keeps it only)
    assert placard.phone_tail("13912345678") == "5678"


def test_the_placard_uses_the_wechat_code_when_there_is_one(app, new_site, new_zone):
    site = new_site()
    zone = new_zone(site)
    code = io.BytesIO()
    Image.new("RGB", (430, 430), "black").save(code, "PNG")
    with app.app_context():
        z = db.session.get(Zone, zone["id"])
        card = placard.render(z, app.config["ZONE_PLACARD_FONT"], code.getvalue())
    assert card.code_placeholder is False
    img = Image.open(io.BytesIO(card.png))
    left, top, right, bottom = card.boxes["code"]
    assert img.getpixel(((left + right) // 2, (top + bottom) // 2)) == (0, 0, 0)


def test_the_placard_of_an_ended_zone_is_409_and_a_missing_font_is_503(
    app, client, new_site, new_zone
):
    site = new_site()
    zone = new_zone(site)
    with app.app_context():
        z = db.session.get(Zone, zone["id"])
        try:
            placard.render(z, "/nonexistent/font.ttc", None)
        except placard.PlacardFontMissing as exc:
            assert exc.status == 503 and exc.reason == "placard_font_missing"
        else:
            raise AssertionError("a missing font must refuse")
        z.starts_on = z.starts_on - timedelta(days=10)
        z.ends_on = z.starts_on + timedelta(days=1)
        db.session.commit()
    r = client.get(f"/api/v1/zones/{zone['id']}/placard.png", headers=site.h(site.secretary))
    assert r.status_code == 409 and r.json["reason"] == "zone_ended"
    # a plain employee may not print placards
    r = client.get(f"/api/v1/zones/{zone['id']}/placard.png", headers=site.h(site.workers[0]))
    assert r.status_code == 403


def test_violations_are_seen_by_the_committee_and_the_recorder_only(
    client, world, new_site, new_zone
):
    site = new_site()
    zone = new_zone(site)
    body = {
        "zone_id": zone["id"],
        "offender_id": site.workers[0].id,
        "kind": "operation",
        "rule": "未执行敲帮问顶制度",
        "action_taken": "当场制止，停工学习规程",
    }
    r = client.post("/api/v1/violations", json=body, headers=site.h(site.member))
    assert r.status_code == 201, r.json
    vid = r.json["id"]
    assert r.json["offender_name"] == site.workers[0].name
    # a non-member cannot record; a bad kind is refused
    assert (
        client.post("/api/v1/violations", json=body, headers=site.h(site.workers[1])).status_code
        == 403
    )
    r = client.post(
        "/api/v1/violations", json={**body, "kind": "other"}, headers=site.h(site.member)
    )
    assert r.status_code == 422
    r = client.post(
        "/api/v1/violations",
        json={**body, "offender_id": None, "offender_name": "外包队 张某"},
        headers=site.h(site.member),
    )
    assert r.status_code == 201 and r.json["offender_id"] is None
    # the committee sees both; the recorder sees theirs; the offender, another member and the
    # branch secretary see none; another mine's committee sees nothing
    assert len(client.get("/api/v1/violations", headers=site.h(site.committee)).json) == 2
    assert len(client.get("/api/v1/violations", headers=site.h(site.member)).json) == 2
    for who in (site.workers[0], site.member2, site.secretary):
        assert client.get("/api/v1/violations", headers=site.h(who)).json == []
        assert client.get(f"/api/v1/violations/{vid}", headers=site.h(who)).status_code == 404
    far = new_site(world.mine())
    assert client.get(f"/api/v1/violations/{vid}", headers=far.h(far.committee)).status_code == 404


def test_the_placard_code_comes_from_wechat_when_configured(wechat_app, new_site, new_zone):
    site = new_site()
    zone = new_zone(site)
    with wechat_app.app_context():
        z = db.session.get(Zone, zone["id"])
        code = placard.zone_code(z, wechat_app.config["ZONE_PAGE"])
        assert code is not None
        card = placard.render(z, wechat_app.config["ZONE_PLACARD_FONT"], code)
    assert card.code_placeholder is False
