"""Issue 19 items 10, 13, 14 and 16: bodies with too many keys, times without an offset, loose
booleans, undeclared multipart parts, and an upload retried with a new multipart boundary."""

from __future__ import annotations

import io
import json

from miniapp_api.body import MAX_KEYS
from models import IdempotencyRecord, Upload, db
from tests.support.images import image_bytes


def test_500000_unknown_keys_are_refused_while_parsing_with_a_small_answer(
    client, world, monkeypatch, wish_scene
):
    """item 10: 500,000 unknown keys cost 5 s of CPU and a 16 MB 422. Now the parse stops at
    MAX_KEYS keys, before any schema runs, and the answer names no key."""
    from marshmallow import Schema

    loads: list[int] = []
    real = Schema.load

    def counting(self, *args, **kwargs):
        loads.append(1)
        return real(self, *args, **kwargs)

    monkeypatch.setattr(Schema, "load", counting)
    s = wish_scene()
    body = "{" + ",".join(f'"k{i}":0' for i in range(500_000)) + "}"
    r = client.post(
        "/api/v1/wishes",
        data=body,
        content_type="application/json",
        headers=s.h(s.wisher),
    )
    assert r.status_code == 400, r.status_code
    assert r.json["reason"] == "too_many_fields"
    assert len(r.get_data()) < 1000
    assert loads == []


def test_keys_are_counted_across_nested_objects_and_values_across_lists(client, world, wish_scene):
    s = wish_scene()
    nested = json.dumps({"a": [{f"k{i}": 0} for i in range(MAX_KEYS + 100)]})
    r = client.post(
        "/api/v1/wishes", data=nested, content_type="application/json", headers=s.h(s.wisher)
    )
    assert r.status_code == 400 and r.json["reason"] == "too_many_fields"
    values = json.dumps({"photo_ids": list(range(20_000))})
    r = client.post(
        "/api/v1/wishes", data=values, content_type="application/json", headers=s.h(s.wisher)
    )
    assert r.status_code == 400 and r.json["reason"] == "too_many_fields"


def test_a_time_without_an_offset_is_422(client, world, new_pairing, new_team):
    """item 13: `talked_at: "2026-11-20"` was accepted with 201 (guessed as Beijing time)."""
    t = new_team(members=1, employees=1)
    new_pairing(t, t.members[0], t.employees[0])
    for when in ("2026-11-20", "2026-11-20T09:30:00", "2026-11-20T09:30"):
        body = {"employee_id": t.employees[0].id, "talked_at": when, "mode": "phone", "topics": "x"}
        r = client.post("/api/v1/talks", json=body, headers=t.h(t.members[0]))
        assert r.status_code == 422, (when, r.json)
        assert r.json["errors"]["talked_at"] == ["时间须带时区（如 +08:00）"], r.json
    spec = client.get("/api/v1/openapi.json").json
    pattern = spec["components"]["schemas"]["TalkIn"]["properties"]["talked_at"]["pattern"]
    assert pattern.endswith("(Z|[+-][0-9]{2}:[0-9]{2})$")


def test_booleans_are_true_or_false_only(client, world, new_team):
    """item 14: `{"approve": 1}` approved a points request; 0 and "true" were taken too."""
    team = new_team(members=1)
    committee = world.committee()
    r = client.post(
        "/api/v1/admin/points",
        json={"employee_no": team.members[0].employee_no, "delta": 5, "reason": "抢险"},
        headers=team.sec,
    )
    assert r.status_code == 201, r.json
    url = f"/api/v1/admin/points/requests/{r.json['id']}/decide"
    for loose in (1, 0, "true", "false", "yes", None):
        r = client.post(
            url, json={"approve": loose, "reason": "核实"}, headers=world.headers(committee)
        )
        assert r.status_code == 422 and "approve" in r.json["errors"], (loose, r.json)
    r = client.post(url, json={"approve": True, "reason": "核实"}, headers=world.headers(committee))
    assert r.status_code == 200 and r.json["status"] == "approved", r.json


def test_undeclared_multipart_parts_are_refused(client, world, wish_scene):
    """item 14: an extra form field or file on /uploads was dropped in silence."""
    s = wish_scene()
    cases = [
        {"file": (io.BytesIO(image_bytes()), "a.png"), "caption": "hi"},
        {"file": (io.BytesIO(image_bytes()), "a.png"), "other": (io.BytesIO(b"x"), "b.bin")},
        {"file": [(io.BytesIO(image_bytes()), "a.png"), (io.BytesIO(image_bytes()), "b.png")]},
    ]
    for data in cases:
        r = client.post(
            "/api/v1/uploads", data=data, headers=s.h(s.wisher), content_type="multipart/form-data"
        )
        assert r.status_code == 422, r.json
        assert set(r.json["errors"]) & {"caption", "other", "file"}, r.json
    with client.application.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(Upload)) == 0


def test_upload_media_types_are_in_the_document(client):
    """item 14: /uploads answered 415 to files the document allowed (it named no media type)."""
    spec = client.get("/api/v1/openapi.json").json
    for path in (
        "/api/v1/uploads",
        "/api/v1/admin/campaigns/{campaign_id}/candidates/{candidate_id}/photo",
    ):
        op = spec["paths"][path]["post"]
        multipart = op["requestBody"]["content"]["multipart/form-data"]
        assert multipart["encoding"]["file"]["contentType"] == "image/jpeg, image/png, image/webp"
        assert "415" in op["responses"], path


def _upload(client, headers, data: bytes, boundary: str):
    body = (
        (
            f"--{boundary}\r\n"
            'Content-Disposition: form-data; name="file"; filename="a.png"\r\n'
            "Content-Type: image/png\r\n\r\n"
        ).encode()
        + data
        + f"\r\n--{boundary}--\r\n".encode()
    )
    return client.post(
        "/api/v1/uploads",
        data=body,
        headers={**headers, "Idempotency-Key": "photo-1"},
        content_type=f"multipart/form-data; boundary={boundary}",
    )


def test_an_upload_retried_with_a_new_boundary_is_the_same_request(client, world, wish_scene):
    """item 16: the fingerprint hashed the raw body, so a retry with a new multipart boundary
    (what every client retry sends) got 422 idempotency_key_reused."""
    s = wish_scene()
    png = image_bytes()
    first = _upload(client, s.h(s.wisher), png, "boundary-one")
    again = _upload(client, s.h(s.wisher), png, "another-boundary-2")
    assert first.status_code == 201, first.json
    assert again.status_code == 201, again.json
    assert again.headers.get("Idempotent-Replayed") == "true"
    assert again.json == first.json
    other = _upload(client, s.h(s.wisher), image_bytes(size=(32, 32)), "boundary-three")
    assert other.status_code == 422 and other.json["reason"] == "idempotency_key_reused"
    with client.application.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(Upload)) == 1
        assert db.session.scalar(db.select(db.func.count()).select_from(IdempotencyRecord)) == 1
