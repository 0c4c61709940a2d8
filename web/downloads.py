"""File downloads (the Excel ledgers, the roster template), for the API and the console alike:
one way to name the file in Content-Disposition."""

from __future__ import annotations

import re
from urllib.parse import quote

from flask import Response

_UNSAFE_FALLBACK = re.compile(r"[^A-Za-z0-9._-]")


def content_disposition(filename: str, fallback: str | None = None) -> str:
    """`attachment` with an ASCII fallback name and the exact name per RFC 6266 / RFC 5987.

    A header value must be Latin-1 to be sent at all (gunicorn dropped the connection on a
    full-width digit); the fallback (`fallback`, or the name with every other character made
    `_`) keeps old clients working, `filename*` carries the rest."""
    plain = _UNSAFE_FALLBACK.sub("_", fallback or filename) or "download"
    return f"attachment; filename=\"{plain}\"; filename*=UTF-8''{quote(filename, safe='')}"


def attachment(data: bytes, filename: str, mimetype: str, fallback: str | None = None) -> Response:
    """A download that is never cached (ledgers hold personal data)."""
    response = Response(data, mimetype=mimetype)
    response.headers["Content-Disposition"] = content_disposition(filename, fallback)
    response.headers["Content-Length"] = str(len(data))
    response.headers["Cache-Control"] = "no-store"
    return response
