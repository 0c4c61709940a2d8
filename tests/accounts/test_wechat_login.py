"""Login against the fake WeChat server: the real wechatpy code path over HTTP."""

from __future__ import annotations

import logging
import time

from models import Account, db, get_redis
from tests.support.concurrency import fire_at_once
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
    """issue 10 #8: 40029 (and 40163, a used code) is 401 wechat_code_invalid."""
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
    assert set(tokens) == {"STABLE-1"}
    assert fake_wechat.token_fetches == 1
    with wechat_app.app_context():
        r = get_redis()
        key = "wechatpy:wx-test-appid_access_token"
        assert r.exists(key) and 0 < r.ttl(key) <= 7200 - 300


def test_token_endpoint_failure_is_wechat_unavailable(base_config, app, fake_wechat):
    """issue 10 #8: a wrong secret is a configuration error: 503 for the caller, and the
    token is never taken from getAccessToken."""
    from app import create_app
    from tests.support.wechat import wechat_config

    wrong = create_app(wechat_config(base_config, fake_wechat, WECHAT_SECRET="wrong"))
    with wrong.app_context():
        try:
            get_wechat().msg_sec_check("o", "x", scene=3)
        except WeChatUnavailable:
            pass
        else:
            raise AssertionError("expected WeChatUnavailable")
    assert fake_wechat.legacy_token_fetches == 0


def test_redis_down_makes_token_calls_wechat_unavailable(base_config, app, fake_wechat):
    from app import create_app
    from tests.support.wechat import wechat_config

    down = create_app(wechat_config(base_config, fake_wechat, REDIS_URL="redis://127.0.0.1:9/0"))
    with down.app_context():
        try:
            get_wechat().msg_sec_check("o", "x", scene=3)
        except WeChatUnavailable:
            pass
        else:
            raise AssertionError("expected WeChatUnavailable")
    # Login needs no access token, so it works with Redis down.
    r = down.test_client().post("/api/v1/auth/login", json={"code": "ok-redisless"})
    assert r.status_code == 200, r.json
    from miniapp_api.extensions import limiter

    limiter.init_app(app)  # the limiter is one per process: give it back the real Redis


def test_blocked_user_is_403_with_its_own_reason(wechat_app):
    """issue 10 #8: 40226 (WeChat blocks a high-risk user) is not "try again"."""
    r = wechat_app.test_client().post("/api/v1/auth/login", json={"code": "blocked"})
    assert r.status_code == 403 and r.json["reason"] == "wechat_user_blocked", r.json
    assert "风险" in r.json["message"]


def test_wechat_minute_quota_is_429_with_retry_after(wechat_app):
    """issue 10 #8: 45011 on code2Session is 429 with Retry-After (WeChat's quota is per
    minute)."""
    r = wechat_app.test_client().post("/api/v1/auth/login", json={"code": "rate"})
    assert r.status_code == 429 and r.json["reason"] == "wechat_rate_limited", r.json
    assert 1 <= int(r.headers["Retry-After"]) <= 60


def test_our_wrong_appid_or_secret_is_503_and_logged(base_config, app, fake_wechat, caplog):
    """issue 10 #8: 40013 / 40125 are our configuration errors, not the user's: 503 and an
    error in the log that names the errcode."""
    from app import create_app
    from tests.support.wechat import wechat_config

    # Alembic's fileConfig (the session's migrations) disabled the loggers that existed then.
    logging.getLogger("wechat.client").disabled = False
    for setting, errcode in (("WECHAT_APPID", 40013), ("WECHAT_SECRET", 40125)):
        broken = create_app(wechat_config(base_config, fake_wechat, **{setting: "wrong"}))
        caplog.clear()
        r = broken.test_client().post("/api/v1/auth/login", json={"code": "ok-someone"})
        assert r.status_code == 503 and r.json["reason"] == "wechat_unavailable", r.json
        errors = [rec for rec in caplog.records if rec.levelname == "ERROR"]
        assert any(str(errcode) in rec.getMessage() for rec in errors), caplog.text


def test_non_json_200_on_login_is_wechat_unavailable(wechat_app, fake_wechat):
    """issue 10 #9: a gateway's HTML page with status 200 is not a login."""
    fake_wechat.non_json.add("/sns/jscode2session")
    r = wechat_app.test_client().post("/api/v1/auth/login", json={"code": "ok-a"})
    assert r.status_code == 503 and r.json["reason"] == "wechat_unavailable", r.json
