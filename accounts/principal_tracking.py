"""The principal cache's invalidation listener: Redis tells this worker which epoch keys changed,
so a cached principal is served without a round trip on the common path. The design is in
accounts/principal_cache.py ("Validation without a round trip").

One listener per app and process: a dedicated connection to the server owning the `{auth}`
slot that runs `CLIENT TRACKING ON REDIRECT <its own id> BCAST PREFIX {auth}:e:` and
`SUBSCRIBE __redis__:invalidate`, read by a daemon thread. Every change of an epoch key (a bump,
a fill setting a missing key, an expiry, by any client) arrives as a message naming the keys; a
message without keys (FLUSHDB, FLUSHALL) means every key. The thread also sends a PING every
`interval`: Redis answers in order on that connection, so when the answer to a PING sent at
`tp` has been read, every invalidation Redis produced before `tp` has been applied (`fence`).
"""

from __future__ import annotations

import logging
import os
import select
import threading
import time
from typing import Any

import redis

from models.redis_store import is_cluster, node_client

log = logging.getLogger(__name__)

PREFIX = "{auth}:e:"
CHANNEL = "__redis__:invalidate"
# A listener nobody asked about for this long stops (the next request starts it again): an app
# that is no longer used (a test's second app, a worker gone idle) holds no thread.
IDLE_SECONDS = 30.0
# A PING unanswered this long means the connection is stuck: it is dropped and made again.
STUCK_SECONDS = 2.0
RETRY_SECONDS = 1.0


def _text(value: Any) -> Any:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else value


class Tracker:
    """The invalidation listener of one app in one process, and the picture it keeps: for each
    epoch key, the sequence number of the last invalidation applied (`changed`), and that of
    the last "every key" message (`flushed`).

    A request asks `mark()` before it reads epochs from Redis and keeps the mark with the entry;
    later `trusts(keys, mark)` says whether the entry may be served without asking Redis."""

    def __init__(self, client: Any, bound: float, max_age: float) -> None:
        self.client = client
        self.bound = bound  # seconds: AUTH_TRACKING_BOUND_MS
        self.interval = min(0.05, bound / 4)
        self.max_age = max_age
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._pid: int | None = None
        self._stop = threading.Event()
        self.last_asked = time.monotonic()
        # Bumped at every connect and disconnect: a mark taken under another is void.
        self.connection = 0
        self.connected = False
        self.seq = 0
        self.flushed = 0
        self.changed: dict[str, tuple[int, float]] = {}
        self.fence = float("-inf")  # monotonic send time of the last PING answered
        self.reading = False  # the thread has taken bytes it has not applied yet
        self._sock: Any = None
        self.client_id: int | None = None  # the listener connection's CLIENT ID

    # --- the request side -----------------------------------------------------------------

    def ensure_running(self) -> None:
        """Start the listener in this process if it is not running (a fork does not carry it)."""
        self.last_asked = time.monotonic()
        thread = self._thread
        if thread is not None and thread.is_alive() and self._pid == os.getpid():
            return
        with self._lock:
            thread = self._thread
            if thread is not None and thread.is_alive() and self._pid == os.getpid():
                return
            self._reset()
            self._stop = threading.Event()
            self._pid = os.getpid()
            self._thread = threading.Thread(
                target=self._run, args=(self._stop,), name="principal-tracking", daemon=True
            )
            self._thread.start()

    def mark(self) -> tuple[int, int] | None:
        """Where the picture stands, taken before reading epochs from Redis; None when the
        listener is not connected (then no entry is served without a round trip)."""
        if not self.connected:
            return None
        return (self.connection, self.seq)

    def trusts(self, keys: tuple[str, ...], mark: tuple[int, int] | None) -> bool:
        """Whether an entry whose epochs were read after `mark` still holds, without Redis: the
        listener has been connected since, no key of it (and no flush) was invalidated since,
        nothing has arrived that is not applied yet, and the last PING answered was sent
        within `bound` of now."""
        if mark is None or not self.connected or mark[0] != self.connection:
            return False
        if time.monotonic() - self.fence > self.bound:
            return False
        # The order matters: bytes in the socket, then bytes taken but not applied, then the
        # picture (the thread sets `reading` before it takes bytes, clears it once applied).
        if self._unread() or self.reading:
            return False
        seq = mark[1]
        if self.flushed > seq:
            return False
        changed = self.changed
        for key in keys:
            found = changed.get(key)
            if found is not None and found[0] > seq:
                return False
        return mark[0] == self.connection

    def _unread(self) -> bool:
        """Whether invalidations wait in the socket: a change whose writer already has its
        answer is there before its writer's next request is (Redis writes the invalidation
        before the reply), so the next request in any worker on this host sees it."""
        sock = self._sock
        if sock is None:
            return True
        try:
            return bool(select.select([sock], [], [], 0)[0])
        except (OSError, ValueError):  # closed under us
            return True

    def stop(self) -> None:
        """Stop the listener (it empties its picture; the next request starts it again)."""
        self._stop.set()
        thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout=2)

    # --- the listener thread --------------------------------------------------------------

    def _reset(self) -> None:
        self.connected = False
        self.connection += 1
        self._sock = None
        self.fence = float("-inf")
        self.reading = False

    def _connect(self) -> Any:
        node = node_client(self.client, "{auth}:e:g") if is_cluster(self.client) else self.client
        pool = node.connection_pool
        kwargs = dict(pool.connection_kwargs)
        # Not the principal cache's connect hook (this connection's reconnects void the marks
        # instead), no health check PING mixed into the subscription, and RESP2 messages.
        kwargs.pop("redis_connect_func", None)
        kwargs.pop("health_check_interval", None)
        kwargs["protocol"] = 2
        for key in ("maint_notifications_config", "maint_notifications_pool_handler"):
            kwargs.pop(key, None)  # redis-py's RESP3-only feature, and the pool's own handler
        conn = pool.connection_class(**kwargs)
        conn.connect()
        conn.send_command("CLIENT", "ID")
        own_id = conn.read_response()
        self.client_id = int(own_id)
        conn.send_command("CLIENT", "TRACKING", "ON", "REDIRECT", own_id, "BCAST", "PREFIX", PREFIX)
        if _text(conn.read_response()) != "OK":
            raise redis.ResponseError("CLIENT TRACKING refused")
        conn.send_command("SUBSCRIBE", CHANNEL)
        conn.read_response()
        return conn

    def _run(self, stop: threading.Event) -> None:
        failures = 0
        while not stop.is_set() and self._pid == os.getpid():
            if time.monotonic() - self.last_asked > IDLE_SECONDS:
                break
            conn = None
            try:
                conn = self._connect()
                failures = 0
                self._listen(conn, stop)
            except Exception as exc:  # noqa: BLE001 - the thread must live on: requests ask Redis
                failures += 1
                # Once per outage: meanwhile every request validates with Redis as before.
                level = logging.WARNING if failures == 1 else logging.DEBUG
                log.log(level, "principal tracking: no invalidation listener: %s", exc)
            finally:
                with self._lock:
                    self._reset()
                if conn is not None:
                    conn.disconnect()
            stop.wait(RETRY_SECONDS)
        with self._lock:
            self._reset()
            self.changed = {}

    def _listen(self, conn: Any, stop: threading.Event) -> None:
        with self._lock:
            self.changed = {}
            self.connection += 1
            self._sock = conn._sock
            self.connected = True
        pings: dict[str, float] = {}
        number = 0
        next_ping = 0.0
        next_prune = time.monotonic() + self.max_age
        while not stop.is_set():
            now = time.monotonic()
            if now - self.last_asked > IDLE_SECONDS or self._pid != os.getpid():
                return
            if now >= next_ping:
                if pings and now - min(pings.values()) > STUCK_SECONDS:
                    raise redis.TimeoutError("the invalidation connection stopped answering")
                number += 1
                pings[str(number)] = now
                conn.send_command("PING", str(number))
                next_ping = now + self.interval
            if now >= next_prune:
                self._prune(now)
                next_prune = now + self.max_age
            if not self._wait_readable(conn, max(0.0, next_ping - time.monotonic())):
                continue
            self.reading = True
            try:
                while conn.can_read(timeout=0):
                    self._handle(conn.read_response(), pings)
            finally:
                self.reading = False

    def _wait_readable(self, conn: Any, timeout: float) -> bool:
        return bool(select.select([conn._sock], [], [], timeout)[0])

    def _handle(self, message: Any, pings: dict[str, float]) -> None:
        if not isinstance(message, list) or not message:
            return
        kind = _text(message[0])
        if kind == "message" and len(message) == 3:
            keys = message[2]
            now = time.monotonic()
            self.seq += 1
            if keys is None:  # FLUSHDB / FLUSHALL: every key
                self.flushed = self.seq
            else:
                for key in keys:
                    self.changed[_text(key)] = (self.seq, now)
        elif kind == "pong" and len(message) == 2:
            sent = pings.pop(_text(message[1]), None)
            if sent is not None:
                self.fence = max(self.fence, sent)

    def _prune(self, now: float) -> None:
        """Forget invalidations older than the cache's max age: an entry marked before them was
        filled before them too, and is never served at that age."""
        horizon = now - self.max_age - 1
        self.changed = {k: v for k, v in self.changed.items() if v[1] >= horizon}
