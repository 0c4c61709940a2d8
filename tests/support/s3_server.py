"""A real S3 protocol server for the test run: moto's server (`moto[server]`) in its own process
on a free 127.0.0.1 port. The app talks to it with boto3 over HTTP exactly as to AWS S3 or
MinIO; nothing in boto3 is replaced.

S3_TEST_ENDPOINT_URL names an S3-compatible server that is already running instead (MinIO in
CI, say); then nothing is started.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from typing import Any

ACCESS_KEY = "frontline-test"
SECRET_KEY = "frontline-test-secret"
REGION = "us-east-1"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class S3Server:
    """Start with `start()`, stop with `stop()`; `config(bucket)` gives the app's settings."""

    def __init__(self) -> None:
        self.process: subprocess.Popen | None = None
        self.url = os.environ.get("S3_TEST_ENDPOINT_URL", "").rstrip("/")
        self.access_key = os.environ.get("S3_TEST_ACCESS_KEY_ID", ACCESS_KEY)
        self.secret_key = os.environ.get("S3_TEST_SECRET_ACCESS_KEY", SECRET_KEY)

    def start(self, timeout: float = 30) -> S3Server:
        if self.url:
            return self
        port = _free_port()
        self.url = f"http://127.0.0.1:{port}"
        self.process = subprocess.Popen(
            [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + timeout
        while True:
            if self.process.poll() is not None:
                raise RuntimeError(f"moto_server exited with {self.process.returncode}")
            try:
                urllib.request.urlopen(self.url + "/moto-api/", timeout=1).close()
                return self
            except OSError:
                if time.monotonic() > deadline:
                    self.stop()
                    raise RuntimeError(f"moto_server did not answer on {self.url}") from None
                time.sleep(0.1)

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
            self.process = None

    def client(self) -> Any:
        import boto3

        return boto3.client(
            "s3",
            endpoint_url=self.url,
            region_name=REGION,
            aws_access_key_id=self.access_key,
            aws_secret_access_key=self.secret_key,
        )

    def new_bucket(self) -> str:
        name = f"frontline-{uuid.uuid4().hex[:16]}"
        self.client().create_bucket(Bucket=name)
        return name

    def config(self, bucket: str) -> dict[str, Any]:
        """The app settings naming this server and bucket."""
        return {
            "STORAGE_BACKEND": "s3",
            "S3_ENDPOINT_URL": self.url,
            "S3_BUCKET": bucket,
            "S3_ACCESS_KEY_ID": self.access_key,
            "S3_SECRET_ACCESS_KEY": self.secret_key,
            "S3_REGION": REGION,
            "S3_ADDRESSING_STYLE": "path",
        }
