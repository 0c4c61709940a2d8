"""Fixtures of media/'s tests: a real S3 protocol server for the run, and the session app storing
on one backend or the other."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from tests.support.s3_server import S3Server

STORAGE_SETTINGS = (
    "STORAGE_BACKEND",
    "S3_ENDPOINT_URL",
    "S3_BUCKET",
    "S3_ACCESS_KEY_ID",
    "S3_SECRET_ACCESS_KEY",
    "S3_REGION",
    "S3_ADDRESSING_STYLE",
)


@pytest.fixture(scope="session")
def s3_server() -> Iterator[S3Server]:
    """moto's S3 server on a free 127.0.0.1 port, started once and stopped at the end."""
    server = S3Server().start()
    yield server
    server.stop()


@dataclass
class Backend:
    """Where the app stores files in this test, and a look at the stored bytes that does not go
    through the app (the disk itself, or the bucket through a client of its own)."""

    name: str
    upload_dir: str
    server: S3Server | None = None
    bucket: str | None = None

    def stored(self, key: str) -> bytes | None:
        if self.server is None:
            path = os.path.join(self.upload_dir, key)
            if not os.path.isfile(path):
                return None
            with open(path, "rb") as f:
                return f.read()
        client = self.server.client()
        try:
            return client.get_object(Bucket=self.bucket, Key=key)["Body"].read()
        except client.exceptions.NoSuchKey:
            return None

    def disk_files(self) -> list[str]:
        """Files under UPLOAD_DIR (relative paths)."""
        found = []
        for root, _dirs, files in os.walk(self.upload_dir):
            found += [os.path.relpath(os.path.join(root, f), self.upload_dir) for f in files]
        return found


def use_storage(app, settings: dict[str, Any]) -> dict[str, Any]:
    """Point a running app at other storage settings; returns what to restore."""
    saved = {name: app.config.get(name) for name in STORAGE_SETTINGS}
    saved["extension"] = app.extensions.pop("storage", None)
    app.config.update(settings)
    return saved


def restore_storage(app, saved: dict[str, Any]) -> None:
    extension = saved.pop("extension")
    app.config.update(saved)
    app.extensions.pop("storage", None)
    if extension is not None:
        app.extensions["storage"] = extension


@pytest.fixture(params=["local", "s3"])
def backend(request: pytest.FixtureRequest, app) -> Iterator[Backend]:
    """The session app storing on the local disk (UPLOAD_DIR), then on the S3 server (a fresh
    bucket per test)."""
    if request.param == "local":
        saved = use_storage(app, {"STORAGE_BACKEND": "local"})
        yield Backend("local", app.config["UPLOAD_DIR"])
    else:
        server: S3Server = request.getfixturevalue("s3_server")
        bucket = server.new_bucket()
        saved = use_storage(app, server.config(bucket))
        yield Backend("s3", app.config["UPLOAD_DIR"], server, bucket)
    restore_storage(app, saved)
