"""Idempotency-Key: a retried POST returns the first answer and does nothing again."""

from __future__ import annotations

from models import AuthSession, IdempotencyRecord, db
from tests.conftest import fire_at_once


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


def test_anonymous_login_retry_returns_the_same_token_once(app, client):
    h = {"Idempotency-Key": "login-1"}
    a = client.post("/api/v1/auth/login", json={"code": "demo:weak"}, headers=h)
    b = client.post("/api/v1/auth/login", json={"code": "demo:weak"}, headers=h)
    assert a.json["token"] == b.json["token"]
    assert count(app, AuthSession) == 1


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
    app.config["DEMO_LOGIN"] = False
    try:
        h = {"Idempotency-Key": "refused"}
        r = client.post("/api/v1/auth/login", json={"code": "demo:x"}, headers=h)
        assert r.status_code == 401
        assert count(app, IdempotencyRecord) == 1
    finally:
        app.config["DEMO_LOGIN"] = True


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


def test_concurrent_duplicates_do_the_work_once(app, world):
    def login(_: int):
        r = app.test_client().post(
            "/api/v1/auth/login",
            json={"code": "demo:storm"},
            headers={"Idempotency-Key": "storm-1"},
        )
        return r.status_code, (r.json or {}).get("token")

    results = fire_at_once(20, login)
    tokens = {t for code, t in results if code == 200}
    assert len(tokens) == 1
    assert {code for code, _ in results} <= {200, 409}
    assert count(app, AuthSession) == 1


def test_bad_key_is_422(client):
    r = client.post(
        "/api/v1/auth/login", json={"code": "demo:a"}, headers={"Idempotency-Key": "x" * 200}
    )
    assert r.status_code == 422 and r.json["reason"] == "validation_error"
