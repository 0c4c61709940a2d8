"""The principal cache's per-worker level: an LRU of entries per app, its Redis scripts and
circuit breaker, and the connect hook that empties it when Redis may have lost its epochs.
The design is in accounts/principal_cache.py."""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from importlib import resources
from typing import Any

import redis
from flask import Flask, current_app

from accounts.principal_tracking import Tracker
from models import Account
from models.circuit import CIRCUIT_SECONDS, CircuitBreaker
from models.redis_store import LuaScript, is_cluster

# A voter casts up to 18 votes within minutes: the LRU must hold everyone voting at a peak.
MAX_ENTRIES = 20000
EXTENSION = "principal_cache"


@dataclass(frozen=True)
class Entry:
    """One cached principal and the epochs it was valid under."""

    account: Account  # detached; .person (with .unit, .branch) loaded
    left: bool
    roles: tuple[str, ...]
    secretary_of: tuple[int, ...]
    committee_of: tuple[int, ...]
    expires_at: datetime
    console: bool | None  # None: filled by an API request, which did not ask
    keys: tuple[str, ...]
    epochs: tuple[str, ...]
    filled_at: float
    # The tracker's mark taken before these epochs were read (None: no listener then).
    mark: tuple[int, int] | None = None


class PrincipalCache:
    """The per-app, per-process LRU of entries, and the Redis circuit of this cache."""

    def __init__(self, max_age: float, max_entries: int = MAX_ENTRIES) -> None:
        self.max_age = max_age
        self.max_entries = max_entries
        self._entries: OrderedDict[str, Entry] = OrderedDict()
        # Tokens whose signature was checked: (session id, signed at, the key that checked it).
        self._tokens: OrderedDict[str, tuple[str, int, str]] = OrderedDict()
        self._lock = threading.Lock()
        # After a Redis failure the database decides for a moment: a dead server costs one
        # connect timeout, not one per request.
        self.circuit = CircuitBreaker(CIRCUIT_SECONDS)
        self.fill_script: Any = None
        self.bump_script: Any = None
        self.read_script: Any = None
        # Bumped by every clear: an entry read, or epochs fetched, before a reconnect are void.
        self.generation = 0
        # The run_id of each Redis server (host:port or socket) this worker has connected to: a
        # server seen again with another one was restarted or restored.
        self.run_ids: dict[str, str | None] = {}
        # The shared level: its scripts stamp and check the run_id of the server owning the
        # snapshot (a single Redis, or the cluster node holding the `{auth}` slot).
        self.shared = False
        # The invalidation listener (accounts/principal_tracking.py); None: every request asks.
        self.tracker: Tracker | None = None

    @property
    def run_id(self) -> str | None:
        """The run_id of the server this worker connected to last (a single Redis: its own)."""
        return next(reversed(self.run_ids.values()), None) if self.run_ids else None

    def verified(self, token: str, secret: str, ttl: int) -> str | None:
        """The session id of a token whose signature this worker checked before (under the
        same key), if it is still within its age; None: check it."""
        found = self._tokens.get(token)
        if found is None or found[2] != secret:
            return None
        age = time.time() - found[1]
        return found[0] if 0 <= age <= ttl else None

    def remember_token(self, token: str, sid: str, signed_at: int, secret: str) -> None:
        with self._lock:
            self._tokens[token] = (sid, signed_at, secret)
            while len(self._tokens) > self.max_entries:
                self._tokens.popitem(last=False)

    def get(self, sid: str) -> Entry | None:
        with self._lock:
            entry = self._entries.get(sid)
            if entry is not None:
                self._entries.move_to_end(sid)
            return entry

    def put(self, sid: str, entry: Entry, generation: int) -> None:
        with self._lock:
            if generation != self.generation:
                return  # the epochs came from before a reconnect
            self._entries[sid] = entry
            self._entries.move_to_end(sid)
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)

    def drop(self, sid: str) -> None:
        with self._lock:
            self._entries.pop(sid, None)

    def clear(self) -> None:
        with self._lock:
            self.generation += 1
            self._entries.clear()

    def __len__(self) -> int:
        return len(self._entries)

    @property
    def enabled(self) -> bool:
        return self.max_age > 0


@cache
def _lua(name: str) -> str:
    return resources.files("accounts").joinpath(f"lua/{name}.lua").read_text("utf-8")


def init_app(app: Flask) -> None:
    """Give the app its cache and clear it whenever its Redis client opens a new connection."""
    cache = PrincipalCache(
        float(app.config.get("AUTH_CACHE_SECONDS", 300)),
        int(app.config.get("AUTH_CACHE_ENTRIES", MAX_ENTRIES)),
    )
    app.extensions[EXTENSION] = cache
    client = app.extensions["redis"]
    cache.fill_script = LuaScript(client, _lua("fill"))
    cache.bump_script = LuaScript(client, _lua("bump"))
    cache.read_script = LuaScript(client, _lua("read"))
    _install_connect_hook(client, cache)
    cache.shared = True
    bound_ms = int(app.config.get("AUTH_TRACKING_BOUND_MS", 250))
    if bound_ms > 0 and cache.enabled:
        cache.tracker = Tracker(client, bound_ms / 1000, cache.max_age)


def cache_of(app: Flask | None = None) -> PrincipalCache:
    return (app or current_app).extensions[EXTENSION]


def _install_connect_hook(client: Any, cache: PrincipalCache) -> None:
    def on_connect(conn: Any, previous: Any = None) -> None:
        if previous is not None:
            previous(conn)
        else:
            conn.on_connect()
        # Runs before the command that made the connection is sent. A connection that was
        # connected before and is connecting again lost its server (a restart, a failover, a
        # restore); a server with a new run_id may be one restored from an old snapshot, and
        # on a cluster a node never seen before may be a replica just promoted, which may lack
        # the last bumps of the master it replaces. Either way this worker's entries may hold
        # epochs the server now answers again: drop them. A pool merely growing (same server,
        # new connection) keeps them.
        run_id = _run_id(conn)
        address = _address(conn)
        again = getattr(conn, "_principal_cache_seen", False)
        conn._principal_cache_seen = True
        first = not cache.run_ids and run_id is not None and not again
        known = address in cache.run_ids
        if not first and (again or run_id is None or not known or cache.run_ids[address] != run_id):
            cache.clear()
        cache.run_ids[address] = run_id

    if is_cluster(client):
        # Each node has a pool of its own; nodes found later (a promoted replica) are made with
        # the nodes manager's connection arguments, so the hook goes there too.
        kwargs = client.nodes_manager.connection_kwargs
        kwargs["redis_connect_func"] = _chained(on_connect, kwargs.get("redis_connect_func"))
        for node in client.get_nodes():
            if node.redis_connection is not None:
                _hook_pool(node.redis_connection.connection_pool, on_connect, cache)
        return
    _hook_pool(client.connection_pool, on_connect, cache)


def _chained(on_connect: Any, previous: Any) -> Any:
    return lambda conn: on_connect(conn, previous)


def _hook_pool(pool: Any, on_connect: Any, cache: PrincipalCache) -> None:
    hook = _chained(on_connect, pool.connection_kwargs.get("redis_connect_func"))
    pool.connection_kwargs["redis_connect_func"] = hook
    # Connections made before (the embedded server's first ping) reconnect through the hook.
    for conn in list(getattr(pool, "_available_connections", [])) + list(
        getattr(pool, "_in_use_connections", [])
    ):
        conn.redis_connect_func = hook
        conn._principal_cache_seen = True  # connected already: its next connect is a reconnect
        if getattr(conn, "_sock", None) is not None and _address(conn) not in cache.run_ids:
            # The server it is connected to (the embedded one).
            try:
                cache.run_ids[_address(conn)] = _run_id(conn)
            except (redis.RedisError, OSError):
                conn.disconnect()  # its next use reconnects through the hook


def _address(conn: Any) -> str:
    return getattr(conn, "path", None) or f"{getattr(conn, 'host', '')}:{getattr(conn, 'port', '')}"


def _run_id(conn: Any) -> str | None:
    """The server's run_id (new for every start of a Redis process), None if INFO is refused."""
    try:
        conn.send_command("INFO", "server")
        info = conn.read_response()
    except redis.ResponseError:
        return None
    if isinstance(info, bytes):
        info = info.decode("utf-8", "replace")
    for line in str(info).splitlines():
        if line.startswith("run_id:"):
            return line[len("run_id:") :].strip()
    return None
