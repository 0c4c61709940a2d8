"""Where stored files live (photos, and roster files between their preview and confirmation):
a small interface, with the local disk (the embedded default) and an S3-compatible object store
(`STORAGE_BACKEND=s3`: AWS S3, MinIO, Aliyun OSS, Tencent COS) behind it. Nothing else in the
app touches files.

Both answer the same way: a key that names no file raises `StorageError` (the caller answers
404); a store that cannot serve now (unreachable, timing out, refusing our keys, its bucket
gone, the disk full) raises `media.errors.StorageUnavailable` (503 `storage_unavailable`).
"""

from __future__ import annotations

import logging
import os
import tempfile
from typing import Any, Protocol

from flask import current_app

from media.errors import StorageUnavailable
from media.settings import MediaSettings, settings

log = logging.getLogger(__name__)

BACKENDS = ("local", "s3")


class StorageError(RuntimeError):
    """No file under that key (or a key that may not name one)."""


class Storage(Protocol):
    def save(self, key: str, data: bytes, content_type: str) -> None: ...

    def read(self, key: str) -> bytes: ...

    def delete(self, key: str) -> None: ...

    def exists(self, key: str) -> bool: ...

    def modified_at(self, key: str) -> float | None: ...

    def listing(self, prefix: str) -> list[tuple[str, float]]: ...


def check_key(key: str) -> str:
    """Keys are relative paths of plain segments ("2026/12/<hex>.jpg", "vote-photos/<name>")."""
    parts = key.split("/")
    if not key or "\\" in key or "\x00" in key or any(p in ("", ".", "..") for p in parts):
        raise StorageError(f"not a storage key: {key!r}")
    return key


class LocalStorage:
    """Files under a root directory (default `instance/uploads`); keys are relative paths."""

    def __init__(self, root: str) -> None:
        self.root = os.path.abspath(root)

    def _path(self, key: str) -> str:
        path = os.path.abspath(os.path.join(self.root, check_key(key)))
        if not path.startswith(self.root + os.sep):
            raise StorageError(f"key escapes the storage root: {key!r}")
        return path

    def save(self, key: str, data: bytes, content_type: str) -> None:
        path = self._path(key)
        try:
            os.makedirs(os.path.dirname(path), exist_ok=True)
            # Write then rename, so a reader never sees half a file.
            fd, tmp = tempfile.mkstemp(dir=os.path.dirname(path), prefix=".upload-")
        except OSError as exc:
            log.error("cannot write under %s: %s", self.root, exc)
            raise StorageUnavailable() from exc
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(data)
            os.replace(tmp, path)
        except BaseException as exc:
            if os.path.exists(tmp):
                os.unlink(tmp)
            if isinstance(exc, OSError):  # the disk full, read-only, gone
                log.error("cannot write %s: %s", path, exc)
                raise StorageUnavailable() from exc
            raise

    def read(self, key: str) -> bytes:
        try:
            with open(self._path(key), "rb") as f:
                return f.read()
        except (FileNotFoundError, IsADirectoryError, NotADirectoryError) as exc:
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

    def listing(self, prefix: str) -> list[tuple[str, float]]:
        """(key, modified_at) of every file under a folder prefix ("console-roster-files/")."""
        folder = self._path(check_key(prefix.rstrip("/")))
        found = []
        for root, _dirs, files in os.walk(folder):
            for name in files:
                if name.startswith(".upload-"):
                    continue  # a write in progress
                path = os.path.join(root, name)
                try:
                    found.append((os.path.relpath(path, self.root), os.stat(path).st_mtime))
                except FileNotFoundError:
                    pass
        return found


# The error codes an S3-compatible store answers for "no such object" (GetObject says NoSuchKey,
# HeadObject has no body and says its status).
_MISSING = {"NoSuchKey", "404", "NotFound"}


class S3Storage:
    """Objects in one bucket of an S3-compatible store, under the same keys as on disk.

    Every box of a deployment reads and writes the same bucket, so a photo uploaded through one
    is served by any other. The app streams the bytes itself (never a presigned link to the
    store): see docs/media.md, "Storing". One boto3 client per process (clients are
    thread-safe), made on first use, so a forked worker makes its own."""

    def __init__(self, config: MediaSettings, client: Any | None = None) -> None:
        if not config.s3_bucket:
            raise StorageUnavailable()
        self.bucket = config.s3_bucket
        self.client = client or self._client(config)

    @staticmethod
    def _client(config: MediaSettings) -> Any:
        import boto3
        from botocore.config import Config

        return boto3.client(
            "s3",
            endpoint_url=config.s3_endpoint_url,
            region_name=config.s3_region,
            aws_access_key_id=config.s3_access_key_id,
            aws_secret_access_key=config.s3_secret_access_key,
            config=Config(
                signature_version="s3v4",
                s3={"addressing_style": config.s3_addressing_style},
                # A request thread waits at most about 2 + 10 s per try, 2 tries: a store that
                # is down answers 503 quickly instead of tying up the worker.
                connect_timeout=2,
                read_timeout=10,
                retries={"max_attempts": 2, "mode": "standard"},
                max_pool_connections=32,
            ),
        )

    def _unavailable(self, action: str, key: str, exc: Exception) -> StorageUnavailable:
        log.error("S3 %s of %s in bucket %s failed: %s", action, key, self.bucket, exc)
        return StorageUnavailable()

    def save(self, key: str, data: bytes, content_type: str) -> None:
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            self.client.put_object(
                Bucket=self.bucket, Key=check_key(key), Body=data, ContentType=content_type
            )
        except (BotoCoreError, ClientError) as exc:
            raise self._unavailable("put", key, exc) from exc

    def read(self, key: str) -> bytes:
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            answer = self.client.get_object(Bucket=self.bucket, Key=check_key(key))
            return answer["Body"].read()
        except ClientError as exc:
            if _code(exc) in _MISSING:
                raise StorageError(f"no such file: {key}") from exc
            raise self._unavailable("get", key, exc) from exc
        except BotoCoreError as exc:
            raise self._unavailable("get", key, exc) from exc

    def delete(self, key: str) -> None:
        """Deleting a key that names nothing is not an error (as on S3 itself)."""
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            self.client.delete_object(Bucket=self.bucket, Key=check_key(key))
        except ClientError as exc:
            if _code(exc) in _MISSING:
                return
            raise self._unavailable("delete", key, exc) from exc
        except BotoCoreError as exc:
            raise self._unavailable("delete", key, exc) from exc

    def _head(self, key: str) -> dict[str, Any] | None:
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            return self.client.head_object(Bucket=self.bucket, Key=check_key(key))
        except ClientError as exc:
            if _code(exc) in _MISSING:
                return None
            raise self._unavailable("head", key, exc) from exc
        except BotoCoreError as exc:
            raise self._unavailable("head", key, exc) from exc

    def exists(self, key: str) -> bool:
        return self._head(key) is not None

    def modified_at(self, key: str) -> float | None:
        """When the object was last written (a POSIX time, to the second), or None."""
        head = self._head(key)
        return None if head is None else head["LastModified"].timestamp()

    def listing(self, prefix: str) -> list[tuple[str, float]]:
        """(key, modified_at) of every object under a folder prefix ("console-roster-files/")."""
        from botocore.exceptions import BotoCoreError, ClientError

        prefix = check_key(prefix.rstrip("/")) + "/"
        try:
            pages = self.client.get_paginator("list_objects_v2").paginate(
                Bucket=self.bucket, Prefix=prefix
            )
            return [
                (item["Key"], item["LastModified"].timestamp())
                for page in pages
                for item in page.get("Contents", [])
            ]
        except (BotoCoreError, ClientError) as exc:
            raise self._unavailable("list", prefix, exc) from exc


def _code(exc: Any) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))


def make_storage(config: MediaSettings) -> Storage:
    """The backend STORAGE_BACKEND names (config/ refuses any other name at start-up)."""
    if config.storage_backend == "local":
        return LocalStorage(config.upload_dir)
    if config.storage_backend == "s3":
        return S3Storage(config)
    raise StorageError(f"unknown STORAGE_BACKEND {config.storage_backend!r}")


def get_storage() -> Storage:
    """The app's storage backend, built once per process from its settings (a process forked
    from one that had built it builds its own: an HTTP connection pool is not shared)."""
    storage = current_app.extensions.get("storage")
    if storage is None or current_app.extensions.get("storage_pid", os.getpid()) != os.getpid():
        storage = current_app.extensions["storage"] = make_storage(settings())
        current_app.extensions["storage_pid"] = os.getpid()
    return storage
