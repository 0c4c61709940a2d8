"""The roster file between its preview and the confirmation: kept on the server (never sent
back by the browser, never named by a path from it) under the instance folder, keyed by a
random id and bound to the console session that uploaded it, for STASH_TTL.

A confirmation names the id and the file's SHA-256 the preview showed: a file that changed in
between (or belongs to another session, or has expired) is refused."""

from __future__ import annotations

import hashlib
import json
import os
import re
import secrets
import time
from dataclasses import dataclass

from flask import current_app

from console.errors import RosterFileChanged, RosterPreviewExpired

STASH_TTL = 30 * 60
_ID = re.compile(r"^[0-9a-f]{32}$")


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


def _folder() -> str:
    path = os.path.join(current_app.instance_path, "console-roster-files")
    os.makedirs(path, mode=0o700, exist_ok=True)
    return path


def _paths(file_id: str) -> tuple[str, str]:
    base = os.path.join(_folder(), file_id)
    return base + ".bin", base + ".json"


def keep(data: bytes, filename: str, session_id: str, mine_id: int) -> RosterFile:
    """Store an uploaded file for this console session; returns it with its new id."""
    purge()
    file_id = secrets.token_hex(16)
    data_path, meta_path = _paths(file_id)
    meta = {
        "filename": filename[:255],
        "sha256": hashlib.sha256(data).hexdigest(),
        "size": len(data),
        "session_id": session_id,
        "mine_id": mine_id,
        "created_at": time.time(),
    }
    with open(data_path, "wb") as fh:
        fh.write(data)
    with open(meta_path, "w", encoding="utf-8") as fh:
        json.dump(meta, fh, ensure_ascii=False)
    return RosterFile(
        file_id, meta["filename"], meta["sha256"], len(data), mine_id, meta["created_at"], data
    )


def load(file_id: str, session_id: str, mine_id: int, sha256: str | None = None) -> RosterFile:
    """The file kept under `file_id` for this session and mine (RosterPreviewExpired if there
    is none, it expired or is someone else's); with `sha256`, RosterFileChanged unless its
    bytes are still exactly the previewed ones."""
    if not _ID.match(file_id or ""):
        raise RosterPreviewExpired()
    data_path, meta_path = _paths(file_id)
    try:
        with open(meta_path, encoding="utf-8") as fh:
            meta = json.load(fh)
        with open(data_path, "rb") as fh:
            data = fh.read()
    except (OSError, ValueError):
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
        for path in _paths(file_id):
            try:
                os.remove(path)
            except FileNotFoundError:
                pass


def purge(now: float | None = None) -> int:
    """Delete files older than STASH_TTL; returns how many."""
    cutoff = (now or time.time()) - STASH_TTL
    removed = 0
    folder = _folder()
    for name in os.listdir(folder):
        path = os.path.join(folder, name)
        try:
            if os.path.getmtime(path) < cutoff:
                os.remove(path)
                removed += name.endswith(".bin")
        except FileNotFoundError:
            pass
    return removed
