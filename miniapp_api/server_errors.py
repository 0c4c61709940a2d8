"""The errors gunicorn answers by itself, before the app sees a request (an over-long request
line, too many or too large headers, a malformed request line): JSON in the API's shape instead
of gunicorn's HTML page. `gunicorn.conf.py` installs it in the master, so every worker has it."""

from __future__ import annotations

import json
from typing import Any

from gunicorn import util

from miniapp_api.errors import REASONS

EXTRA_REASONS = {
    431: ("headers_too_large", "请求头过大"),
    501: ("not_implemented", "不支持该请求"),
}


def json_error(status: int, reason_phrase: str) -> bytes:
    """The whole HTTP answer for a refusal gunicorn makes itself."""
    reason, message = EXTRA_REASONS.get(status) or REASONS.get(status, ("bad_request", "请求失败"))
    body = json.dumps(
        {"code": status, "status": reason_phrase, "reason": reason, "message": message},
        ensure_ascii=False,
    ).encode()
    head = (
        f"HTTP/1.1 {status} {reason_phrase}\r\n"
        "Connection: close\r\n"
        "Content-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    )
    return head.encode("latin-1") + body


def write_json_error(sock: Any, status_int: int, reason: str, mesg: str) -> None:
    """Drop-in for gunicorn.util.write_error (its detail, `mesg`, goes to gunicorn's log)."""
    util.write_nonblock(sock, json_error(int(status_int), reason))


def install() -> None:
    """Make every gunicorn worker answer its own errors in JSON."""
    util.write_error = write_json_error
