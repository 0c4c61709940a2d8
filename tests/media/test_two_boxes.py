"""Two app boxes, each with its own UPLOAD_DIR, sharing the database, Redis and one S3-compatible
store (moto's S3 server): a photo uploaded through one box is served by the other — to people,
and to WeChat's image check, which fetches it from PUBLIC_BASE_URL whichever box that reaches.
With local disks (the embedded default) the other box has no such file: that is why a
deployment of more than one box needs STORAGE_BACKEND=s3."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
import requests

from models import Upload, db
from tests.support.images import image_bytes
from tests.support.jobs import run_worker
from tests.support.live_server import LiveServer
from tests.support.s3_server import S3Server
from tests.support.wechat import PUSH_TOKEN, wechat_config


def _box_config(base_config, tmp_path, name: str, storage: dict) -> dict:
    return dict(base_config, UPLOAD_DIR=str(tmp_path / name / "uploads"), **storage)


def _files_under(folder: str) -> list[str]:
    return [f for _root, _dirs, files in os.walk(folder) for f in files]


@pytest.fixture
def shared_store(s3_server: S3Server) -> dict:
    return s3_server.config(s3_server.new_bucket())


@pytest.fixture
def two_boxes(app, base_config, tmp_path, shared_store) -> Iterator[tuple]:
    """Box A and box B (demo mode), both served over HTTP on loopback."""
    from app import create_app

    servers = []
    for name in ("a", "b"):
        box = create_app(_box_config(base_config, tmp_path, name, shared_store))
        servers.append(LiveServer().start(box))
    yield tuple(servers)
    for server in servers:
        server.stop()


def test_a_photo_uploaded_through_one_box_is_served_by_the_other(
    two_boxes, world, wish_scene, new_wish
):
    a, b = two_boxes
    s = wish_scene(members=2)
    claimer = s.members[0]
    original = image_bytes("JPEG", (400, 300), gps=True)
    r = requests.post(
        f"{a.url}/api/v1/uploads",
        files={"file": ("x.jpg", original, "image/jpeg")},
        headers=s.h(claimer),
        timeout=10,
    )
    assert r.status_code == 201, r.text
    photo_id, signed = r.json()["id"], r.json()["url"]
    from_a = requests.get(a.url + signed, timeout=10)
    from_b = requests.get(b.url + signed, timeout=10)
    assert from_a.status_code == from_b.status_code == 200
    assert from_b.content == from_a.content and b"TestPhone" not in from_b.content
    assert from_b.headers["Content-Type"] == "image/jpeg"
    # With a bearer token too, and the access checks are B's own: a stranger still gets 404.
    plain = f"/api/v1/uploads/{photo_id}/content"
    assert requests.get(b.url + plain, headers=s.h(claimer), timeout=10).status_code == 200
    other = requests.get(b.url + plain, headers=s.h(s.members[1]), timeout=10)
    assert other.status_code == 404
    # Once it proves a public wish, B serves it to members of the mine.
    client_a = a.app.test_client()
    wish_id = new_wish(s, via=client_a)
    assert client_a.post(f"/api/v1/wishes/{wish_id}/claim", headers=s.h(claimer)).status_code == 200
    r = client_a.post(
        f"/api/v1/wishes/{wish_id}/fulfil",
        json={"note": "送到了", "photo_ids": [photo_id]},
        headers=s.h(claimer),
    )
    assert r.status_code == 200, r.json
    assert requests.get(b.url + plain, headers=s.h(s.members[1]), timeout=10).status_code == 200
    # Neither box kept a file of its own.
    for box in (a, b):
        assert _files_under(box.app.config["UPLOAD_DIR"]) == []


def test_a_candidate_photo_uploaded_through_one_box_is_served_by_the_other(
    two_boxes, world, new_campaign
):
    a, b = two_boxes
    setup = new_campaign(open_it=False, via=a.app.test_client())
    s0 = setup.candidates["safety"][0]
    r = requests.post(
        f"{a.url}/api/v1/admin/campaigns/{setup.campaign_id}/candidates/{s0}/photo",
        files={"file": ("a.jpg", image_bytes("JPEG", (60, 80)), "image/jpeg")},
        headers=setup.committee_headers,
        timeout=10,
    )
    assert r.status_code == 200, r.text
    photo_url = r.json()["photo_url"]
    from_a = requests.get(a.url + photo_url, timeout=10)
    from_b = requests.get(b.url + photo_url, timeout=10)
    assert from_a.status_code == from_b.status_code == 200 and from_a.content == from_b.content
    # Both boxes give the same validators, so a cached copy stays good whichever answers.
    assert from_a.headers["ETag"] == from_b.headers["ETag"]
    assert from_a.headers["Last-Modified"] == from_b.headers["Last-Modified"]
    again = requests.get(
        b.url + photo_url, headers={"If-None-Match": from_a.headers["ETag"]}, timeout=10
    )
    assert again.status_code == 304


@pytest.mark.parametrize("storage", ["s3", "local"])
def test_wechat_fetches_the_photo_from_the_other_box(
    storage, app, base_config, tmp_path, fake_wechat, world, request, wish_scene, upload_wish_photo
):
    """Box A takes the upload and sends the check; WeChat fetches the link under
    PUBLIC_BASE_URL, which the load balancer sends to box B. With S3 B serves it and the verdict
    publishes it; with local disks B has no file, WeChat cannot download it, and the photo
    waits for a secretary."""
    from app import create_app

    if storage == "s3":
        shared = request.getfixturevalue("shared_store")
    else:
        shared = {"STORAGE_BACKEND": "local"}
    b_server = LiveServer()
    config = {"PUBLIC_BASE_URL": b_server.url, **shared}
    box_a = create_app(wechat_config(_box_config(base_config, tmp_path, "a", config), fake_wechat))
    box_b = create_app(wechat_config(_box_config(base_config, tmp_path, "b", config), fake_wechat))
    b_server.start(box_b)
    try:
        fake_wechat.configure_push(f"{b_server.url}/api/v1/wechat/push", PUSH_TOKEN)
        s = wish_scene()
        r = upload_wish_photo(s, s.wisher, image_bytes("JPEG", (120, 90)), via=box_a.test_client())
        assert r.status_code == 201 and r.json["check"] == "checking", r.json
        run_worker(box_a)
        [(_trace, status)] = fake_wechat.deliver_media_checks()
        assert status == 200
        with box_a.app_context():
            verdict = db.session.get(Upload, r.json["id"]).check_status
        assert verdict == ("pass" if storage == "s3" else "review")
    finally:
        b_server.stop()


def test_the_upload_folder_is_not_read_with_s3(two_boxes, world, wish_scene):
    """A file left in a box's UPLOAD_DIR (from before the move to S3) is not what is served:
    the store is the only source."""
    a, b = two_boxes
    s = wish_scene()
    r = requests.post(
        f"{a.url}/api/v1/uploads",
        files={"file": ("x.png", image_bytes(), "image/png")},
        headers=s.h(s.wisher),
        timeout=10,
    )
    assert r.status_code == 201
    with a.app.app_context():
        key = db.session.get(Upload, r.json()["id"]).storage_key
    path = os.path.join(b.app.config["UPLOAD_DIR"], key)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(b"stale")
    got = requests.get(b.url + r.json()["url"], timeout=10)
    assert got.status_code == 200 and got.content != b"stale"
    assert got.content.startswith(b"\x89PNG")


def test_a_roster_preview_on_one_box_is_confirmed_on_the_other(two_boxes):
    """The console's roster file kept by the preview (box A) is found by the confirmation,
    which the load balancer may send to box B."""
    from console import roster_files

    a, b = two_boxes
    with a.app.app_context():
        kept = roster_files.keep("工号,姓名\nD0001,韩立新\n".encode(), "a.csv", "sess", 1)
    with b.app.app_context():
        found = roster_files.load(kept.id, "sess", 1, kept.sha256)
        assert found.data == "工号,姓名\nD0001,韩立新\n".encode()
        roster_files.drop(kept.id)
    for box in (a, b):
        assert _files_under(box.app.config["UPLOAD_DIR"]) == []
