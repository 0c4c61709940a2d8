"""The mini-program's WeChat client: the only place that knows WeChat's wire format.

wechatpy does the HTTP and JSON work; its own token auto-retry is off (with it on, a WeChat that
keeps answering 40001 made one call recurse ~470 times). Here instead:

- the access token comes from getStableAccessToken (`POST cgi-bin/stable_token`) in normal mode,
  so other holders of the appid (staging, devtools, a cloud function) neither invalidate ours nor
  are invalidated by us; it is cached in Redis and renewed by one worker at a time under a lock;
- when WeChat rejects a token (40001/40014/42001) and that token is still the cached one, it is
  renewed once (normal mode first; force_refresh only if WeChat hands back the same token, at most
  once per 30 s and 20 times a day, as WeChat allows) and the call retried once. A call never
  goes out more than twice; then it is `WeChatUnavailable`;
- every answer is checked for the shape WeChat documents: a 200 that is not JSON where JSON is
  due is `WeChatUnavailable`, never a success.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import redis.exceptions
import requests
from wechatpy import WeChatClient
from wechatpy.exceptions import WeChatClientException
from wechatpy.session.redisstorage import RedisStorage

from clock import SHANGHAI
from models.redis_store import redis_unavailable
from wechat.errors import (
    WeChatCodeInvalid,
    WeChatMisconfigured,
    WeChatRateLimited,
    WeChatRejected,
    WeChatUnavailable,
    WeChatUserBlocked,
)
from wechat.redaction import redact, redacted_cause

log = logging.getLogger(__name__)


# The token was rejected: invalid (another holder force-refreshed it, or the platform revoked
# it), not the latest, or expired.
TOKEN_ERRCODES = frozenset({40001, 40014, 42001})
# Try again later: system busy, daily quota used up.
UNAVAILABLE_ERRCODES = frozenset({-1, 45009})
# The per-minute quota of an API (45011; 44991 on the security APIs).
RATE_LIMIT_ERRCODES = frozenset({45011, 44991})
# Our own credentials or network set-up are wrong: appid, secret, frozen secret, missing
# parameters, IP not whitelisted (or waiting for the admin's confirmation), API not granted.
CONFIG_ERRCODES = frozenset(
    {40002, 40013, 40125, 40164, 40243, 41002, 41004, 48001, 89501, 89503, 89506, 89507}
)
# code2Session's answers about the user's code and the user.
CODE_INVALID_ERRCODES = frozenset({40029, 40163})
ERRCODE_USER_BLOCKED = 40226

# Cache a token this much shorter than WeChat says it lives: in normal mode WeChat hands out the
# next token in the last 5 minutes and keeps both valid meanwhile, so renewing then is seamless.
TOKEN_EXPIRY_MARGIN = 300
# WeChat's own limits on force_refresh.
FORCE_REFRESH_INTERVAL = 30
FORCE_REFRESH_PER_DAY = 20

MINIPROGRAM_STATES = ("formal", "trial", "developer")
ENV_VERSIONS = ("release", "trial", "develop")
LANG = "zh_CN"
# getwxacodeunlimit's scene: at most 32 visible characters of this set.
SCENE_CHARS = set(
    "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ!#$&'()*+,/:;=?@-._~"
)


def sniff_image(data: bytes) -> str | None:
    """The MIME type of image bytes by their magic number (never by what the sender claims)."""
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data[:6] in (b"GIF87a", b"GIF89a"):
        return "image/gif"
    if len(data) >= 12 and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return None


@dataclass(frozen=True)
class ShareCode:
    """A mini-program code image and its real content type."""

    data: bytes
    content_type: str


class MiniProgramClient(WeChatClient):
    """wechatpy's client with WECHAT_API_BASE, timeouts, a stable token and bounded retries."""

    def __init__(
        self,
        appid: str,
        secret: str,
        redis_client: Any,
        api_base: str,
        timeout: tuple[float, float] = (3.0, 5.0),
        miniprogram_state: str = "formal",
        env_version: str = "release",
    ) -> None:
        base = api_base if api_base.endswith("/") else api_base + "/"
        super().__init__(
            appid,
            secret,
            session=RedisStorage(redis_client, prefix="wechatpy"),
            timeout=timeout,
            auto_retry=False,
        )
        self.api_base = base
        self.API_BASE_URL = base + "cgi-bin/"
        self.wxa.API_BASE_URL = base
        self.miniprogram_state = miniprogram_state
        self.env_version = env_version
        self._redis = redis_client

    # -- the access token --------------------------------------------------------------------

    @property
    def _lock_key(self) -> str:
        return f"wechatpy:{self.appid}:token-lock"

    def _force_keys(self) -> tuple[str, str]:
        day = datetime.now(SHANGHAI).strftime("%Y%m%d")
        return (
            f"wechatpy:{self.appid}:force-refresh",
            f"wechatpy:{self.appid}:force-refresh:{day}",
        )

    @property
    def access_token(self) -> str:
        """The cached token, or a new one fetched by one worker while the others wait."""
        try:
            token = self.session.get(self.access_token_key)
            if token:
                return token
            return self._under_lock(self._renew_if_missing)
        except redis.exceptions.RedisError as exc:
            # The token lives in Redis; without it no token-authenticated call can go out.
            if not redis_unavailable(exc):
                raise
            raise WeChatUnavailable() from exc

    def fetch_access_token(self) -> dict[str, Any]:
        """wechatpy's hook: a normal-mode stable token, stored in the cache."""
        result = self._stable_token(force_refresh=False)
        self._store(result)
        return result

    def _under_lock(self, fn):
        lock = self._redis.lock(self._lock_key, timeout=30, blocking_timeout=15)
        if not lock.acquire():
            raise WeChatUnavailable()
        try:
            return fn()
        finally:
            try:
                lock.release()
            except Exception:  # noqa: BLE001 - the lock may have expired; nothing to undo
                pass

    def _renew_if_missing(self) -> str:
        token = self.session.get(self.access_token_key)
        if token:
            return token  # another worker fetched it while we waited for the lock
        return self.fetch_access_token()["access_token"]

    def _renew_rejected(self, failing: str) -> str | None:
        """A token to use instead of `failing`, which WeChat just rejected; None if WeChat keeps
        handing out the rejected one (then the caller gives up)."""

        def renew() -> str | None:
            cached = self.session.get(self.access_token_key)
            if cached and cached != failing:
                return cached  # another worker renewed it meanwhile
            result = self._stable_token(force_refresh=False)
            if result["access_token"] == failing and self._may_force_refresh():
                log.warning("WeChat rejects the current stable token; forcing a refresh")
                result = self._stable_token(force_refresh=True)
            if result["access_token"] == failing:
                log.error("WeChat rejects its own current access token; giving up this call")
                self.session.delete(self.access_token_key)
                return None
            self._store(result)
            return result["access_token"]

        try:
            return self._under_lock(renew)
        except redis.exceptions.RedisError as exc:
            if not redis_unavailable(exc):
                raise
            raise WeChatUnavailable() from exc

    def _may_force_refresh(self) -> bool:
        """WeChat allows force_refresh 20 times a day, 30 s apart; count both in Redis."""
        gate, daily = self._force_keys()
        if not self._redis.set(gate, 1, nx=True, ex=FORCE_REFRESH_INTERVAL):
            return False
        used = self._redis.incr(daily)
        if used == 1:
            self._redis.expire(daily, 2 * 24 * 3600)
        if used > FORCE_REFRESH_PER_DAY:
            log.error("force_refresh budget of the day (%s) is used up", FORCE_REFRESH_PER_DAY)
            return False
        return True

    def _store(self, result: dict[str, Any]) -> None:
        ttl = max(60, int(result.get("expires_in", 7200)) - TOKEN_EXPIRY_MARGIN)
        self.session.set(self.access_token_key, result["access_token"], ttl)

    def _stable_token(self, force_refresh: bool) -> dict[str, Any]:
        """getStableAccessToken: POST JSON only."""
        body = {"grant_type": "client_credential", "appid": self.appid, "secret": self.secret}
        if force_refresh:
            body["force_refresh"] = True
        try:
            res = self._http.post(
                self.api_base + "cgi-bin/stable_token", json=body, timeout=self.timeout
            )
            res.raise_for_status()
            result = res.json()
        except (requests.RequestException, ValueError) as exc:
            log.warning("WeChat stable_token failed: %s", redact(str(exc)))
            raise WeChatUnavailable() from redacted_cause(exc)
        if not isinstance(result, dict):
            raise WeChatUnavailable()
        errcode = result.get("errcode") or 0
        if errcode:
            raise self._error(int(errcode), result.get("errmsg"), "stable_token")
        token = result.get("access_token")
        if not isinstance(token, str) or not token:
            log.error("WeChat stable_token answered without a token: %s", sorted(result))
            raise WeChatUnavailable()
        return result

    # -- errors ------------------------------------------------------------------------------

    def _error(self, errcode: int | None, errmsg: Any, api: str) -> Exception:
        """The domain error for an errcode that the caller does not handle itself."""
        if errcode is None or errcode in UNAVAILABLE_ERRCODES:
            log.warning("WeChat %s unavailable: %s %s", api, errcode, errmsg)
            return WeChatUnavailable()
        if errcode in RATE_LIMIT_ERRCODES:
            log.warning("WeChat %s rate-limited: %s %s", api, errcode, errmsg)
            return WeChatRateLimited(errcode)
        if errcode in CONFIG_ERRCODES:
            log.error(
                "WeChat %s refused our credentials or set-up: errcode %s (%s); check "
                "WECHAT_APPID / WECHAT_SECRET and the IP whitelist",
                api,
                errcode,
                errmsg,
            )
            return WeChatMisconfigured(errcode, str(errmsg))
        return WeChatRejected(errcode, str(errmsg) if errmsg is not None else None)

    # -- calls -------------------------------------------------------------------------------

    def code_to_session(self, js_code: str) -> dict[str, Any]:
        """code2Session: needs appid+secret, not an access token."""
        try:
            result = self._request(
                "get",
                self.api_base + "sns/jscode2session",
                params={
                    "appid": self.appid,
                    "secret": self.secret,
                    "js_code": js_code,
                    "grant_type": "authorization_code",
                    # Present so wechatpy does not fetch a token; requests drops None params.
                    "access_token": None,
                },
            )
        except WeChatClientException as exc:
            if exc.errcode in CODE_INVALID_ERRCODES:
                raise WeChatCodeInvalid() from redacted_cause(exc)
            if exc.errcode == ERRCODE_USER_BLOCKED:
                log.info("code2Session: WeChat blocks a high-risk user (40226)")
                raise WeChatUserBlocked() from redacted_cause(exc)
            error = self._error(exc.errcode, exc.errmsg, "code2Session")
            if isinstance(error, WeChatRejected):
                # Anything undocumented for a login is on our side: log it, the user sees 503.
                log.error("code2Session errcode %s (%s)", exc.errcode, exc.errmsg)
                error = WeChatMisconfigured(exc.errcode, exc.errmsg)
            raise error from redacted_cause(exc)
        except requests.RequestException as exc:
            raise WeChatUnavailable() from redacted_cause(exc)
        if not isinstance(result, dict):
            log.warning("code2Session answered 200 without JSON")
            raise WeChatUnavailable()
        if not isinstance(result.get("openid"), str) or not result["openid"]:
            log.warning("code2Session answered without an openid: %s", sorted(result))
            raise WeChatUnavailable()
        return result

    def call(
        self,
        method: str,
        endpoint: str,
        *,
        data: dict[str, Any] | None = None,
        binary: bool = False,
    ) -> Any:
        """A token-authenticated call: a dict (or the raw response when `binary`), at most two
        requests (one renew+retry on a rejected token), errcodes as domain errors."""
        token = self.access_token
        for attempt in (1, 2):
            try:
                result = self._request(
                    method,
                    endpoint,
                    api_base_url=self.api_base,
                    params={"access_token": token},
                    data=dict(data) if data is not None else None,
                )
            except WeChatClientException as exc:
                if exc.errcode in TOKEN_ERRCODES:
                    if attempt == 1:
                        renewed = self._renew_rejected(token)
                        if renewed is not None:
                            token = renewed
                            continue
                    log.error(
                        "WeChat %s rejected the access token (%s) after one renewal; giving up",
                        endpoint,
                        exc.errcode,
                    )
                    raise WeChatUnavailable() from redacted_cause(exc)
                raise self._error(exc.errcode, exc.errmsg, endpoint) from redacted_cause(exc)
            except requests.RequestException as exc:
                log.warning("WeChat %s failed: %s", endpoint, redact(str(exc)))
                raise WeChatUnavailable() from redacted_cause(exc)
            return self._checked(result, endpoint, binary)
        raise AssertionError("unreachable")

    @staticmethod
    def _checked(result: Any, endpoint: str, binary: bool) -> Any:
        if binary:
            if isinstance(result, dict):
                log.warning("WeChat %s answered JSON without an errcode: %s", endpoint, result)
                raise WeChatUnavailable()
            return result
        if not isinstance(result, dict):
            # e.g. a gateway's HTML page with status 200: not a success.
            ctype = getattr(result, "headers", {}).get("Content-Type")
            log.warning("WeChat %s answered 200 without JSON (%s)", endpoint, ctype)
            raise WeChatUnavailable()
        return result

    def msg_sec_check(
        self, openid: str, content: str, scene: int, title: str | None = None
    ) -> dict[str, Any]:
        """Text security check v2; the answer's result.suggest is pass, review or risky."""
        body: dict[str, Any] = {"content": content, "version": 2, "scene": scene, "openid": openid}
        if title:
            body["title"] = title
        return self.call("post", "wxa/msg_sec_check", data=body)

    def media_check_async(self, media_url: str, openid: str, scene: int) -> str:
        """Image security check v2 (asynchronous): returns the trace_id that WeChat's push of
        the result will carry."""
        answer = self.call(
            "post",
            "wxa/media_check_async",
            data={
                "media_url": media_url,
                "media_type": 2,
                "version": 2,
                "scene": scene,
                "openid": openid,
            },
        )
        trace_id = answer.get("trace_id")
        if not isinstance(trace_id, str) or not trace_id:
            log.warning("media_check_async answered without a trace_id: %s", answer)
            raise WeChatUnavailable()
        return trace_id

    def send_subscribe(
        self, openid: str, template_id: str, data: dict[str, Any], page: str | None = None
    ) -> dict[str, Any]:
        """Send one subscribe message to the configured build (miniprogram_state) in zh_CN."""
        body: dict[str, Any] = {
            "touser": openid,
            "template_id": template_id,
            "data": data,
            "miniprogram_state": self.miniprogram_state,
            "lang": LANG,
        }
        if page:
            body["page"] = page
        return self.call("post", "cgi-bin/message/subscribe/send", data=body)

    def share_code(
        self,
        scene: str,
        page: str | None = None,
        *,
        env_version: str | None = None,
        check_path: bool | None = None,
        width: int = 430,
    ) -> ShareCode:
        """A mini-program code (getwxacodeunlimit) that opens `page` of the configured build
        with `scene`; its content type is read from the bytes (WeChat sends JPEG)."""
        if not scene or len(scene) > 32 or not set(scene) <= SCENE_CHARS:
            raise ValueError(f"scene must be 1..32 characters of WeChat's set: {scene!r}")
        env = env_version or self.env_version
        if env not in ENV_VERSIONS:
            raise ValueError(f"env_version must be one of {ENV_VERSIONS}")
        body: dict[str, Any] = {
            "scene": scene,
            "width": width,
            "env_version": env,
            # Only a released build's pages can be checked; a trial or develop build's page
            # may not be published yet.
            "check_path": env == "release" if check_path is None else check_path,
        }
        if page:
            body["page"] = page.lstrip("/")
        res = self.call("post", "wxa/getwxacodeunlimit", data=body, binary=True)
        content_type = sniff_image(res.content)
        if content_type is None:
            log.warning("getwxacodeunlimit answered bytes that are not an image")
            raise WeChatUnavailable()
        return ShareCode(res.content, content_type)
