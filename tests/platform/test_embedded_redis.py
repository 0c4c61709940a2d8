"""The embedded Redis starts with the app and stops with it, whatever else was connected."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
import redis

SCRIPT = """
import sys
from app import create_app
from models import get_redis
app = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite:///%(tmp)s/x.db",
                  "DATABASE_URL": "", "REDIS_URL": "", "EMBEDDED_REDIS_PATH": "%(tmp)s/r.db"})
with app.app_context():
    get_redis().set("k", "v")
    extra = __import__("redis").Redis(unix_socket_path=app.config["EMBEDDED_REDIS_SOCKET"])
    extra.ping()  # another connection, like the rate limiter's or the job queue's
print(app.config["EMBEDDED_REDIS_SOCKET"])
"""


def test_embedded_redis_stops_when_the_app_process_exits(tmp_path):
    # Runs in every CI mode: the child process is given no DATABASE_URL / REDIS_URL.
    out = subprocess.run(
        [sys.executable, "-c", SCRIPT % {"tmp": tmp_path}],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=os.path.dirname(os.path.dirname(os.path.dirname(__file__))),
        env={k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")},
    )
    assert out.returncode == 0, out.stderr
    socket = out.stdout.strip().splitlines()[-1]
    with pytest.raises(redis.ConnectionError):
        redis.Redis(unix_socket_path=socket, socket_connect_timeout=1).ping()
