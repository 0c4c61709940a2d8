"""WeChat's message push (消息推送) to our server: signature checks, safe-mode decryption and the
media-check result event.

Configured in the mini-program console (开发管理 → 消息推送): URL `…/api/v1/wechat/push`, Token =
WECHAT_PUSH_TOKEN, EncodingAESKey = WECHAT_PUSH_AES_KEY, data format JSON or XML, and plain,
compatible or safe mode. With an AES key set, only encrypted pushes are accepted.

- URL check: GET ?signature&timestamp&nonce&echostr → echostr, if
  signature = sha1(sorted(token, timestamp, nonce)).
- Plain push: POST ?signature&timestamp&nonce, the event in the body.
- Safe push: POST ?encrypt_type=aes&msg_signature&timestamp&nonce, body {"Encrypt": …};
  msg_signature = sha1(sorted(token, timestamp, nonce, Encrypt)), Encrypt decrypted with
  wechatpy's crypto (AES-CBC, the appid checked).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import math
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from wechatpy.crypto import WeChatCrypto
from wechatpy.exceptions import InvalidAppIdException, InvalidSignatureException
from wechatpy.utils import WeChatSigner

from domain_errors import DomainError

log = logging.getLogger(__name__)

EVENT_MEDIA_CHECK = "wxa_media_check"
# WeChat could not download the media_url.
ERRCODE_DOWNLOAD_FAILED = -1008


class PushRefused(DomainError):
    """A push whose signature (or encryption) does not check out."""

    status = 403
    reason = "push_refused"
    message = "推送签名校验失败"


class PushRepeated(Exception):
    """The same signed push again with the same body: WeChat's own retry, already handled."""


class PushNotConfigured(DomainError):
    status = 404
    reason = "not_found"
    message = "未找到或无权查看"


@dataclass(frozen=True)
class MediaCheckResult:
    """WeChat's verdict on one media_check_async request."""

    trace_id: str
    errcode: int  # 0: the verdict is valid; -1008: WeChat could not download the image
    suggest: str | None  # pass | review | risky
    label: int | None


def _signature(*parts: str) -> str:
    signer = WeChatSigner()
    signer.add_data(*parts)
    return signer.signature


# WeChat's pushes are small and flat: a bounded parser refuses the rest before it can cost a
# worker (deep nesting → RecursionError, 1e400 → inf → OverflowError, 10⁵-digit integers).
MAX_PUSH_BYTES = 64 * 1024
MAX_PUSH_DEPTH = 8
MAX_NUMBER_CHARS = 32


class PushMalformed(ValueError):
    """A push body outside the bounds of what WeChat sends."""


def _depth(text: str) -> int:
    """The deepest nesting of JSON brackets or XML elements in text (strings skipped)."""
    deepest = depth = 0
    if text.startswith("{") or text.startswith("["):
        in_string = escaped = False
        for ch in text:
            if in_string:
                if escaped:
                    escaped = False
                elif ch == "\\":
                    escaped = True
                elif ch == '"':
                    in_string = False
            elif ch == '"':
                in_string = True
            elif ch in "[{":
                depth += 1
                deepest = max(deepest, depth)
                if deepest > MAX_PUSH_DEPTH:
                    return deepest
            elif ch in "]}":
                depth -= 1
        return deepest
    i = 0
    while True:
        i = text.find("<", i)
        if i < 0 or i + 1 >= len(text):
            return deepest
        nxt = text[i + 1]
        close = text.find(">", i)
        self_closing = close > 0 and text[close - 1] == "/"
        if nxt == "/":
            depth -= 1
        elif nxt not in "!?" and not self_closing:
            depth += 1
            deepest = max(deepest, depth)
            if deepest > MAX_PUSH_DEPTH:
                return deepest
        i += 1


def _number(text: str) -> float | int:
    if len(text) > MAX_NUMBER_CHARS:
        raise PushMalformed("number too long")
    value = float(text) if any(c in text for c in ".eE") else int(text)
    if isinstance(value, float) and not math.isfinite(value):
        raise PushMalformed("number out of range")
    return value


def _no_constant(name: str) -> None:
    raise PushMalformed(f"{name} is not a number WeChat sends")


def _parse(raw: bytes | str) -> dict[str, Any]:
    if len(raw) > MAX_PUSH_BYTES:
        raise PushMalformed("push too large")
    text = raw.decode("utf-8") if isinstance(raw, bytes) else raw
    text = text.strip()
    if _depth(text) > MAX_PUSH_DEPTH:
        raise PushMalformed("push nested too deep")
    if text.startswith("{"):
        value = json.loads(
            text, parse_int=_number, parse_float=_number, parse_constant=_no_constant
        )
        if not isinstance(value, dict):
            raise ValueError("not a JSON object")
        return value
    import xmltodict

    return dict(xmltodict.parse(text, disable_entities=True)["xml"])


class PushEndpoint:
    """Verifies and opens WeChat's pushes for one mini-program."""

    def __init__(
        self,
        token: str,
        aes_key: str | None,
        appid: str,
        max_skew_seconds: int = 300,
        redis: Any = None,
    ) -> None:
        self.token = token
        self.appid = appid
        self.crypto = WeChatCrypto(token, aes_key, appid) if aes_key else None
        self.max_skew = max_skew_seconds
        self.redis = redis

    def _once(self, timestamp: str, nonce: str, what: bytes) -> None:
        """Remember a signed query for the replay window: its signature covers only token,
        timestamp and nonce (WeChat's protocol), so in plain mode a query seen once (a URL
        check's too) would carry any body. The first body wins (SET NX, atomic); the same
        query with the same body again is WeChat's retry (PushRepeated), with any other body
        a replay (refused). A Redis that cannot answer propagates (503: WeChat retries)."""
        if self.redis is None:
            return
        digest = hashlib.sha256(what).hexdigest()
        key = "wechat:push:nonce:" + hashlib.sha256(f"{timestamp}:{nonce}".encode()).hexdigest()
        # A query is accepted while |now - timestamp| <= max_skew: remembered that long after.
        if self.redis.set(key, digest, nx=True, ex=2 * self.max_skew + 60):
            return
        seen = self.redis.get(key)
        seen = seen.decode() if isinstance(seen, bytes) else seen
        if seen == digest:
            raise PushRepeated()
        log.warning("a push reused a signed query with another body: refused as a replay")
        raise PushRefused()

    def _fresh(self, timestamp: str | None) -> None:
        """A signature stays valid forever: a push signed outside the window around our clock
        is a captured one sent again (or not WeChat's), refused."""
        try:
            stamp = int(timestamp or "")
        except ValueError:
            raise PushRefused() from None
        if abs(time.time() - stamp) > self.max_skew:
            log.warning("a push signed %+d s from our clock was refused", stamp - int(time.time()))
            raise PushRefused()

    def _check(self, signature: str | None, timestamp: str | None, nonce: str | None) -> None:
        if not (signature and timestamp and nonce):
            raise PushRefused()
        expected = _signature(self.token, timestamp, nonce)
        if not hmac.compare_digest(expected, signature):
            raise PushRefused()
        self._fresh(timestamp)

    def verify_url(self, query: Mapping[str, str]) -> str:
        """The echostr to answer to WeChat's URL check."""
        self._check(query.get("signature"), query.get("timestamp"), query.get("nonce"))
        echostr = query.get("echostr") or ""
        try:
            self._once(query["timestamp"], query["nonce"], b"url-check:" + echostr.encode())
        except PushRepeated:
            pass  # the same URL check again only echoes again
        return echostr

    def open(self, query: Mapping[str, str], body: bytes) -> dict[str, Any]:
        """The pushed message, once its signature is checked (and decrypted in safe mode)."""
        timestamp, nonce = query.get("timestamp"), query.get("nonce")
        encrypted = query.get("encrypt_type") == "aes"
        if self.crypto is not None and not encrypted:
            # Safe or compatible mode is configured: a plain push is not from WeChat.
            raise PushRefused()
        if not encrypted:
            self._check(query.get("signature"), timestamp, nonce)
            self._once(timestamp, nonce, b"push:" + body)
            try:
                return _parse(body)
            except (ValueError, KeyError, TypeError, RecursionError) as exc:
                raise PushRefused("推送内容无法解析") from exc
        if self.crypto is None or not (query.get("msg_signature") and timestamp and nonce):
            raise PushRefused()
        self._fresh(timestamp)
        try:
            envelope = _parse(body)
            plain = self.crypto.decrypt_message(envelope, query["msg_signature"], timestamp, nonce)
        except (InvalidSignatureException, InvalidAppIdException) as exc:
            raise PushRefused() from exc
        except Exception as exc:  # noqa: BLE001 - garbled ciphertext fails in many ways
            log.warning("a push could not be decrypted: %r", exc)
            raise PushRefused("推送内容无法解析") from exc
        # Only a push whose msg_signature checked out is remembered (no memory for forgeries).
        self._once(timestamp, nonce, b"push:" + body)
        try:
            return _parse(plain)
        except (ValueError, KeyError, TypeError, RecursionError) as exc:
            log.warning("a decrypted push could not be parsed: %r", exc)
            raise PushRefused("推送内容无法解析") from exc


def media_check_result(message: Mapping[str, Any], appid: str) -> MediaCheckResult | None:
    """The media-check verdict in a push, or None if the push is about something else."""
    if message.get("Event") != EVENT_MEDIA_CHECK:
        return None
    if message.get("appid") not in (None, appid):
        log.warning("media check push for another appid: %s", message.get("appid"))
        return None
    trace_id = message.get("trace_id")
    if not isinstance(trace_id, str) or not trace_id:
        return None
    result = message.get("result") or {}
    suggest = result.get("suggest") if isinstance(result, Mapping) else None
    label = result.get("label") if isinstance(result, Mapping) else None
    try:
        errcode = int(message.get("errcode") or 0)
        label = int(label) if label is not None else None
    except (TypeError, ValueError, OverflowError):
        return MediaCheckResult(trace_id, -1, None, None)
    if suggest not in ("pass", "review", "risky"):
        suggest = None
    return MediaCheckResult(trace_id, errcode, suggest, label)
