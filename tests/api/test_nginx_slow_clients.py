"""issue 19 item 4: ten slow clients (one byte every two seconds, headers or a promised body)
hold every thread of a gunicorn and `/me` starves; with deploy/nginx in front, as the README's
production section requires, nginx reads whole requests first and `/me` keeps answering.

nginx (Debian's /usr/sbin/nginx) runs as a non-daemon child with its own prefix, pid, log and
temp dirs under tmp_path, on a free port of 127.0.0.1, with the http-level part of
deploy/nginx/frontline.conf (zones, upstream pointed at this gunicorn) and
deploy/nginx/frontline-proxy.conf as shipped. Bounded: ten clients, 127.0.0.1 only, a few
seconds each."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.gunicorn import box_config, exchange, free_port
from tests.support.gunicorn import gunicorn as serve

ROOT = Path(__file__).resolve().parents[2]
NGINX = "/usr/sbin/nginx"
SLOW_CLIENTS = 10
TRICKLE_EVERY = 2.0  # seconds between two bytes
ME = b"GET /api/v1/me HTTP/1.1\r\nHost: frontline.test\r\nConnection: close\r\n\r\n"


@pytest.fixture(autouse=True)
def _nginx_installed() -> None:
    """Never skipped: scripts/test.sh installs Debian's nginx; a run without it fails here."""
    assert os.path.exists(NGINX), f"{NGINX} is missing (apt-get install nginx)"


def _wait_for(port: int, process: subprocess.Popen, what: str) -> None:
    deadline = time.monotonic() + 60
    while True:
        try:
            if exchange(port, ME).startswith(b"HTTP/1.1 "):
                return
        except OSError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            process.terminate()
            raise RuntimeError(f"{what}: " + process.communicate(timeout=15)[1].decode()[-3000:])
        time.sleep(0.3)


@pytest.fixture(scope="module")
def gunicorn(base_config, tmp_path_factory) -> Iterator[int]:
    """A real gunicorn with one worker of two threads (the starving is the same with more)."""
    tmp = tmp_path_factory.mktemp("gunicorn-slow")
    config = box_config(base_config, tmp, SECRET_KEY="nginx-test", TRUST_PROXY_HOPS=1)
    with serve(config, args=("--timeout", "60")) as port:
        yield port


def nginx_conf(tmp: Path, listen: int, upstream: int) -> Path:
    """A whole nginx.conf around the shipped files: only paths, ports and logs differ."""
    shipped = (ROOT / "deploy/nginx/frontline.conf").read_text()
    http_level = shipped.split("# --- servers ---")[0]
    assert "server 127.0.0.1:8000;" in http_level
    http_level = http_level.replace("server 127.0.0.1:8000;", f"server 127.0.0.1:{upstream};")
    proxy = tmp / "frontline-proxy.conf"
    shutil.copy(ROOT / "deploy/nginx/frontline-proxy.conf", proxy)
    for d in ("body", "proxy", "fastcgi", "uwsgi", "scgi", "logs"):
        (tmp / d).mkdir(exist_ok=True)
    conf = tmp / "nginx.conf"
    conf.write_text(
        f"""
daemon off;
master_process on;
worker_processes 1;
pid {tmp}/nginx.pid;
error_log {tmp}/logs/error.log warn;
events {{ worker_connections 256; }}
http {{
    access_log off;
    client_body_temp_path {tmp}/body;
    proxy_temp_path {tmp}/proxy;
    fastcgi_temp_path {tmp}/fastcgi;
    uwsgi_temp_path {tmp}/uwsgi;
    scgi_temp_path {tmp}/scgi;
{http_level}
    server {{
        listen 127.0.0.1:{listen};
        server_name _;
        include {proxy};
    }}
}}
"""
    )
    return conf


@pytest.fixture(scope="module")
def nginx(gunicorn, tmp_path_factory) -> Iterator[int]:
    tmp = tmp_path_factory.mktemp("nginx")
    port = free_port()
    conf = nginx_conf(tmp, port, gunicorn)
    check = subprocess.run(
        [NGINX, "-t", "-p", str(tmp), "-c", str(conf), "-e", str(tmp / "logs/error.log")],
        capture_output=True,
        text=True,
    )
    assert check.returncode == 0, check.stderr
    process = subprocess.Popen(
        [NGINX, "-p", str(tmp), "-c", str(conf), "-e", str(tmp / "logs/error.log")],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        _wait_for(port, process, "nginx")
        yield port
    finally:
        process.terminate()
        process.wait(15)


class SlowClients:
    """SLOW_CLIENTS connections to 127.0.0.1:port, half trickling their headers and half a
    promised body, one byte every TRICKLE_EVERY seconds, until stopped."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.stop = threading.Event()
        self.threads: list[threading.Thread] = []

    def _one(self, i: int) -> None:
        if i % 2:
            head = b"GET /api/v1/me HTTP/1.1\r\nHost: frontline.test\r\nX-Slow: "
            first, rest = b"", head + b"x" * 1000
        else:
            first = (
                b"POST /api/v1/auth/login HTTP/1.1\r\nHost: frontline.test\r\n"
                b"Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n"
            )
            rest = b"x" * 1000
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=5) as s:
                s.sendall(first)
                for byte in rest:
                    s.sendall(bytes([byte]))
                    if self.stop.wait(TRICKLE_EVERY):
                        return
        except OSError:
            return  # cut by the server (a timeout): fine

    def __enter__(self) -> SlowClients:
        for i in range(SLOW_CLIENTS):
            t = threading.Thread(target=self._one, args=(i,), daemon=True)
            t.start()
            self.threads.append(t)
        time.sleep(1.0)  # every slow client connected and sending
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        for t in self.threads:
            t.join(10)


def me_takes(port: int, timeout: float) -> float | None:
    """Seconds until /me is answered, or None when it is not within `timeout`."""
    start = time.monotonic()
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
            s.sendall(ME)
            data = s.recv(64)
    except (TimeoutError, OSError):
        return None
    return time.monotonic() - start if data.startswith(b"HTTP/1.1 401") else None


def test_slow_clients_starve_a_bare_gunicorn(gunicorn):
    """The control: without the proxy, /me is not answered while they trickle."""
    with SlowClients(gunicorn):
        assert me_takes(gunicorn, timeout=4) is None
    # once they are gone, it answers again
    deadline = time.monotonic() + 20
    while me_takes(gunicorn, timeout=4) is None:
        assert time.monotonic() < deadline


def test_slow_clients_do_not_starve_me_behind_nginx(nginx):
    with SlowClients(nginx):
        took = []
        for _ in range(8):
            took.append(me_takes(nginx, timeout=3))
            time.sleep(0.5)
    assert all(t is not None and t < 1.5 for t in took), took
