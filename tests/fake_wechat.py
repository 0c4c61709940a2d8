"""A fake WeChat API on loopback that wechatpy really talks to over HTTP.

Behaviour is scripted per test: `server.script(path, fn)` where fn(query, body) returns
(status, dict | bytes) or sleeps to simulate a timeout. Defaults answer like WeChat does.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlparse

Handler = Callable[[dict[str, str], Any], tuple[int, Any]]


def default_code2session(query: dict[str, str], body: Any) -> tuple[int, Any]:
    """Codes: ok-<openid> logs in; invalid → 40029; used → 40163; busy → -1; slow → hangs."""
    code = query.get("js_code", "")
    if "access_token" in query:
        return 200, {"errcode": 40097, "errmsg": "code2Session takes no access_token"}
    if code.startswith("ok-"):
        return 200, {"openid": code[3:], "session_key": "sk-" + uuid.uuid4().hex[:16]}
    if code == "busy":
        return 200, {"errcode": -1, "errmsg": "system error"}
    if code == "slow":
        time.sleep(3)
        return 200, {"openid": "slow", "session_key": "x"}
    if code == "used":
        return 200, {"errcode": 40163, "errmsg": "code been used"}
    return 200, {"errcode": 40029, "errmsg": "invalid code"}


class FakeWeChat:
    """The server plus a log of the calls it answered."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, dict[str, str], Any]] = []
        self.token_fetches = 0
        self.handlers: dict[str, Handler] = {
            "/sns/jscode2session": default_code2session,
            "/cgi-bin/token": self._token,
            "/wxa/msg_sec_check": lambda q, b: (200, self._sec_check(b)),
            "/cgi-bin/message/subscribe/send": lambda q, b: (200, {"errcode": 0, "errmsg": "ok"}),
            "/wxa/getwxacodeunlimit": lambda q, b: (200, b"\x89PNG\r\n\x1a\nfake-wxa-code"),
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
                if handler is None:
                    status, payload = 404, {"errcode": 404, "errmsg": "no such api"}
                else:
                    status, payload = handler(query, body)
                data = (
                    payload
                    if isinstance(payload, bytes)
                    else json.dumps(payload, ensure_ascii=False).encode()
                )
                ctype = "image/png" if isinstance(payload, bytes) else "application/json"
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

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), RequestHandler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def _token(self, query: dict[str, str], body: Any) -> tuple[int, Any]:
        with self._lock:
            self.token_fetches += 1
            n = self.token_fetches
        time.sleep(0.05)  # long enough for racing workers to overlap
        return 200, {"access_token": f"TOKEN-{n}", "expires_in": 7200}

    @staticmethod
    def _sec_check(body: Any) -> dict[str, Any]:
        content = (body or {}).get("content", "") if isinstance(body, dict) else ""
        suggest = "risky" if "违规" in content else ("review" if "待审" in content else "pass")
        return {
            "errcode": 0,
            "errmsg": "ok",
            "result": {"suggest": suggest, "label": 100 if suggest == "pass" else 20001},
            "detail": [],
            "trace_id": uuid.uuid4().hex,
        }

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
