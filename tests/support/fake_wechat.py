"""A fake WeChat API on loopback that wechatpy really talks to over HTTP, as strict as WeChat's
documentation: it checks field types, lengths and values and answers WeChat's errcodes.

- Tokens: `POST cgi-bin/stable_token` (JSON only; normal mode returns the current token, a new
  one in its last 5 minutes; force_refresh gives a new token and invalidates the old, at most 20
  a day and only 30 s apart — sooner, it returns the current token unchanged). Every
  token-authenticated API answers 40001 for a token it did not issue or that was replaced, 42001
  for an expired one. `cgi-bin/token` (getAccessToken, which invalidates the previous one) is
  served too, counted in `legacy_token_fetches`: our app must never call it.
- Switches: `token_error_forever = 40001`; `inactive_openids` (61010); `fail[path] = errcode`
  (e.g. 45011) on any API; `non_json.add(path)` (a 200 HTML page).
- Subscribe messages: one message per one-time consent, as WeChat documents it: `grant(openid,
  template_id, n)` gives n; a send without one answers 43101 and a sent message spends one.
  `templates[template_id] = [keywords]`, each value checked against its
  keyword type's documented rules (47003), `miniprogram_state` required (47001), `lang` checked,
  `page` checked against `pages[state]` (41030).
- Share codes (`getwxacodeunlimit`): scene/page/env_version/check_path checked; the image is sent
  as `image/jpeg`, as WeChat does.
- Image checks: `media_check_async` records a job; `deliver_media_checks()` fetches each
  media_url like WeChat, judges it with `media_judge(bytes) -> (suggest, label)` and pushes the
  result to `push_url`, signed (and encrypted in safe mode) the way WeChat does it.

Behaviour can also be scripted per test: `server.script(path, fn)` where fn(query, body) returns
(status, dict | bytes).
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import os
import re
import struct
import threading
import time
import uuid
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlparse

import requests

Handler = Callable[[dict[str, str], Any], tuple[int, Any]]

APPID = "wx-test-appid"
SECRET = "wx-test-secret"
TOKEN_LIFETIME = 7200
TOKEN_APIS = {
    "/wxa/msg_sec_check",
    "/wxa/media_check_async",
    "/cgi-bin/message/subscribe/send",
    "/wxa/getwxacodeunlimit",
}
STATES = ("developer", "trial", "formal")
LANGS = ("zh_CN", "en_US", "zh_HK", "zh_TW")
SCENE_CHARS = re.compile(r"^[0-9A-Za-z!#$&'()*+,/:;=?@\-._~]{1,32}$")
CJK = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_CLOCK = r"([01]\d|2[0-3]):[0-5]\d(:[0-5]\d)?"
_DAY = (
    r"(\d{4}年\d{1,2}月\d{1,2}日|\d{4}年\d{1,2}月|\d{1,2}月\d{1,2}日"
    r"|\d{4}[-/.]\d{1,2}[-/.]\d{1,2}|\d{4}-\d{1,2}|\d{1,2}-\d{1,2})"
)
_TIME = re.compile(rf"^({_DAY} )?{_CLOCK}$")
_DATE = re.compile(rf"^{_DAY}( {_CLOCK})?$")


def _one_or_range(pattern: re.Pattern, value: str) -> bool:
    return all(pattern.match(part.strip()) for part in value.split("~")) if value else False


def keyword_value_ok(ktype: str, value: Any) -> bool:
    """WeChat's documented rules for a subscribe-message keyword of type `ktype`."""
    if not isinstance(value, str) or not value or _CONTROL.search(value):
        return False
    if ktype == "thing":
        return len(value) <= 20
    if ktype == "number":
        return len(value) <= 32 and re.fullmatch(r"\d+(\.\d+)?", value) is not None
    if ktype == "letter":
        return re.fullmatch(r"[A-Za-z]{1,32}", value) is not None
    if ktype == "symbol":
        return len(value) <= 5 and not re.search(rf"[0-9A-Za-z{CJK}\s]", value)
    if ktype == "character_string":
        return re.fullmatch(r"[\x21-\x7e]{1,32}", value) is not None
    if ktype == "time":
        return _one_or_range(_TIME, value)
    if ktype == "date":
        return _one_or_range(_DATE, value)
    if ktype == "amount":
        return re.fullmatch(r"[¥￥$€£]\d{1,10}(\.\d+)?元?", value) is not None
    if ktype == "phone_number":
        return re.fullmatch(r"[0-9+\-() ]{1,17}", value) is not None
    if ktype == "car_number":
        plate = rf"[{CJK}A-Za-z0-9][A-Za-z0-9]{{0,6}}[{CJK}A-Za-z0-9]?"
        return re.fullmatch(plate, value) is not None
    if ktype == "name":
        if re.search(rf"[{CJK}]", value):
            return len(value) <= 10 and re.fullmatch(rf"[{CJK}A-Za-z·]+", value) is not None
        return len(value) <= 20 and not re.search(r"[\d\s]", value)
    if ktype == "phrase":
        return re.fullmatch(rf"[{CJK}]{{1,5}}", value) is not None
    return False


def _keyword_type(keyword: str) -> str:
    m = re.match(r"^([a-z_]+?)\d+$", keyword)
    return m.group(1) if m else keyword


def push_signature(*parts: str) -> str:
    """WeChat's push signature: sha1 of the sorted parts, concatenated."""
    return hashlib.sha1("".join(sorted(parts)).encode()).hexdigest()


def encrypt_push(aes_key: str, appid: str, message: str) -> str:
    """WeChat's safe-mode encryption (AES-256-CBC, key from the EncodingAESKey, iv = its first
    16 bytes, PKCS#7 to 32 bytes; plaintext = 16 random bytes + length + message + appid),
    written from the documentation, independently of wechatpy."""
    from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

    key = base64.b64decode(aes_key + "=")
    body = message.encode()
    plain = os.urandom(16) + struct.pack(">I", len(body)) + body + appid.encode()
    pad = 32 - len(plain) % 32
    plain += bytes([pad]) * pad
    encryptor = Cipher(algorithms.AES(key), modes.CBC(key[:16])).encryptor()
    return base64.b64encode(encryptor.update(plain) + encryptor.finalize()).decode()


def _jpeg() -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (64, 64), (20, 120, 40)).save(out, "JPEG")
    return out.getvalue()


class FakeWeChat:
    """The server plus a log of the calls it answered."""

    def __init__(self, appid: str = APPID, secret: str = SECRET) -> None:
        self.appid = appid
        self.secret = secret
        self.calls: list[tuple[str, dict[str, str], Any]] = []
        self.clock: Callable[[], float] = time.time
        # tokens
        self.token_fetches = 0  # stable_token calls
        self.force_refreshes = 0  # force_refresh calls that gave a new token
        self.legacy_token_fetches = 0  # cgi-bin/token (getAccessToken) calls
        self._tokens: dict[str, float] = {}  # valid token → expires at
        self._current: str | None = None
        self._legacy_current: str | None = None
        self._serial = 0
        self._last_force = 0.0
        self._forced_on: dict[str, int] = {}
        # switches
        self.token_error_forever: int | None = None
        self.inactive_openids: set[str] = set()
        self.fail: dict[str, int] = {}
        self.non_json: set[str] = set()
        # subscribe messages and pages
        self.templates: dict[str, list[str]] = {}
        # One-time consents the users gave (openid, template id) → count: one message each.
        self.consents: dict[tuple[str, str], int] = {}
        self.pages: dict[str, set[str] | None] = {state: None for state in STATES}
        # image checks
        self.media_jobs: list[dict[str, Any]] = []
        self.media_judge: Callable[[bytes], tuple[str, int]] = lambda data: ("pass", 100)
        self.push_url: str | None = None
        self.push_token: str | None = None
        self.push_aes_key: str | None = None
        self.share_code_image = _jpeg()
        self.handlers: dict[str, Handler] = {
            "/sns/jscode2session": self._code2session,
            "/cgi-bin/token": self._legacy_token,
            "/cgi-bin/stable_token": self._stable_token,
            "/wxa/msg_sec_check": self._msg_sec_check,
            "/wxa/media_check_async": self._media_check_async,
            "/cgi-bin/message/subscribe/send": self._subscribe_send,
            "/wxa/getwxacodeunlimit": self._share_code,
        }
        self._lock = threading.Lock()
        fake = self

        class RequestHandler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:  # quiet
                pass

            def _answer(self) -> None:
                parsed = urlparse(self.path)
                query = {k: v[0] for k, v in parse_qs(parsed.query).items()}
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                try:
                    body: Any = json.loads(raw) if raw else None
                except ValueError:
                    body = raw
                with fake._lock:
                    fake.calls.append((parsed.path, query, body))
                    handler = fake.handlers.get(parsed.path)
                    scripted = handler is not None and getattr(handler, "__self__", None) is None
                if handler is None:
                    status, payload = 404, {"errcode": 404, "errmsg": "no such api"}
                elif parsed.path in fake.non_json:
                    status, payload = 200, b"<html><body>502 Bad Gateway</body></html>"
                elif not scripted and parsed.path in fake.fail:
                    status, payload = 200, {"errcode": fake.fail[parsed.path], "errmsg": "fail"}
                elif not scripted and parsed.path in TOKEN_APIS and fake._token_error(query):
                    status, payload = 200, fake._token_error(query)
                else:
                    status, payload = handler(query, body)
                if isinstance(payload, bytes):
                    data = payload
                    ctype = _sniff(payload)
                else:
                    data = json.dumps(payload, ensure_ascii=False).encode()
                    ctype = "application/json"
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", ctype)
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client timed out first; that was the point

            do_GET = _answer
            do_POST = _answer

        self.httpd = _Server(("127.0.0.1", 0), RequestHandler)
        self.httpd.daemon_threads = True
        # A short poll: stop() (every test's teardown) waits for the loop to notice.
        self.thread = threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    # -- tokens ------------------------------------------------------------------------------

    def _new_token(self, invalidate_current: bool = False) -> str:
        self._serial += 1
        token = f"STABLE-{self._serial}"
        if invalidate_current:
            self._tokens.pop(self._current or "", None)
        self._tokens[token] = self.clock() + TOKEN_LIFETIME
        self._current = token
        return token

    def invalidate_tokens(self) -> str:
        """Another holder force-refreshed: every token we issued is invalid; a new one is
        current (normal mode hands it out)."""
        with self._lock:
            self._tokens.clear()
            self._current = None
            return self._new_token()

    def _token_error(self, query: dict[str, str]) -> dict[str, Any] | None:
        if self.token_error_forever:
            return {"errcode": self.token_error_forever, "errmsg": "invalid credential"}
        token = query.get("access_token")
        if not token:
            return {"errcode": 41001, "errmsg": "access_token missing"}
        expires = self._tokens.get(token)
        if expires is None:
            return {"errcode": 40001, "errmsg": "invalid credential, access_token is invalid"}
        if expires <= self.clock():
            return {"errcode": 42001, "errmsg": "access_token expired"}
        return None

    def _stable_token(self, query: dict[str, str], body: Any) -> tuple[int, Any]:
        if not isinstance(body, dict):
            return 200, {"errcode": 47001, "errmsg": "data format error: POST JSON only"}
        if body.get("grant_type") != "client_credential":
            return 200, {"errcode": 40002, "errmsg": "invalid grant_type"}
        if body.get("appid") != self.appid:
            return 200, {"errcode": 40013, "errmsg": "invalid appid"}
        if body.get("secret") != self.secret:
            return 200, {"errcode": 40125, "errmsg": "invalid appsecret"}
        force = body.get("force_refresh", False)
        if not isinstance(force, bool):
            return 200, {"errcode": 47001, "errmsg": "force_refresh must be a boolean"}
        time.sleep(0.05)  # long enough for racing workers to overlap
        with self._lock:
            self.token_fetches += 1
            now = self.clock()
            if force and now - self._last_force >= 30:
                day = time.strftime("%Y%m%d", time.gmtime(now + 8 * 3600))
                if self._forced_on.get(day, 0) >= 20:
                    return 200, {"errcode": 45009, "errmsg": "reach max api daily quota limit"}
                self._forced_on[day] = self._forced_on.get(day, 0) + 1
                self._last_force = now
                self.force_refreshes += 1
                token = self._new_token(invalidate_current=True)
            elif self._current is None or self._tokens.get(self._current, 0) - now <= 300:
                token = self._new_token()  # a new one in the last 5 minutes (old stays valid)
            else:
                token = self._current
            expires_in = int(self._tokens[token] - now)
        return 200, {"access_token": token, "expires_in": expires_in}

    def _legacy_token(self, query: dict[str, str], body: Any) -> tuple[int, Any]:
        """getAccessToken as WeChat serves it: each call invalidates the previous token of every
        other holder of the appid. Served (so old code can be shown to fail) and counted."""
        if query.get("appid") != self.appid or query.get("secret") != self.secret:
            return 200, {"errcode": 40013, "errmsg": "invalid appid or secret"}
        time.sleep(0.05)
        with self._lock:
            self.legacy_token_fetches += 1
            self._tokens.pop(self._legacy_current or "", None)
            self._legacy_current = f"TOKEN-{self.legacy_token_fetches}"
            self._tokens[self._legacy_current] = self.clock() + TOKEN_LIFETIME
            return 200, {"access_token": self._legacy_current, "expires_in": TOKEN_LIFETIME}

    # -- login --------------------------------------------------------------------------------

    def _code2session(self, query: dict[str, str], body: Any) -> tuple[int, Any]:
        """Codes: ok-<openid> logs in; invalid → 40029; used → 40163; busy → -1; slow → hangs;
        blocked → 40226; rate → 45011."""
        code = query.get("js_code", "")
        if "access_token" in query:
            return 200, {"errcode": 40097, "errmsg": "code2Session takes no access_token"}
        if query.get("appid") != self.appid:
            return 200, {"errcode": 40013, "errmsg": "invalid appid"}
        if query.get("secret") != self.secret:
            return 200, {"errcode": 40125, "errmsg": "invalid appsecret"}
        if query.get("grant_type") != "authorization_code":
            return 200, {"errcode": 40002, "errmsg": "invalid grant_type"}
        if code.startswith("ok-"):
            return 200, {"openid": code[3:], "session_key": "sk-" + uuid.uuid4().hex[:16]}
        if code == "busy":
            return 200, {"errcode": -1, "errmsg": "system error"}
        if code == "slow":
            time.sleep(3)
            return 200, {"openid": "slow", "session_key": "x"}
        if code == "used":
            return 200, {"errcode": 40163, "errmsg": "code been used"}
        if code == "blocked":
            return 200, {"errcode": 40226, "errmsg": "high risk user, login blocked"}
        if code == "rate":
            return 200, {"errcode": 45011, "errmsg": "api minute-quota reach limit"}
        return 200, {"errcode": 40029, "errmsg": "invalid code"}

    # -- content security ------------------------------------------------------------------------

    def _openid_error(self, body: dict[str, Any]) -> dict[str, Any] | None:
        openid = body.get("openid")
        if not isinstance(openid, str) or not openid:
            return {"errcode": 47001, "errmsg": "openid missing"}
        if openid in self.inactive_openids:
            return {"errcode": 61010, "errmsg": "code is expired"}
        return None

    def _msg_sec_check(self, query: dict[str, str], body: Any) -> tuple[int, Any]:
        if not isinstance(body, dict):
            return 200, {"errcode": 44002, "errmsg": "empty post data"}
        content = body.get("content")
        if body.get("version") != 2 or not isinstance(content, str) or len(content) > 2500:
            return 200, {"errcode": 47001, "errmsg": "data format error"}
        if body.get("scene") not in (1, 2, 3, 4):
            return 200, {"errcode": 40129, "errmsg": "invalid scene"}
        error = self._openid_error(body)
        if error:
            return 200, error
        suggest = "risky" if "违规" in content else ("review" if "待审" in content else "pass")
        return 200, {
            "errcode": 0,
            "errmsg": "ok",
            "result": {"suggest": suggest, "label": 100 if suggest == "pass" else 20001},
            "detail": [],
            "trace_id": uuid.uuid4().hex,
        }

    def _media_check_async(self, query: dict[str, str], body: Any) -> tuple[int, Any]:
        if not isinstance(body, dict):
            return 200, {"errcode": 44002, "errmsg": "empty post data"}
        url = body.get("media_url")
        if not isinstance(url, str) or not url.startswith(("http://", "https://")):
            return 200, {"errcode": 47001, "errmsg": "media_url invalid"}
        if body.get("media_type") not in (1, 2):
            return 200, {"errcode": 40004, "errmsg": "invalid media type"}
        if body.get("version") != 2:
            return 200, {"errcode": 47001, "errmsg": "version must be 2"}
        if body.get("scene") not in (1, 2, 3, 4):
            return 200, {"errcode": 40129, "errmsg": "invalid scene"}
        error = self._openid_error(body)
        if error:
            return 200, error
        trace_id = f"trace-{uuid.uuid4().hex[:20]}"
        with self._lock:
            self.media_jobs.append(dict(body, trace_id=trace_id, delivered=False))
        return 200, {"errcode": 0, "errmsg": "ok", "trace_id": trace_id}

    # -- subscribe messages and share codes ------------------------------------------------------

    def _page_ok(self, state: str, page: str | None) -> bool:
        pages = self.pages.get(state)
        return pages is None or not page or page.split("?", 1)[0] in pages

    def _subscribe_send(self, query: dict[str, str], body: Any) -> tuple[int, Any]:
        if not isinstance(body, dict):
            return 200, {"errcode": 44002, "errmsg": "empty post data"}
        if not isinstance(body.get("touser"), str) or not body["touser"]:
            return 200, {"errcode": 40003, "errmsg": "invalid openid"}
        keywords = self.templates.get(body.get("template_id"))
        if keywords is None:
            return 200, {"errcode": 40037, "errmsg": "invalid template_id"}
        state = body.get("miniprogram_state")
        if state not in STATES:
            return 200, {"errcode": 47001, "errmsg": "miniprogram_state is required"}
        if body.get("lang", "zh_CN") not in LANGS:
            return 200, {"errcode": 47001, "errmsg": "invalid lang"}
        data = body.get("data")
        if not isinstance(data, dict) or set(data) != set(keywords):
            return 200, {"errcode": 47003, "errmsg": f"argument invalid! data keys {keywords}"}
        for keyword in keywords:
            value = data[keyword].get("value") if isinstance(data[keyword], dict) else None
            if not keyword_value_ok(_keyword_type(keyword), value):
                return 200, {
                    "errcode": 47003,
                    "errmsg": f"argument invalid! data.{keyword}.value invalid",
                }
        if not self._page_ok(state, body.get("page")):
            return 200, {"errcode": 41030, "errmsg": "invalid page"}
        with self._lock:
            held = self.consents.get((body["touser"], body["template_id"]), 0)
            if held <= 0:
                return 200, {"errcode": 43101, "errmsg": "user refuse to accept the msg"}
            self.consents[(body["touser"], body["template_id"])] = held - 1
        return 200, {"errcode": 0, "errmsg": "ok", "msgid": self._serial}

    def grant(self, openid: str, template_id: str, n: int = 1) -> None:
        """The user tapped "allow" n times in wx.requestSubscribeMessage for this template."""
        with self._lock:
            key = (openid, template_id)
            self.consents[key] = self.consents.get(key, 0) + n

    def _share_code(self, query: dict[str, str], body: Any) -> tuple[int, Any]:
        if not isinstance(body, dict):
            return 200, {"errcode": 44002, "errmsg": "empty post data"}
        scene = body.get("scene")
        if not isinstance(scene, str) or not SCENE_CHARS.match(scene):
            return 200, {"errcode": 40169, "errmsg": "invalid length for scene"}
        page = body.get("page")
        if page is not None and (not isinstance(page, str) or page.startswith("/")):
            return 200, {"errcode": 41030, "errmsg": "invalid page"}
        env = body.get("env_version", "release")
        check_path = body.get("check_path", True)
        if env not in ("release", "trial", "develop") or not isinstance(check_path, bool):
            return 200, {"errcode": 40097, "errmsg": "invalid args"}
        # check_path: the page must exist in the released build.
        if check_path and not self._page_ok("formal", page):
            return 200, {"errcode": 41030, "errmsg": "invalid page"}
        return 200, self.share_code_image

    # -- pushing image-check results ----------------------------------------------------------

    def configure_push(self, url: str, token: str, aes_key: str | None = None) -> None:
        self.push_url, self.push_token, self.push_aes_key = url, token, aes_key

    def signed_push(
        self, message: dict[str, Any], *, token: str | None = None, timestamp: str | None = None
    ) -> tuple[dict[str, str], bytes]:
        """(query, body) of a push as WeChat sends it: plain, or safe mode with an AES key;
        `timestamp` (default now) signs a push as of another time (a replay)."""
        token = token or self.push_token or ""
        timestamp, nonce = timestamp or str(int(time.time())), uuid.uuid4().hex[:10]
        query = {
            "timestamp": timestamp,
            "nonce": nonce,
            "signature": push_signature(token, timestamp, nonce),
        }
        text = json.dumps(message, ensure_ascii=False)
        if not self.push_aes_key:
            return query, text.encode()
        encrypted = encrypt_push(self.push_aes_key, self.appid, text)
        query.update(
            encrypt_type="aes", msg_signature=push_signature(token, timestamp, nonce, encrypted)
        )
        envelope = {"ToUserName": "gh_fake", "Encrypt": encrypted}
        return query, json.dumps(envelope).encode()

    def media_event(self, trace_id: str, suggest: str, label: int, errcode: int = 0) -> dict:
        return {
            "ToUserName": "gh_fake",
            "FromUserName": "o_platform",
            "CreateTime": int(time.time()),
            "MsgType": "event",
            "Event": "wxa_media_check",
            "appid": self.appid,
            "trace_id": trace_id,
            "version": 2,
            "detail": [
                {
                    "strategy": "content_model",
                    "errcode": errcode,
                    "suggest": suggest,
                    "label": label,
                    "prob": 90,
                }
            ],  # fmt: skip
            "errcode": errcode,
            "errmsg": "ok" if errcode == 0 else "download error",
            "result": {"suggest": suggest, "label": label},
        }

    def deliver_media_checks(self) -> list[tuple[str, int]]:
        """Do what WeChat does with every pending image check: fetch the media_url, judge it,
        push the verdict to push_url. Returns (trace_id, our HTTP status) per push."""
        done = []
        with self._lock:
            jobs = [j for j in self.media_jobs if not j["delivered"]]
        for job in jobs:
            try:
                res = requests.get(job["media_url"], timeout=5)
                data = res.content if res.status_code == 200 else b""
            except requests.RequestException:
                data = b""
            if _sniff(data) not in ("image/jpeg", "image/png", "image/gif", "image/bmp"):
                message = self.media_event(job["trace_id"], "review", 0, errcode=-1008)
            else:
                suggest, label = self.media_judge(data)
                message = self.media_event(job["trace_id"], suggest, label)
            query, body = self.signed_push(message)
            answer = requests.post(
                f"{self.push_url}?{urlencode(query)}",
                data=body,
                headers={"Content-Type": "application/json"},
                timeout=5,
            )
            job["delivered"] = True
            done.append((job["trace_id"], answer.status_code))
        return done

    # -- server ----------------------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host}:{port}/"

    def script(self, path: str, handler: Handler) -> None:
        self.handlers[path] = handler

    def calls_to(self, path: str) -> list[tuple[str, dict[str, str], Any]]:
        return [c for c in self.calls if c[0] == path]

    def start(self) -> FakeWeChat:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


class _Server(ThreadingHTTPServer):
    # Tests fire many calls at one instant: the default backlog (5) drops connections.
    request_queue_size = 128


def _sniff(data: bytes) -> str:
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data[:6] in (b"GIF87a", b"GIF89a"):
        return "image/gif"
    if data.startswith(b"BM"):
        return "image/bmp"
    if data.startswith(b"RIFF") and data[8:12] == b"WEBP":
        return "image/webp"
    return "application/octet-stream"
