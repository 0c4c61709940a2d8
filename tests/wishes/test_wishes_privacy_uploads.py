"""Who sees the wisher (masking per role), and image uploads: type by content, size, truncation,
EXIF location stripped, served to those allowed."""

from __future__ import annotations

import io
from urllib.parse import parse_qs, urlparse

from PIL import Image

from media.storage import get_storage
from models import Upload, db
from tests.support.images import image_bytes


def test_masking_for_each_role(client, world, new_scene, new_wish):
    s = new_scene(members=2)
    claimer, other_member = s.members
    wish_id = new_wish(s)
    client.post(f"/api/v1/wishes/{wish_id}/claim", headers=s.h(claimer))
    masses = world.person(s.branch)
    other_secretary = world.secretary(world.branch())

    masked = {"id": None, "name": "张*", "phone": None, "unit": None}
    for viewer in (other_member, masses, s.outsider, other_secretary):
        d = client.get(f"/api/v1/wishes/{wish_id}", headers=s.h(viewer)).json
        assert d["wisher"] == masked, viewer.name
        assert "13912345678" not in str(d)
        assert d["history"] is None and d["claimer"]["phone"] is None
        listed = client.get("/api/v1/wishes?status=claimed", headers=s.h(viewer)).json
        assert listed[0]["wisher"] == masked and "13912345678" not in str(listed)

    for viewer in (claimer, s.secretary, s.committee, s.wisher):
        d = client.get(f"/api/v1/wishes/{wish_id}", headers=s.h(viewer)).json
        assert d["wisher"]["name"] == "张三丰" and d["wisher"]["phone"] == "13912345678", viewer
        assert d["history"] is not None

    # The admin list shows full identities to the secretary.
    rows = client.get(
        f"/api/v1/admin/wishes?branch_id={s.branch.id}", headers=s.h(s.secretary)
    ).json
    assert rows[0]["wisher"]["phone"] == "13912345678"
    r = client.get(f"/api/v1/admin/wishes?branch_id={s.branch.id}", headers=s.h(other_secretary))
    assert r.status_code == 403


def test_pending_and_rejected_wishes_are_not_public(client, world, new_scene, pending_wish):
    s = new_scene()
    wish_id = pending_wish(s)
    r = client.get(f"/api/v1/wishes/{wish_id}", headers=s.h(s.members[0]))
    assert r.status_code == 404
    r = client.get("/api/v1/wishes?status=pending_review", headers=s.h(s.members[0]))
    assert r.status_code == 422
    assert client.get(f"/api/v1/wishes/{wish_id}", headers=s.h(s.wisher)).status_code == 200
    mine = client.get("/api/v1/wishes/mine", headers=s.h(s.wisher)).json
    assert [w["id"] for w in mine] == [wish_id] and mine[0]["wisher"]["name"] == "张三丰"


def test_upload_accepts_each_type_by_content(client, world, new_scene, upload_wish_photo):
    s = new_scene()
    # WebP is stored as JPEG: WeChat's image check reads JPEG, PNG, BMP and GIF only.
    for fmt, mime in (("JPEG", "image/jpeg"), ("PNG", "image/png"), ("WEBP", "image/jpeg")):
        # The name lies; the content decides.
        r = upload_wish_photo(s, s.wisher, image_bytes(fmt), name="photo.gif")
        assert r.status_code == 201, r.json
        assert r.json["content_type"] == mime and r.json["url"]
        assert r.json["check"] == "pass"  # demo mode: the local check is the check


def test_upload_bad_inputs(client, world, app, new_scene, upload_wish_photo):
    s = new_scene()
    cases = [
        (b"GIF89a" + b"\0" * 100, 415, "unsupported_image_type"),
        (b"%PDF-1.4 not an image", 415, "unsupported_image_type"),
        (image_bytes("PNG", (400, 300))[:200], 422, "invalid_image"),  # truncated
        (image_bytes("JPEG", (400, 300))[:-300], 422, "invalid_image"),  # truncated
        (b"\xff\xd8\xff" + b"garbage" * 10, 422, "invalid_image"),  # magic only
    ]
    for data, status, reason in cases:
        r = upload_wish_photo(s, s.wisher, data, name="a.jpg")
        assert (r.status_code, r.json["reason"]) == (status, reason), (data[:12], r.json)
    big = b"\xff\xd8\xff" + b"\0" * (app.config["UPLOAD_MAX_BYTES"] + 10)
    r = upload_wish_photo(s, s.wisher, big, name="big.jpg")
    assert r.status_code == 413 and r.json["reason"] == "file_too_large"
    r = client.post(
        "/api/v1/uploads", data={}, headers=s.h(s.wisher), content_type="multipart/form-data"
    )
    assert r.status_code == 422
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(Upload)) == 0


def test_exif_location_is_stripped(client, world, app, new_scene, upload_wish_photo):
    s = new_scene()
    original = image_bytes("JPEG", (80, 40), gps=True)
    with Image.open(io.BytesIO(original)) as img:
        assert img.getexif().get_ifd(0x8825)  # the fixture really carries GPS
    r = upload_wish_photo(s, s.wisher, original, name="x.jpg")
    assert r.status_code == 201
    with app.app_context():
        u = db.session.get(Upload, r.json["id"])
        stored = get_storage().read(u.storage_key)
    with Image.open(io.BytesIO(stored)) as img:
        exif = img.getexif()
        assert not exif.get_ifd(0x8825) and 0x010F not in exif
        assert "exif" not in img.info
        assert img.size == (40, 80)  # the orientation tag was applied, then dropped
    assert b"TestPhone" not in stored


def test_photos_are_served_to_those_allowed(
    client, world, app, new_scene, new_wish, upload_wish_photo
):
    s = new_scene(members=2)
    claimer = s.members[0]
    r = upload_wish_photo(s, claimer)
    own_url = r.json["url"]
    photo = r.json["id"]
    # The signed link works without a token (an <image> tag cannot send one).
    got = client.get(own_url)
    assert got.status_code == 200 and got.mimetype == "image/png"
    # A tampered or expired link does not.
    q = parse_qs(urlparse(own_url).query)
    bad = f"/api/v1/uploads/{photo}/content?expires={q['expires'][0]}&sig={'0' * 32}"
    assert client.get(bad).status_code == 401
    assert client.get(bad, headers=s.h(s.members[1])).status_code == 404
    old = f"/api/v1/uploads/{photo}/content?expires=1000&sig={q['sig'][0]}"
    assert client.get(old, headers=s.h(s.members[1])).status_code == 404
    # The uploader may fetch it with a token; an unattached photo is nobody else's business.
    plain = f"/api/v1/uploads/{photo}/content"
    assert client.get(plain, headers=s.h(claimer)).status_code == 200
    assert client.get(plain, headers=s.h(s.members[1])).status_code == 404

    wish_id = new_wish(s)
    client.post(f"/api/v1/wishes/{wish_id}/claim", headers=s.h(claimer))
    client.post(
        f"/api/v1/wishes/{wish_id}/fulfil",
        json={"note": "送到了", "photo_ids": [photo]},
        headers=s.h(claimer),
    )
    # Once it proves a public wish, members of the mine see it; another mine does not.
    assert client.get(plain, headers=s.h(s.members[1])).status_code == 200
    stranger = world.member(world.branch(world.mine()))
    assert client.get(plain, headers=s.h(stranger)).status_code == 404
    detail = client.get(f"/api/v1/wishes/{wish_id}", headers=s.h(s.members[1])).json
    assert client.get(detail["photos"][0]["url"]).status_code == 200
