"""File downloads (the Excel ledgers): one way to name the file in Content-Disposition."""

from __future__ import annotations

import re
from urllib.parse import quote

from flask import Response

_UNSAFE_FALLBACK = re.compile(r"[^A-Za-z0-9._-]")


def content_disposition(filename: str) -> str:
    """`attachment` with an ASCII fallback name and the exact name per RFC 6266 / RFC 5987.

    A header value must be Latin-1 to be sent at all (gunicorn dropped the connection on a
    full-width digit); the fallback keeps old clients working, `filename*` carries the rest."""
    fallback = _UNSAFE_FALLBACK.sub("_", filename) or "download"
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"


def attachment(data: bytes, filename: str, mimetype: str) -> Response:
    """A download that is never cached (ledgers hold personal data)."""
    response = Response(data, mimetype=mimetype)
    response.headers["Content-Disposition"] = content_disposition(filename)
    response.headers["Cache-Control"] = "no-store"
    return response
