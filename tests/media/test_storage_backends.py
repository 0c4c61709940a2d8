"""The storage interface on both backends — the local disk and an S3-compatible store (moto's
S3 server, over HTTP, through boto3) — and the app's photo paths on each: the same cleaning
before anything is stored, the same answers, deletion by the purge job, and a store that is down
answering 503 `storage_unavailable`, never 500."""

from __future__ import annotations

import io
import os
import time
from datetime import timedelta

import pytest
from PIL import Image

from media.errors import StorageUnavailable
from media.jobs import purge_orphan_uploads_job
from media.settings import settings
from media.storage import S3Storage, StorageError, get_storage
from models import Upload, db, utcnow
from tests.media.conftest import restore_storage, use_storage
from tests.support.images import image_bytes


def test_the_interface_on_each_backend(app, backend):
    with app.app_context():
        storage = get_storage()
        assert type(storage).__name__ == {"local": "LocalStorage", "s3": "S3Storage"}[backend.name]
        key = "2026/12/abc.jpg"
        assert not storage.exists(key) and storage.modified_at(key) is None
        with pytest.raises(StorageError):
            storage.read(key)
        before = time.time()
        storage.save(key, b"\xff\xd8one", "image/jpeg")
        assert backend.stored(key) == b"\xff\xd8one"
        assert storage.read(key) == b"\xff\xd8one" and storage.exists(key)
        assert before - 2 <= storage.modified_at(key) <= time.time() + 1
        storage.save(key, b"\xff\xd8two", "image/jpeg")  # a key written again is replaced
        assert storage.read(key) == b"\xff\xd8two"
        storage.delete(key)
        storage.delete(key)  # deleting what is gone is no error
        assert not storage.exists(key) and backend.stored(key) is None
        for bad in ("../x.jpg", "/etc/passwd", "a//b.jpg", "a/./b.jpg", "a\\b.jpg", ""):
            with pytest.raises(StorageError):
                storage.save(bad, b"x", "image/jpeg")
            with pytest.raises(StorageError):
                storage.read(bad)


def test_an_upload_is_cleaned_before_it_is_stored(
    app, client, world, backend, upload_wish_photo, wish_scene
):
    """Same pixel budget and EXIF stripping on both backends: what reaches the store is the
    re-encoded image, its GPS position gone, capped at 2560 px."""
    s = wish_scene()
    original = image_bytes("JPEG", (3000, 1000), gps=True)
    r = upload_wish_photo(s, s.wisher, original, name="x.jpg")
    assert r.status_code == 201, r.json
    with app.app_context():
        key = db.session.get(Upload, r.json["id"]).storage_key
    stored = backend.stored(key)
    assert stored is not None and b"TestPhone" not in stored
    with Image.open(io.BytesIO(stored)) as img:
        assert not img.getexif().get_ifd(0x8825) and "exif" not in img.info
        assert max(img.size) == 2560
    if backend.name == "s3":
        assert not os.path.exists(os.path.join(backend.upload_dir, key))  # nothing on this box
    served = client.get(r.json["url"])
    assert served.status_code == 200 and served.data == stored
    assert served.mimetype == "image/jpeg"


def test_the_purge_deletes_orphans_from_the_store(
    app, client, world, backend, upload_wish_photo, wish_scene
):
    s = wish_scene()
    old, new = (upload_wish_photo(s, s.wisher).json["id"] for _ in range(2))
    with app.app_context():
        db.session.get(Upload, old).created_at = utcnow() - timedelta(days=8)
        keys = {i: db.session.get(Upload, i).storage_key for i in (old, new)}
        db.session.commit()
        assert purge_orphan_uploads_job() == 1
        assert db.session.get(Upload, old) is None and db.session.get(Upload, new) is not None
    assert backend.stored(keys[old]) is None and backend.stored(keys[new]) is not None


def test_a_candidate_photo_goes_through_the_store(app, client, world, backend, new_campaign):
    setup = new_campaign(open_it=False)
    s0 = setup.candidates["safety"][0]
    r = client.post(
        f"/api/v1/admin/campaigns/{setup.campaign_id}/candidates/{s0}/photo",
        data={"file": (io.BytesIO(image_bytes("JPEG", (60, 80), gps=True)), "a.jpg")},
        headers=setup.committee_headers,
    )
    assert r.status_code == 200, r.json
    name = r.json["photo_url"].rsplit("/", 1)[-1]
    stored = backend.stored(f"vote-photos/{name}")
    assert stored is not None and b"TestPhone" not in stored
    photo = client.get(r.json["photo_url"])
    assert photo.status_code == 200 and photo.data == stored and photo.last_modified
    again = client.get(r.json["photo_url"], headers={"If-None-Match": photo.headers["ETag"]})
    assert again.status_code == 304


def test_a_store_that_is_down_answers_503(
    app, client, world, s3_server, new_campaign, upload_wish_photo, wish_scene
):
    s = wish_scene()
    setup = new_campaign(open_it=False)
    s0 = setup.candidates["safety"][0]
    bucket = s3_server.new_bucket()
    saved = use_storage(app, s3_server.config(bucket))
    try:
        stored = upload_wish_photo(s, s.wisher)
        assert stored.status_code == 201
        candidate = client.post(
            f"/api/v1/admin/campaigns/{setup.campaign_id}/candidates/{s0}/photo",
            data={"file": (io.BytesIO(image_bytes("JPEG")), "a.jpg")},
            headers=setup.committee_headers,
        )
        assert candidate.status_code == 200, candidate.json
    finally:
        restore_storage(app, saved)
    # The store unreachable: an upload and a read are refused with 503 and a reason.
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{sock.getsockname()[1]}"
    for settings_now in (
        {**s3_server.config(bucket), "S3_ENDPOINT_URL": dead},
        s3_server.config("frontline-no-such-bucket"),
    ):
        saved = use_storage(app, settings_now)
        try:
            r = upload_wish_photo(s, s.wisher)
            assert r.status_code == 503 and r.json["reason"] == "storage_unavailable", r.json
            assert r.headers["Retry-After"]
            for url in (stored.json["url"], candidate.json["photo_url"]):
                got = client.get(url)
                assert got.status_code == 503 and got.json["reason"] == "storage_unavailable"
        finally:
            restore_storage(app, saved)
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(Upload)) == 2


def test_the_purge_keeps_rows_while_the_store_is_down(
    app, client, world, s3_server, upload_wish_photo, wish_scene
):
    s = wish_scene()
    bucket = s3_server.new_bucket()
    saved = use_storage(app, s3_server.config(bucket))
    try:
        orphan = upload_wish_photo(s, s.wisher).json["id"]
    finally:
        restore_storage(app, saved)
    with app.app_context():
        db.session.get(Upload, orphan).created_at = utcnow() - timedelta(days=8)
        key = db.session.get(Upload, orphan).storage_key
        db.session.commit()
    saved = use_storage(app, s3_server.config("frontline-no-such-bucket"))
    try:
        with app.app_context():
            assert purge_orphan_uploads_job() == 0
            assert db.session.get(Upload, orphan) is not None  # tried again next night
    finally:
        restore_storage(app, saved)
    saved = use_storage(app, s3_server.config(bucket))
    try:
        with app.app_context():
            assert purge_orphan_uploads_job() == 1
            assert db.session.get(Upload, orphan) is None
    finally:
        restore_storage(app, saved)
    assert s3_server.client().list_objects_v2(Bucket=bucket, Prefix=key)["KeyCount"] == 0


def test_s3_settings_reach_the_client(app, s3_server):
    saved = use_storage(app, {**s3_server.config("b1"), "S3_ADDRESSING_STYLE": "virtual"})
    try:
        with app.app_context():
            config = settings()
            # The keys stay out of logs and tracebacks.
            assert s3_server.secret_key not in repr(config)
            assert s3_server.access_key not in repr(config)
            storage = get_storage()
            assert isinstance(storage, S3Storage) and storage.bucket == "b1"
            client_config = storage.client.meta.config
            assert client_config.s3["addressing_style"] == "virtual"
            assert storage.client.meta.endpoint_url == s3_server.url
            assert storage.client.meta.region_name == "us-east-1"
            with pytest.raises(StorageUnavailable):
                S3Storage(type(config)(**{**config.__dict__, "s3_bucket": ""}))
    finally:
        restore_storage(app, saved)


def test_listing_a_folder_on_each_backend(app, backend):
    with app.app_context():
        storage = get_storage()
        prefix = f"listing-{backend.name}-{time.time_ns()}"
        assert storage.listing(prefix + "/") == []
        for key in (f"{prefix}/a.bin", f"{prefix}/b.json", f"{prefix}x/other.bin"):
            storage.save(key, b"x", "application/octet-stream")
        listed = dict(storage.listing(prefix + "/"))
        assert sorted(listed) == [f"{prefix}/a.bin", f"{prefix}/b.json"]
        assert all(abs(at - time.time()) < 60 for at in listed.values())


def test_roster_files_are_kept_in_the_store(app, backend):
    """The console's roster file between preview and confirmation lives in the file store."""
    from console import roster_files
    from console.errors import RosterPreviewExpired

    with app.app_context():
        kept = roster_files.keep(b"name,phone\n", "花名册.csv", "session-1", 1)
        key = f"console-roster-files/{kept.id}.bin"
        assert backend.stored(key) == b"name,phone\n"
        assert roster_files.load(kept.id, "session-1", 1, kept.sha256).data == b"name,phone\n"
        with pytest.raises(RosterPreviewExpired):
            roster_files.load(kept.id, "session-2", 1)
        # Half an hour later the purge deletes it (both of its objects).
        assert roster_files.purge(now=time.time() + roster_files.STASH_TTL + 5) >= 1
        assert backend.stored(key) is None
        assert backend.stored(f"console-roster-files/{kept.id}.json") is None
        with pytest.raises(RosterPreviewExpired):
            roster_files.load(kept.id, "session-1", 1)
        again = roster_files.keep(b"x", "a.csv", "session-1", 1)
        roster_files.drop(again.id)
        assert backend.stored(f"console-roster-files/{again.id}.bin") is None
