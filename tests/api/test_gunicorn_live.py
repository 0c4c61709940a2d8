"""What gunicorn answers by itself, and a chunked body, through a real gunicorn on a free port
(issue 9 #13 and #17: gunicorn's own 400s were HTML; a chunked body over the limit was a 400).

gunicorn runs with the repository's gunicorn.conf.py, as in production, against the suite's
database and Redis (on the embedded backend: the suite's SQLite file and an embedded Redis of
its own)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.gunicorn import box_config, exchange
from tests.support.gunicorn import gunicorn as serve

ROOT = Path(__file__).resolve().parents[2]
LIMIT = 256 * 1024  # MAX_CONTENT_LENGTH of this gunicorn: a small limit keeps the test fast


@pytest.fixture(scope="module")
def gunicorn(base_config, tmp_path_factory) -> Iterator[int]:
    tmp = tmp_path_factory.mktemp("gunicorn")
    with serve(box_config(base_config, tmp, MAX_CONTENT_LENGTH=LIMIT)) as port:
        yield port


def parse(answer: bytes) -> tuple[int, dict[str, str], dict]:
    head, _, body = answer.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers = {k.lower(): v.strip() for k, v in (line.split(":", 1) for line in lines[1:])}
    return status, headers, json.loads(body)


@pytest.mark.parametrize(
    ("raw", "status"),
    [
        (b"GET /api/v1/me?q=" + b"x" * 9000 + b" HTTP/1.1\r\nHost: x\r\n\r\n", 400),
        (b"GARBAGE\r\n\r\n", 400),
        (
            b"GET /api/v1/me HTTP/1.1\r\nHost: x\r\n"
            + b"".join(b"X-H%d: 1\r\n" % i for i in range(150))
            + b"\r\n",
            431,
        ),
        (b"GET /api/v1/me HTTP/1.1\r\nHost: x\r\nX-Big: " + b"y" * 9000 + b"\r\n\r\n", 431),
    ],
    ids=["request-line-too-long", "garbage-request-line", "too-many-headers", "header-too-big"],
)
def test_issue9_17_gunicorns_own_refusals_are_json(gunicorn, raw, status):
    """issue 9 #17: gunicorn's 400 for an over-long request line was an HTML page."""
    code, headers, body = parse(exchange(gunicorn, raw))
    assert code == status and headers["content-type"] == "application/json"
    assert body["code"] == status and body["reason"] and body["message"]


def test_issue9_13_a_chunked_body_over_the_limit_is_413_through_gunicorn(gunicorn):
    """issue 9 #13: a body sent chunked got 400 malformed_json instead of 413."""
    head = (
        b"POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        b"Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
    )
    piece = b'{"code": "' + b"x" * 8000
    chunk = b"%x\r\n%s\r\n" % (len(piece), piece)
    code, headers, body = parse(
        exchange(gunicorn, head, body_chunks=LIMIT // 8000 + 4, chunk=chunk)
    )
    assert code == 413 and body["reason"] == "payload_too_large"
    # Under the limit the same chunked request is read whole and answered.
    small = b'{"code": ""}'
    answer = exchange(gunicorn, head + b"%x\r\n%s\r\n0\r\n\r\n" % (len(small), small))
    code, _, body = parse(answer)
    assert code == 422 and "code" in body["errors"]
