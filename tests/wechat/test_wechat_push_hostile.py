"""issue 19 items 5 and 6: the push parser bounds depth and numbers (4xx, never 500), a signed
query is accepted once (its nonce is remembered for the replay window), and production needs
the safe (encrypted) push mode or a written reason for plain."""

from __future__ import annotations

import json
import time
from urllib.parse import urlencode

import pytest

from config import ConfigError, load_settings
from tests.support.concurrency import fire_at_once
from tests.support.fake_wechat import push_signature
from tests.support.settings import PROD
from tests.support.wechat import PUSH_TOKEN

EVENT = {"MsgType": "event", "Event": "user_enter_tempsession"}
AES_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"


def _post(app, query, body):
    return app.test_client().post(f"/api/v1/wechat/push?{urlencode(query)}", data=body)


def _signed_query(nonce=None):
    timestamp = str(int(time.time()))
    nonce = nonce or f"n{time.time_ns()}"
    return {
        "timestamp": timestamp,
        "nonce": nonce,
        "signature": push_signature(PUSH_TOKEN, timestamp, nonce),
    }


@pytest.mark.parametrize(
    "body",
    [
        b"[" * 1000 + b"]" * 1000,
        b'{"a":' * 1000 + b"1" + b"}" * 1000,
        b'{"Event": "wxa_media_check", "trace_id": "t1", "result": {"label": 1e400}}',
        b'{"Event": "wxa_media_check", "trace_id": "t1", "errcode": 1e400}',
        b'{"Event": "wxa_media_check", "trace_id": "t1", "errcode": ' + b"9" * 5000 + b"}",
        b'{"Event": "wxa_media_check", "trace_id": "t1", "result": {"label": NaN}}',
        b'{"Event": "wxa_media_check", "trace_id": "t1", "result": {"label": -Infinity}}',
        b"<xml>" + b"<a>" * 1000 + b"x" + b"</a>" * 1000 + b"</xml>",
        b"\xff\xfe not utf-8",
        b"{" * 200_000,
    ],
    ids=[
        "deep-list",
        "deep-object",
        "label-1e400",
        "errcode-1e400",
        "long-int",
        "nan",
        "infinity",
        "deep-xml",
        "not-utf8",
        "huge",
    ],
)
def test_hostile_push_bodies_are_refused_not_500(wechat_app, fake_wechat, body):
    r = _post(wechat_app, _signed_query(), body)
    assert r.status_code in (400, 403, 413), r.data[:200]
    assert r.status_code != 500


def test_a_signed_query_is_accepted_once(wechat_app, fake_wechat):
    query = _signed_query()
    assert _post(wechat_app, query, b'{"MsgType": "event", "Event": "a"}').status_code == 200
    # WeChat's own retry (same query, same body) is answered without being applied again
    assert _post(wechat_app, query, b'{"MsgType": "event", "Event": "a"}').status_code == 200
    # the same signed query with another body is a replay
    r = _post(wechat_app, query, b'{"MsgType": "event", "Event": "b"}')
    assert r.status_code == 403 and r.json["reason"] == "push_refused"


def test_a_url_check_query_cannot_carry_a_push(wechat_app, fake_wechat):
    query = _signed_query()
    r = wechat_app.test_client().get(f"/api/v1/wechat/push?{urlencode(dict(query, echostr='e'))}")
    assert r.status_code == 200 and r.data == b"e"
    r = _post(wechat_app, query, b'{"MsgType": "event", "Event": "a"}')
    assert r.status_code == 403


def test_one_nonce_two_bodies_at_once_one_wins(wechat_app, fake_wechat):
    query = _signed_query()

    def send(i):
        body = f'{{"MsgType": "event", "Event": "e{i}"}}'.encode()
        return _post(wechat_app, query, body).status_code

    codes = fire_at_once(6, send)
    assert sorted(codes).count(200) == 1 and sorted(codes).count(403) == 5, codes


def test_media_check_replay_does_not_change_the_verdict(wechat_app, fake_wechat, monkeypatch):
    fake_wechat.configure_push("unused", PUSH_TOKEN)
    applied = []
    monkeypatch.setattr("media.checks.apply_result", applied.append)
    query, body = fake_wechat.signed_push(fake_wechat.media_event("trace-x", "pass", 100))
    assert _post(wechat_app, query, body).status_code == 200
    forged = fake_wechat.media_event("trace-x", "risky", 20001)
    assert _post(wechat_app, query, json.dumps(forged).encode()).status_code == 403
    assert [r.suggest for r in applied] == ["pass"]


def test_production_needs_safe_push_mode_or_a_reason(tmp_path):
    plain = {k: v for k, v in PROD.items() if k != "WECHAT_PUSH_AES_KEY"}
    with pytest.raises(ConfigError, match="WECHAT_PUSH_PLAIN_REASON"):
        load_settings(str(tmp_path), env=plain)
    with pytest.raises(ConfigError, match="WECHAT_PUSH_PLAIN_REASON"):
        load_settings(str(tmp_path), env=dict(plain, WECHAT_PUSH_PLAIN_REASON="   "))
    s = load_settings(
        str(tmp_path), env=dict(plain, WECHAT_PUSH_PLAIN_REASON="test account has no key yet")
    )
    assert s["WECHAT_PUSH_MODE"] == "plain"
    s = load_settings(str(tmp_path), env=dict(plain, WECHAT_PUSH_AES_KEY=AES_KEY))
    assert s["WECHAT_PUSH_MODE"] == "safe"
