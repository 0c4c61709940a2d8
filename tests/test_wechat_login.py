"""Login against the fake WeChat server: the real wechatpy code path over HTTP."""

from __future__ import annotations

import time

from models import Account, db, get_redis
from tests.conftest import fire_at_once
from wechat import WeChatUnavailable, get_wechat


def test_code2session_ok(wechat_app, fake_wechat):
    r = wechat_app.test_client().post("/api/v1/auth/login", json={"code": "ok-openid-123"})
    assert r.status_code == 200, r.json
    assert r.json["user"]["bound"] is False
    ((path, query, _),) = fake_wechat.calls_to("/sns/jscode2session")
    assert query["appid"] == "wx-test-appid" and query["js_code"] == "ok-openid-123"
    # code2Session takes appid+secret; login must not need (or fetch) an access token.
    assert "access_token" not in query
    assert fake_wechat.token_fetches == 0
    with wechat_app.app_context():
        account = db.session.scalar(db.select(Account).where(Account.openid == "openid-123"))
        assert account.session_key.startswith("sk-")
    assert "sk-" not in r.get_data(as_text=True)  # the session key never leaves the server


def test_invalid_code_is_401(wechat_app):
    for code in ("invalid", "used"):
        r = wechat_app.test_client().post("/api/v1/auth/login", json={"code": code})
        assert r.status_code == 401 and r.json["reason"] == "wechat_code_invalid", r.json
        assert r.json["message"]


def test_wechat_busy_is_503(wechat_app):
    r = wechat_app.test_client().post("/api/v1/auth/login", json={"code": "busy"})
    assert r.status_code == 503 and r.json["reason"] == "wechat_unavailable"


def test_wechat_timeout_is_503_within_the_timeout(wechat_app):
    start = time.monotonic()
    r = wechat_app.test_client().post("/api/v1/auth/login", json={"code": "slow"})
    assert r.status_code == 503 and r.json["reason"] == "wechat_unavailable"
    assert time.monotonic() - start < 2.5  # the read timeout (1 s in tests) cut it short


def test_wechat_unreachable_is_503(base_config, app):
    from app import create_app

    cfg = dict(
        base_config,
        WECHAT_APPID="a",
        WECHAT_SECRET="s",
        WECHAT_API_BASE="http://127.0.0.1:9/",
        WECHAT_CONNECT_TIMEOUT=0.5,
    )
    r = create_app(cfg).test_client().post("/api/v1/auth/login", json={"code": "ok-x"})
    assert r.status_code == 503 and r.json["reason"] == "wechat_unavailable"


def test_wechat_http_error_is_503(wechat_app, fake_wechat):
    fake_wechat.script("/sns/jscode2session", lambda q, b: (502, {"errmsg": "bad gateway"}))
    r = wechat_app.test_client().post("/api/v1/auth/login", json={"code": "ok-a"})
    assert r.status_code == 503 and r.json["reason"] == "wechat_unavailable"


def test_access_token_is_fetched_once_by_racing_workers_and_cached_in_redis(
    wechat_app, fake_wechat
):
    def call(_: int) -> str:
        with wechat_app.app_context():
            return get_wechat().access_token

    tokens = fire_at_once(10, call)
    assert set(tokens) == {"TOKEN-1"}
    assert fake_wechat.token_fetches == 1
    with wechat_app.app_context():
        r = get_redis()
        key = "wechatpy:wx-test-appid_access_token"
        assert r.exists(key) and 0 < r.ttl(key) <= 7200 - 300


def test_expired_token_40001_is_renewed_once_and_the_call_retried(wechat_app, fake_wechat):
    seen: list[str] = []

    def sec_check(query, body):
        seen.append(query.get("access_token"))
        if query.get("access_token") == "TOKEN-1":
            return 200, {"errcode": 40001, "errmsg": "invalid credential"}
        return 200, {"errcode": 0, "result": {"suggest": "pass"}}

    fake_wechat.script("/wxa/msg_sec_check", sec_check)
    with wechat_app.app_context():
        client = get_wechat()
        assert client.access_token == "TOKEN-1"
        get_redis().delete("wechatpy:wx-test-appid_access_token_fetched_at")
        result = client.msg_sec_check("openid", "你好")
    assert result["result"]["suggest"] == "pass"
    assert seen == ["TOKEN-1", "TOKEN-2"]


def test_token_endpoint_failure_is_wechat_unavailable(wechat_app, fake_wechat):
    fake_wechat.script(
        "/cgi-bin/token", lambda q, b: (200, {"errcode": 40013, "errmsg": "bad appid"})
    )
    with wechat_app.app_context():
        try:
            get_wechat().msg_sec_check("o", "x")
        except WeChatUnavailable:
            pass
        else:
            raise AssertionError("expected WeChatUnavailable")


def test_redis_down_makes_token_calls_wechat_unavailable(base_config, app, fake_wechat):
    from app import create_app

    cfg = dict(
        base_config,
        WECHAT_APPID="a",
        WECHAT_SECRET="s",
        WECHAT_API_BASE=fake_wechat.base_url,
        REDIS_URL="redis://127.0.0.1:9/0",
    )
    down = create_app(cfg)
    with down.app_context():
        try:
            get_wechat().msg_sec_check("o", "x")
        except WeChatUnavailable:
            pass
        else:
            raise AssertionError("expected WeChatUnavailable")
    # Login needs no access token, so it works with Redis down.
    r = down.test_client().post("/api/v1/auth/login", json={"code": "ok-redisless"})
    assert r.status_code == 200, r.json
    from miniapp_api.extensions import limiter

    limiter.init_app(app)  # the limiter is one per process: give it back the real Redis
