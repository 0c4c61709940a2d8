"""The roster file between its preview and the confirmation: kept on the server (never sent
back by the browser, never named by a path from it) in the app's file store (media/'s storage
interface: the local disk, or the S3-compatible store every box shares, so the confirmation may
reach another box than the preview), keyed by a random id and bound to the console session that
uploaded it, for STASH_TTL.

A confirmation names the id and the file's SHA-256 the preview showed: a file that changed in
between (or belongs to another session, or has expired) is refused."""

from __future__ import annotations

import hashlib
import json
import re
import secrets
import time
from dataclasses import dataclass

from console.errors import RosterFileChanged, RosterPreviewExpired
from media.storage import StorageError, get_storage

STASH_TTL = 30 * 60
_ID = re.compile(r"^[0-9a-f]{32}$")
PREFIX = "console-roster-files/"


@dataclass(frozen=True)
class RosterFile:
    """An uploaded roster file waiting for its confirmation."""

    id: str
    filename: str
    sha256: str
    size: int
    mine_id: int
    created_at: float
    data: bytes


def _keys(file_id: str) -> tuple[str, str]:
    base = PREFIX + file_id
    return base + ".bin", base + ".json"


def keep(data: bytes, filename: str, session_id: str, mine_id: int) -> RosterFile:
    """Store an uploaded file for this console session; returns it with its new id."""
    purge()
    file_id = secrets.token_hex(16)
    data_key, meta_key = _keys(file_id)
    meta = {
        "filename": filename[:255],
        "sha256": hashlib.sha256(data).hexdigest(),
        "size": len(data),
        "session_id": session_id,
        "mine_id": mine_id,
        "created_at": time.time(),
    }
    storage = get_storage()
    storage.save(data_key, data, "application/octet-stream")
    # The description last: a file is found only once both are stored.
    storage.save(meta_key, json.dumps(meta, ensure_ascii=False).encode(), "application/json")
    return RosterFile(
        file_id, meta["filename"], meta["sha256"], len(data), mine_id, meta["created_at"], data
    )


def load(file_id: str, session_id: str, mine_id: int, sha256: str | None = None) -> RosterFile:
    """The file kept under `file_id` for this session and mine (RosterPreviewExpired if there
    is none, it expired or is someone else's); with `sha256`, RosterFileChanged unless its
    bytes are still exactly the previewed ones."""
    if not _ID.match(file_id or ""):
        raise RosterPreviewExpired()
    data_key, meta_key = _keys(file_id)
    storage = get_storage()
    try:
        meta = json.loads(storage.read(meta_key))
        data = storage.read(data_key)
    except (StorageError, ValueError):
        raise RosterPreviewExpired() from None
    if (
        meta.get("session_id") != session_id
        or meta.get("mine_id") != mine_id
        or time.time() - float(meta.get("created_at", 0)) > STASH_TTL
    ):
        raise RosterPreviewExpired()
    actual = hashlib.sha256(data).hexdigest()
    if actual != meta.get("sha256") or (sha256 is not None and sha256 != actual):
        raise RosterFileChanged()
    return RosterFile(
        file_id, meta["filename"], actual, len(data), mine_id, meta["created_at"], data
    )


def drop(file_id: str) -> None:
    """Forget a file once it is imported."""
    if _ID.match(file_id or ""):
        storage = get_storage()
        for key in _keys(file_id):
            storage.delete(key)


def purge(now: float | None = None) -> int:
    """Delete files older than STASH_TTL; returns how many."""
    cutoff = (now or time.time()) - STASH_TTL
    removed = 0
    storage = get_storage()
    for key, modified_at in storage.listing(PREFIX):
        if modified_at < cutoff:
            storage.delete(key)
            removed += key.endswith(".bin")
    return removed
