"""Idempotency-Key: a retried POST returns the first answer and does nothing again."""

from __future__ import annotations

from models import AuthSession, IdempotencyRecord, Wish, db
from tests.support.concurrency import fire_at_once


def count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(db.select(db.func.count()).select_from(model))


def test_retry_with_same_key_replays_the_first_answer(app, client, world):
    world.person(name="重试", phone="13900001111", employee_no="IDEM1")
    token = client.post("/api/v1/auth/login", json={"code": "demo:idem"}).json["token"]
    h = {"Authorization": f"Bearer {token}", "Idempotency-Key": "bind-1"}
    body = {"employee_no": "IDEM1", "name": "重试", "phone_tail": "1111"}
    first = client.post("/api/v1/auth/bind", json=body, headers=h)
    again = client.post("/api/v1/auth/bind", json=body, headers=h)
    assert first.status_code == again.status_code == 200
    assert first.json == again.json
    assert again.headers["Idempotent-Replayed"] == "true"


def test_anonymous_requests_are_not_remembered(app, client):
    """A login retried with the same key logs in again (its answer, a token, is never kept)."""
    h = {"Idempotency-Key": "login-1"}
    a = client.post("/api/v1/auth/login", json={"code": "demo:weak"}, headers=h)
    b = client.post("/api/v1/auth/login", json={"code": "demo:weak"}, headers=h)
    assert a.json["token"] != b.json["token"] and "Idempotent-Replayed" not in b.headers
    assert a.json["user"] == b.json["user"]
    assert count(app, AuthSession) == 2


def test_same_key_with_another_body_is_422(app, client):
    h = {"Idempotency-Key": "k"}
    token = client.post("/api/v1/auth/login", json={"code": "demo:u"}).json["token"]
    auth = {"Authorization": f"Bearer {token}", **h}
    client.post(
        "/api/v1/auth/bind",
        json={"employee_no": "a", "name": "b", "phone_tail": "1234"},
        headers=auth,
    )
    r = client.post(
        "/api/v1/auth/bind",
        json={"employee_no": "z", "name": "b", "phone_tail": "1234"},
        headers=auth,
    )
    assert r.status_code == 422 and r.json["reason"] == "idempotency_key_reused"


def test_keys_are_per_user(app, client):
    t1 = client.post("/api/v1/auth/login", json={"code": "demo:u1"}).json["token"]
    t2 = client.post("/api/v1/auth/login", json={"code": "demo:u2"}).json["token"]
    for t in (t1, t2):
        r = client.post(
            "/api/v1/auth/logout",
            headers={"Authorization": f"Bearer {t}", "Idempotency-Key": "same"},
        )
        assert r.status_code == 204 and "Idempotent-Replayed" not in r.headers


def test_final_refusals_are_remembered(app, client):
    token = client.post("/api/v1/auth/login", json={"code": "demo:refused"}).json["token"]
    h = {"Idempotency-Key": "refused", "Authorization": f"Bearer {token}"}
    body = {"employee_no": "nobody", "name": "无名", "phone_tail": "0000"}
    r = client.post("/api/v1/auth/bind", json=body, headers=h)
    assert r.status_code == 422
    assert count(app, IdempotencyRecord) == 1
    again = client.post("/api/v1/auth/bind", json=body, headers=h)
    assert again.status_code == 422 and again.headers["Idempotent-Replayed"] == "true"


def test_server_errors_stay_retryable_with_the_same_key(wechat_app, fake_wechat):
    client = wechat_app.test_client()
    h = {"Idempotency-Key": "busy-then-ok"}
    fake_wechat.script("/sns/jscode2session", lambda q, b: (200, {"errcode": -1}))
    assert client.post("/api/v1/auth/login", json={"code": "c1"}, headers=h).status_code == 503
    assert count(wechat_app, IdempotencyRecord) == 0
    fake_wechat.script(
        "/sns/jscode2session", lambda q, b: (200, {"openid": "o", "session_key": "k"})
    )
    r = client.post("/api/v1/auth/login", json={"code": "c1"}, headers=h)
    assert r.status_code == 200 and "Idempotent-Replayed" not in r.headers


def test_concurrent_duplicates_do_the_work_once(app, world, wish_scene):
    s = wish_scene()
    headers = {**s.h(s.wisher), "Idempotency-Key": "storm-1"}
    body = {"title": "书包", "content": "孩子上学需要书包", "category": "study"}

    def post(_: int):
        r = app.test_client().post("/api/v1/wishes", json=body, headers=headers)
        return r.status_code, (r.json or {}).get("id")

    results = fire_at_once(20, post)
    ids = {wish_id for code, wish_id in results if code == 201}
    assert len(ids) == 1
    assert {code for code, _ in results} <= {201, 409}
    assert count(app, Wish) == 1


def test_bad_key_is_422(client):
    r = client.post(
        "/api/v1/auth/login", json={"code": "demo:a"}, headers={"Idempotency-Key": "x" * 200}
    )
    assert r.status_code == 422 and r.json["reason"] == "validation_error"
