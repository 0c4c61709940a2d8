"""issue 8: the message push refuses a signed push whose timestamp lies outside a window (a
replay of a captured push), and production refuses to start in safe/compatible push mode
without the EncodingAESKey."""

from __future__ import annotations

import time
from urllib.parse import urlencode

import pytest

from app import create_app
from config import ConfigError, load_settings
from tests.support.settings import PROD
from tests.support.wechat import PUSH_TOKEN, wechat_config

AES_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
EVENT = {"MsgType": "event", "Event": "user_enter_tempsession"}


def _post(app, query, body):
    return app.test_client().post(f"/api/v1/wechat/push?{urlencode(query)}", data=body)


def test_push_outside_the_window_is_refused(wechat_app, fake_wechat):
    fake_wechat.configure_push("unused", PUSH_TOKEN)
    window = wechat_app.config["WECHAT_PUSH_MAX_SKEW_SECONDS"]
    now = int(time.time())
    for stamp in (now - window - 60, now + window + 60, now - 86400):
        query, body = fake_wechat.signed_push(EVENT, timestamp=str(stamp))
        r = _post(wechat_app, query, body)
        assert r.status_code == 403 and r.json["reason"] == "push_refused", stamp
        r = wechat_app.test_client().get(
            f"/api/v1/wechat/push?{urlencode(dict(query, echostr='e1'))}"
        )
        assert r.status_code == 403, stamp
    query, body = fake_wechat.signed_push(EVENT, timestamp="soon")  # signed, not a time
    assert _post(wechat_app, query, body).status_code == 403
    for stamp in (now - 60, now + 30, now):
        query, body = fake_wechat.signed_push(EVENT, timestamp=str(stamp))
        r = _post(wechat_app, query, body)
        assert r.status_code == 200 and r.data == b"success", stamp


def test_safe_mode_push_outside_the_window_is_refused(base_config, app, fake_wechat):
    safe = create_app(wechat_config(base_config, fake_wechat, WECHAT_PUSH_AES_KEY=AES_KEY))
    fake_wechat.configure_push("unused", PUSH_TOKEN, AES_KEY)
    query, body = fake_wechat.signed_push(EVENT, timestamp=str(int(time.time()) - 3600))
    assert _post(safe, query, body).status_code == 403
    query, body = fake_wechat.signed_push(EVENT)
    assert _post(safe, query, body).status_code == 200


@pytest.mark.parametrize("mode", ["safe", "compatible"])
def test_production_refuses_encrypted_push_mode_without_the_key(tmp_path, mode):
    keyless = {k: v for k, v in PROD.items() if k != "WECHAT_PUSH_AES_KEY"}
    with pytest.raises(ConfigError, match="WECHAT_PUSH_AES_KEY"):
        load_settings(str(tmp_path), env=dict(keyless, WECHAT_PUSH_MODE=mode))
    s = load_settings(
        str(tmp_path), env=dict(PROD, WECHAT_PUSH_MODE=mode, WECHAT_PUSH_AES_KEY=AES_KEY)
    )
    assert s["WECHAT_PUSH_MODE"] == mode


def test_push_mode_follows_the_key_and_is_checked(tmp_path):
    plain = {k: v for k, v in PROD.items() if k != "WECHAT_PUSH_AES_KEY"}
    plain["WECHAT_PUSH_PLAIN_REASON"] = "the test account"
    assert load_settings(str(tmp_path), env=plain)["WECHAT_PUSH_MODE"] == "plain"
    with_key = dict(plain, WECHAT_PUSH_AES_KEY=AES_KEY)
    assert load_settings(str(tmp_path), env=with_key)["WECHAT_PUSH_MODE"] == "safe"
    with pytest.raises(ConfigError, match="WECHAT_PUSH_MODE"):
        load_settings(str(tmp_path), env=dict(PROD, WECHAT_PUSH_MODE="secret"))
    with pytest.raises(ConfigError, match="WECHAT_PUSH_MODE"):
        load_settings(str(tmp_path), env=dict(with_key, WECHAT_PUSH_MODE="plain"))
