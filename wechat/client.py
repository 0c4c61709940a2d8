"""The mini-program's WeChat client: wechatpy pointed at WECHAT_API_BASE, token cached in Redis."""

from __future__ import annotations

import logging
import time
from typing import Any

import redis.exceptions
import requests
from wechatpy import WeChatClient
from wechatpy.exceptions import WeChatClientException
from wechatpy.session.redisstorage import RedisStorage

from wechat.errors import WeChatCodeInvalid, WeChatRejected, WeChatUnavailable

log = logging.getLogger(__name__)

REDIS_ERRORS = (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError)
# WeChat's answers that mean "try later", not "your input is wrong".
TRANSIENT_ERRCODES = {-1, 45009, 45011, 45033}
# Leave a margin so no request goes out with a token WeChat is about to expire.
TOKEN_EXPIRY_MARGIN = 300
# A token fetched this recently is trusted even after a 40001: another worker just renewed it.
TOKEN_FRESH_SECONDS = 30


class MiniProgramClient(WeChatClient):
    """wechatpy's client with a configurable API base, timeouts and a single-flight token."""

    def __init__(
        self,
        appid: str,
        secret: str,
        redis_client: Any,
        api_base: str,
        timeout: tuple[float, float] = (3.0, 5.0),
    ) -> None:
        base = api_base if api_base.endswith("/") else api_base + "/"
        super().__init__(
            appid,
            secret,
            session=RedisStorage(redis_client, prefix="wechatpy"),
            timeout=timeout,
        )
        self.api_base = base
        self.API_BASE_URL = base + "cgi-bin/"
        self.wxa.API_BASE_URL = base
        self._redis = redis_client

    @property
    def _fetched_at_key(self) -> str:
        return f"wechatpy:{self.appid}_access_token_fetched_at"

    @property
    def access_token(self) -> str:
        try:
            token = self.session.get(self.access_token_key)
            if token:
                return token
            return self.fetch_access_token()["access_token"]
        except REDIS_ERRORS as exc:
            # The token lives in Redis; without it no token-authenticated call can go out.
            raise WeChatUnavailable() from exc

    def fetch_access_token(self) -> dict[str, Any]:
        """Renew the token, one worker at a time; the others wait and reuse its result."""
        lock = self._redis.lock(
            f"wechatpy:{self.appid}:token-lock", timeout=30, blocking_timeout=15
        )
        if not lock.acquire():
            raise WeChatUnavailable()
        try:
            fetched_at = self._redis.get(self._fetched_at_key)
            token = self.session.get(self.access_token_key)
            if token and fetched_at and time.time() - float(fetched_at) < TOKEN_FRESH_SECONDS:
                return {"access_token": token}
            result = self._call_token_endpoint()
            expires_in = int(result.get("expires_in", 7200))
            ttl = max(60, expires_in - TOKEN_EXPIRY_MARGIN)
            self.session.set(self.access_token_key, result["access_token"], ttl)
            self._redis.set(self._fetched_at_key, time.time(), ex=ttl)
            return result
        finally:
            try:
                lock.release()
            except Exception:  # noqa: BLE001 - the lock may have expired; nothing to undo
                pass

    def _call_token_endpoint(self) -> dict[str, Any]:
        try:
            res = self._http.get(
                self.api_base + "cgi-bin/token",
                params={
                    "grant_type": "client_credential",
                    "appid": self.appid,
                    "secret": self.secret,
                },
                timeout=self.timeout,
            )
            res.raise_for_status()
            result = res.json()
        except (requests.RequestException, ValueError) as exc:
            log.warning("WeChat token endpoint failed: %s", exc)
            raise WeChatUnavailable() from exc
        if result.get("errcode"):
            log.error("WeChat refused a token: %s", result)
            raise WeChatUnavailable()
        return result

    # -- calls -------------------------------------------------------------

    def code_to_session(self, js_code: str) -> dict[str, Any]:
        """code2Session: needs appid+secret, not an access token."""
        try:
            return self.get(
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
            if exc.errcode is None or exc.errcode in TRANSIENT_ERRCODES:
                raise WeChatUnavailable() from exc
            raise WeChatCodeInvalid() from exc
        except requests.RequestException as exc:
            raise WeChatUnavailable() from exc

    def call(self, method: str, endpoint: str, **kwargs: Any) -> dict[str, Any]:
        """Any token-authenticated call; transport and transient failures become 503."""
        try:
            return self._request(method, endpoint, api_base_url=self.api_base, **kwargs)
        except WeChatClientException as exc:
            if exc.errcode is None or exc.errcode in TRANSIENT_ERRCODES:
                raise WeChatUnavailable() from exc
            raise WeChatRejected(exc.errcode, exc.errmsg) from exc
        except requests.RequestException as exc:
            raise WeChatUnavailable() from exc

    def msg_sec_check(self, openid: str, content: str, scene: int = 2) -> dict[str, Any]:
        """Content security check, v2: the answer's result.suggest is pass, review or risky."""
        return self.call(
            "post",
            "wxa/msg_sec_check",
            data={"content": content, "version": 2, "scene": scene, "openid": openid},
        )

    def send_subscribe(
        self, openid: str, template_id: str, data: dict[str, Any], page: str | None = None
    ) -> dict[str, Any]:
        """Send one subscribe message; errcode 43101 means the user did not subscribe."""
        body: dict[str, Any] = {"touser": openid, "template_id": template_id, "data": data}
        if page:
            body["page"] = page
        return self.call("post", "cgi-bin/message/subscribe/send", data=body)

    def wxa_code_unlimited(self, scene: str, page: str | None = None, width: int = 430) -> bytes:
        """A mini-program code image (PNG bytes) for a scene string."""
        body: dict[str, Any] = {"scene": scene, "width": width}
        if page:
            body["page"] = page
        res = self.call("post", "wxa/getwxacodeunlimit", data=body)
        if isinstance(res, dict):
            raise WeChatRejected(res.get("errcode"), res.get("errmsg"))
        return res.content
