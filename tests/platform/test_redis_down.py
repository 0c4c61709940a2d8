"""With Redis unreachable, identity keeps working: login, bind (limits fall back), /me."""

from __future__ import annotations

import pytest


@pytest.fixture
def redisless(base_config, app):
    from app import create_app
    from miniapp_api.extensions import limiter

    # A closed port on loopback: every Redis call fails at once.
    yield create_app(dict(base_config, REDIS_URL="redis://127.0.0.1:9/0"))
    limiter.init_app(app)  # the limiter is one per process: give it back the real Redis


def test_login_bind_me_without_redis(redisless, world):
    world.person(name="无缓存", phone="13900007777", employee_no="NR1")
    c = redisless.test_client()
    r = c.post("/api/v1/auth/login", json={"code": "demo:nr"})
    assert r.status_code == 200, r.json
    h = {"Authorization": f"Bearer {r.json['token']}"}
    r = c.post(
        "/api/v1/auth/bind",
        headers=h,
        json={"employee_no": "NR1", "name": "无缓存", "phone_tail": "7777"},
    )
    assert r.status_code == 200, r.json
    assert c.get("/api/v1/me", headers=h).json["bound"] is True


def test_bind_failures_still_limited_in_memory_without_redis(redisless, world):
    world.person(name="无缓存", phone="13900007777", employee_no="NR2")
    c = redisless.test_client()
    h = {
        "Authorization": "Bearer "
        + c.post("/api/v1/auth/login", json={"code": "demo:nr2"}).json["token"]
    }
    bad = {"employee_no": "NR2", "name": "无缓存", "phone_tail": "0000"}
    codes = [c.post("/api/v1/auth/bind", json=bad, headers=h).status_code for _ in range(6)]
    assert codes[-1] == 429 and set(codes[:5]) == {422}
