"""The member's photo on the placard: set by the person or their secretary through the media
pipeline (their own unused upload), never by another branch's secretary or a worker for someone
else; drawn contained in its box (never stretched), a labelled placeholder when missing or
withdrawn."""

from __future__ import annotations

import io

from PIL import Image

from media import owners
from models import Upload, Zone, db
from zones import placard


def _image(size: tuple[int, int], colour=(20, 90, 200)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, "PNG")
    return out.getvalue()


def _upload(client, headers, size=(300, 400), colour=(20, 90, 200)) -> int:
    r = client.post(
        "/api/v1/uploads",
        data={"file": (io.BytesIO(_image(size, colour)), "p.png")},
        headers=headers,
        content_type="multipart/form-data",
    )
    assert r.status_code == 201, r.json
    return r.json["id"]


def _render(app, zone_id: int) -> tuple[placard.Placard, Image.Image]:
    with app.app_context():
        card = placard.render(db.session.get(Zone, zone_id), app.config["ZONE_PLACARD_FONT"], None)
    return card, Image.open(io.BytesIO(card.png)).convert("RGB")


def test_the_placard_shows_the_members_photo_never_stretched(app, client, new_site, new_zone):
    site = new_site()
    zone = new_zone(site)
    card, _ = _render(app, zone["id"])
    assert card.photo_placeholder is True and card.boxes["photo"] == placard.PHOTO_BOX
    # The member sets their own photo: a wide one is contained, keeping its 2:1 proportions.
    photo = _upload(client, site.h(site.member), size=(400, 200))
    r = client.post(
        f"/api/v1/people/{site.member.id}/photo",
        json={"photo_id": photo},
        headers=site.h(site.member),
    )
    assert r.status_code == 200, r.json
    assert r.json["photo_id"] == photo and r.json["url"].startswith("/api/v1/uploads/")
    card, img = _render(app, zone["id"])
    assert card.photo_placeholder is False
    left, top, right, bottom = card.boxes["photo"]
    assert (right - left, bottom - top) == (180, 90)  # 400×200 into 180×240: not stretched
    b = placard.PHOTO_BOX
    assert b[0] <= left and right <= b[2] and b[1] <= top and bottom <= b[3]
    assert img.getpixel(((left + right) // 2, (top + bottom) // 2)) == (20, 90, 200)
    # The photo sits clear of the text.
    for name in ("place", "unit", "member", "phone"):
        t = card.boxes[name]
        assert t[2] <= left or t[3] <= top or t[1] >= bottom, name
    with app.app_context():
        up = db.session.get(Upload, photo)
        assert up.purpose == "portrait"
        assert owners.use_of(up).what == f"{site.member.name}的照片（责任区牌）"


def test_the_secretary_replaces_it_and_others_may_not(
    app, client, new_site, new_zone, upload_photo
):
    site = new_site()
    zone = new_zone(site)
    url = f"/api/v1/people/{site.member.id}/photo"
    photo = _upload(client, site.h(site.secretary), colour=(200, 30, 30))
    r = client.post(url, json={"photo_id": photo}, headers=site.h(site.secretary))
    assert r.status_code == 200, r.json
    card, img = _render(app, zone["id"])
    left, top, right, bottom = card.boxes["photo"]
    assert (right - left, bottom - top) == (180, 240)  # 3:4 fills the box exactly
    assert img.getpixel(((left + right) // 2, (top + bottom) // 2)) == (200, 30, 30)
    # Used already; someone else's upload; a worker for a member; another branch's secretary.
    r = client.post(url, json={"photo_id": photo}, headers=site.h(site.secretary))
    assert (r.status_code, r.json["reason"]) == (422, "photo_not_usable")
    theirs = upload_photo(site.h(site.member))
    r = client.post(url, json={"photo_id": theirs}, headers=site.h(site.secretary))
    assert (r.status_code, r.json["reason"]) == (422, "photo_not_usable")
    worker = site.workers[0]
    mine = upload_photo(site.h(worker))
    r = client.post(url, json={"photo_id": mine}, headers=site.h(worker))
    assert (r.status_code, r.json["reason"]) == (403, "not_photo_manager")
    other = new_site(mine=None)
    r = client.post(
        url,
        json={"photo_id": upload_photo(other.h(other.secretary))},
        headers=other.h(other.secretary),
    )
    assert r.status_code in (403, 404)
    # Withdrawn by WeChat's check: the placeholder again.
    with app.app_context():
        db.session.get(Upload, photo).check_status = "risky"
        db.session.commit()
    card, _ = _render(app, zone["id"])
    assert card.photo_placeholder is True
