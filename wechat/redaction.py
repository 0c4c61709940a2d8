"""Keeping the WeChat access token out of logs, stored errors and answers.

requests' and urllib3's errors and debug logs carry the URL of the call, whose query string
holds `access_token=...`; a stable_token answer holds it as JSON. `redact()` is the one place
that takes it out; the client passes every transport error through it before anything else can
see it, and `RedactingFilter` does the same for the HTTP libraries' own log records."""

from __future__ import annotations

import logging
import re

_PATTERNS = (
    # access_token=…, access_token%3D… (a URL inside a URL), up to the next separator; the
    # secret travels the same way in code2Session's query
    re.compile(r"((?:access_token|secret)(?:=|%3[dD]))[^&\s'\"<>)(,;#]+"),
    # "access_token": "…" / 'access_token': '…' (a JSON answer, a dict's repr)
    re.compile(r"""(["'](?:access_token|secret)["']\s*:\s*["'])[^"']*"""),
)
MASK = "***"


def redact(text: str) -> str:
    """`text` with every access token (and the app secret) replaced by ***."""
    for pattern in _PATTERNS:
        text = pattern.sub(lambda m: m.group(1) + MASK, text)
    return text


class RedactedError(Exception):
    """Stands in for a transport error whose text named the token: the same text, redacted."""


def redacted_cause(exc: BaseException) -> RedactedError:
    """A cause to chain instead of `exc` (`raise X from redacted_cause(exc)`), so that no
    traceback or `__cause__` printed later shows the original text."""
    return RedactedError(f"{type(exc).__name__}: {redact(str(exc))}")


class RedactingFilter(logging.Filter):
    """Redacts a log record's message (installed on urllib3's and requests' loggers)."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True


def install_log_filters() -> None:
    """Put the filter on the loggers that log request URLs themselves (once per process)."""
    for name in ("urllib3.connectionpool", "urllib3.util.retry", "requests", "wechatpy"):
        logger = logging.getLogger(name)
        if not any(isinstance(f, RedactingFilter) for f in logger.filters):
            logger.addFilter(RedactingFilter())
