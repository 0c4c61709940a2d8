"""Where uploaded files live: a small interface with a local-disk implementation.

An object store (S3, MinIO, OSS) replaces `LocalStorage` by implementing the same five
methods and being named by STORAGE_BACKEND; nothing else in the app touches files.
"""

from __future__ import annotations

import os
import tempfile
from typing import Protocol

from flask import current_app

from media.settings import settings


class StorageError(RuntimeError):
    """The backend could not store or read a file."""


class Storage(Protocol):
    def save(self, key: str, data: bytes, content_type: str) -> None: ...

    def read(self, key: str) -> bytes: ...

    def delete(self, key: str) -> None: ...

    def exists(self, key: str) -> bool: ...

    def modified_at(self, key: str) -> float | None: ...


class LocalStorage:
    """Files under a root directory (default `instance/uploads`); keys are relative paths."""

    def __init__(self, root: str) -> None:
        self.root = os.path.abspath(root)

    def _path(self, key: str) -> str:
        path = os.path.abspath(os.path.join(self.root, key))
        if not path.startswith(self.root + os.sep):
            raise StorageError(f"key escapes the storage root: {key!r}")
        return path

    def save(self, key: str, data: bytes, content_type: str) -> None:
        path = self._path(key)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        # Write then rename, so a reader never sees half a file.
        fd, tmp = tempfile.mkstemp(dir=os.path.dirname(path), prefix=".upload-")
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(data)
            os.replace(tmp, path)
        except BaseException:
            if os.path.exists(tmp):
                os.unlink(tmp)
            raise

    def read(self, key: str) -> bytes:
        try:
            with open(self._path(key), "rb") as f:
                return f.read()
        except FileNotFoundError as exc:
            raise StorageError(f"no such file: {key}") from exc

    def delete(self, key: str) -> None:
        try:
            os.unlink(self._path(key))
        except FileNotFoundError:
            pass

    def exists(self, key: str) -> bool:
        return os.path.isfile(self._path(key))

    def modified_at(self, key: str) -> float | None:
        """When the file was last written (a POSIX time), or None without such a file."""
        try:
            return os.stat(self._path(key)).st_mtime
        except FileNotFoundError:
            return None


def get_storage() -> Storage:
    """The app's storage backend, built once from STORAGE_BACKEND / UPLOAD_DIR."""
    storage = current_app.extensions.get("storage")
    if storage is None:
        config = settings()
        if config.storage_backend != "local":
            raise StorageError(f"unknown STORAGE_BACKEND {config.storage_backend!r}")
        storage = LocalStorage(config.upload_dir)
        current_app.extensions["storage"] = storage
    return storage
