"""Candidate photos (六大员 pages) are stored and served through media/'s storage interface: the
same URL and answers as when the view read the upload directory itself, whatever backend holds
the bytes."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from media.storage import StorageError


class MemoryStorage:
    """A storage backend that is not the disk: proves the view goes through the interface."""

    def __init__(self) -> None:
        self.files: dict[str, bytes] = {}

    def save(self, key: str, data: bytes, content_type: str) -> None:
        self.files[key] = data

    def read(self, key: str) -> bytes:
        if key not in self.files:
            raise StorageError(f"no such file: {key}")
        return self.files[key]

    def delete(self, key: str) -> None:
        self.files.pop(key, None)

    def exists(self, key: str) -> bool:
        return key in self.files

    def modified_at(self, key: str) -> float | None:
        return 1_700_000_000.0 if key in self.files else None


@pytest.fixture
def memory_storage(app):
    saved = app.extensions.get("storage")
    storage = app.extensions["storage"] = MemoryStorage()
    yield storage
    if saved is None:
        app.extensions.pop("storage", None)
    else:
        app.extensions["storage"] = saved


def _jpeg(size=(60, 80)) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", size, "red").save(buf, "JPEG")
    return buf.getvalue()


def test_candidate_photo_is_served_from_the_storage_backend(
    app, client, world, memory_storage, new_campaign
):
    setup = new_campaign(open_it=False)
    s0 = setup.candidates["safety"][0]
    url = f"/api/v1/admin/campaigns/{setup.campaign_id}/candidates/{s0}/photo"
    r = client.post(
        url, data={"file": (io.BytesIO(_jpeg()), "a.jpg")}, headers=setup.committee_headers
    )
    assert r.status_code == 200, r.json
    photo_url = r.json["photo_url"]
    name = photo_url.rsplit("/", 1)[-1]
    assert photo_url == f"/api/v1/campaign-photos/{name}"
    assert list(memory_storage.files) == [f"vote-photos/{name}"]

    photo = client.get(photo_url)
    assert photo.status_code == 200
    assert photo.data == memory_storage.files[f"vote-photos/{name}"]
    assert photo.mimetype == "image/jpeg"
    assert photo.cache_control.public and photo.cache_control.max_age == 86400
    assert photo.headers["Content-Disposition"] == f"inline; filename={name}"
    assert photo.last_modified is not None and photo.headers["ETag"]
    assert Image.open(io.BytesIO(photo.data)).size == (60, 80)

    # Conditional and range requests work as they did for files sent from the directory.
    again = client.get(photo_url, headers={"If-None-Match": photo.headers["ETag"]})
    assert again.status_code == 304
    part = client.get(photo_url, headers={"Range": "bytes=0-9"})
    assert part.status_code == 206 and part.data == photo.data[:10]


def test_unknown_or_malformed_candidate_photo_names_answer_404(client, memory_storage):
    assert client.get(f"/api/v1/campaign-photos/{'0' * 32}.jpg").status_code == 404
    assert client.get("/api/v1/campaign-photos/..%2Fsecret.jpg").status_code == 404
    assert client.get("/api/v1/campaign-photos/not-a-photo.txt").status_code == 404
