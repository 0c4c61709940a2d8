"""A real gunicorn of the app on a free port of 127.0.0.1, with the repository's gunicorn.conf.py
as in production, for tests of what only a real server shows (its own errors, slow clients,
several boxes)."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
PROBE = b"GET /api/v1/openapi.json HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def exchange(port: int, raw: bytes, body_chunks: int = 0, chunk: bytes = b"") -> bytes:
    """Send raw bytes (and optionally many chunks), return everything the server answers."""
    with socket.create_connection(("127.0.0.1", port), timeout=20) as s:
        s.sendall(raw)
        try:
            for _ in range(body_chunks):
                s.sendall(chunk)
            if body_chunks:
                s.sendall(b"0\r\n\r\n")
        except OSError:
            pass  # the server answered and closed before taking the whole body
        data = b""
        while True:
            try:
                part = s.recv(65536)
            except (ConnectionResetError, TimeoutError):
                break
            if not part:
                break
            data += part
        return data


def box_config(base_config: dict[str, Any], tmp: Path, **overrides: Any) -> dict[str, Any]:
    """The settings of one app box on the suite's database and Redis (an embedded Redis and an
    upload folder of its own under tmp), WeChat off."""
    return {
        "SECRET_KEY": "gunicorn-test",
        "DATABASE_URL": base_config["DATABASE_URL"],
        "SQLALCHEMY_DATABASE_URI": base_config["SQLALCHEMY_DATABASE_URI"],
        "REDIS_URL": base_config["REDIS_URL"],
        "EMBEDDED_REDIS_PATH": str(tmp / "redis.db"),
        "UPLOAD_DIR": str(tmp / "uploads"),
        "WECHAT_APPID": "",
        "WECHAT_SECRET": "",
        **overrides,
    }


def first_answer(port: int, raw: bytes = PROBE) -> bytes:
    """The first bytes the server answers to one raw request (b"" when it closes at once)."""
    with socket.create_connection(("127.0.0.1", port), timeout=20) as s:
        s.sendall(raw)
        return s.recv(64)


@contextlib.contextmanager
def gunicorn(
    config: dict[str, Any], *, workers: int = 1, threads: int = 2, args: tuple[str, ...] = ()
) -> Iterator[int]:
    """Serve create_app(config) until the block ends; yields the port once a worker answers
    (the master listens before the workers boot). Fails with gunicorn's stderr if it dies."""
    port = free_port()
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "--config",
        str(ROOT / "gunicorn.conf.py"),
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(workers),
        "--threads",
        str(threads),
        *args,
        f"app:create_app({config!r})",
    ]
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    process = subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if first_answer(port).startswith(b"HTTP/1.1 200"):
                    break
            except OSError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                process.terminate()
                raise RuntimeError(process.communicate(timeout=15)[1].decode()[-3000:])
            time.sleep(0.3)
        yield port
    finally:
        process.terminate()
        process.wait(15)
