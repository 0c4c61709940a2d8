"""The cached principal: a token resolved to its caller without the database on the hot path.

Design, and why:

- **Where the principal lives.** In each worker process, an LRU map (`AUTH_CACHE_ENTRIES`,
  20,000 by default, per app) from the token's session id to a snapshot: detached copies of the
  account, its person, unit and branch, the roles, secretary_of, committee_of, `left`, the
  session's expiry and whether it is a console sign-in. An in-process map costs no network at
  all for the data; a Redis hash per session would cost a round trip *and* a decode of the whole
  principal, and a token carrying its own epoch could not be revoked by a roster change without
  a lookup anyway.
- **How it stays right.** Every request validates its entry with ONE Redis round trip: an MGET
  of the epoch keys the entry depends on — the session `{auth}:e:s:<sid>`, the account
  `{auth}:e:a:<id>`, the person `{auth}:e:p:<id>` and the global `{auth}:e:g` (a unit, branch
  or mine renamed or re-linked, or a bulk statement we cannot attribute). The entry is served
  only if every value equals what it saw when it was filled. The keys share the hash tag
  `{auth}` so that the MGET and the fill script also run on Redis Cluster.
- **Epochs are random tokens, never counters, and never missing at fill time.** A fill sets a
  missing key to a fresh random value (script ENSURE) and records it; a change sets a new
  random value. So a FLUSHDB (every key gone: None never equals a recorded value), or a flush
  followed by new bumps, can never reproduce a value an entry recorded.
- **Who bumps.** Nobody by hand: SQLAlchemy session events. `after_flush` collects the
  AuthSession, Account, Person, RoleGrant, ConsoleSignIn, Unit, Branch and Mine rows a flush
  changed or deleted (and new grants), `do_orm_execute` catches bulk UPDATE/DELETE/INSERT
  statements on those tables (a statement may name its keys with the execution option
  `auth_epochs`; otherwise it bumps the global epoch), and the keys are bumped twice: once
  right after the flush (before the commit) and once after the commit (`after_commit`;
  `after_rollback` forgets them). The second bump is the one that matters; the first closes
  the race of a reader that read the old rows just before the commit and its epochs just
  after the writer's single post-commit bump would have been — with two bumps, whatever value
  such a reader recorded is replaced once more after the commit.
- **Redis restarted, restored from an old snapshot, failed over.** An old snapshot could bring
  back a value an entry recorded. Every new connection of the app's Redis client (which is
  what a restart or a failover forces) that is a *re*connection, or that finds a server with
  another `run_id`, therefore empties this worker's cache before its first command
  (`redis_connect_func` on the client's pool); an entry already read or a fill already under
  way when that happens is void too (`generation`). A pool merely opening one more connection
  to the same server keeps the cache. On Redis Cluster the hook is not installed; there
  `AUTH_CACHE_SECONDS` is the bound.
- **Redis down.** Any Redis error (unreachable, timing out, or an error reply such as OOM,
  READONLY, LOADING) means the entry cannot be validated: the request takes the database path
  exactly as before this cache existed, and nothing is stored. A failure opens a short circuit
  (5 s) so a dead server costs one connect timeout, not one per request. What the cache cannot
  see is a change made while Redis was unreachable to the *writer* but not to the reader:
  entries older than `AUTH_CACHE_SECONDS` are never served, which bounds that case.
- **Views get ORM objects.** A hit merges the detached snapshot into the request's session
  with `merge(load=False)` (SQLAlchemy's caching recipe): no SQL, and `principal.person` is a
  real `Person` (its `mine`, not cached, loads lazily if a view touches it).
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import redis
from flask import Flask, current_app, has_app_context
from sqlalchemy import event, inspect
from sqlalchemy.orm import Session, make_transient_to_detached

from accounts.principal import Principal, principal_for
from accounts.tokens import load_session, session_id
from models import (
    Account,
    AuthSession,
    Branch,
    ConsoleSignIn,
    Mine,
    Person,
    RoleGrant,
    Unit,
    db,
    get_redis,
    utcnow,
)

log = logging.getLogger(__name__)

# A voter casts up to 18 votes within minutes: the LRU must hold everyone voting at a peak.
MAX_ENTRIES = 20000
GLOBAL_KEY = "{auth}:e:g"
# Epoch keys outlive any token (7 days by default); one expiring early only costs a refill.
EPOCH_TTL_SECONDS = 9 * 24 * 3600
CIRCUIT_SECONDS = 5.0
EXTENSION = "principal_cache"
TRACKED_TABLES = {
    t.__tablename__ for t in (AuthSession, Account, Person, RoleGrant, ConsoleSignIn, Unit, Branch)
} | {Mine.__tablename__}

# Sets each missing key to its fresh value (ARGV[i]) and answers every key's value.
ENSURE = """
local out = {}
for i, key in ipairs(KEYS) do
  local v = redis.call('GET', key)
  if not v then
    v = ARGV[i]
    redis.call('SET', key, v, 'EX', tonumber(ARGV[#KEYS + 1]))
  end
  out[i] = v
end
return out
"""


def session_key(sid: str) -> str:
    return f"{{auth}}:e:s:{sid}"


def account_key(account_id: int) -> str:
    return f"{{auth}}:e:a:{account_id}"


def person_key(person_id: int) -> str:
    return f"{{auth}}:e:p:{person_id}"


def _fresh() -> str:
    return uuid.uuid4().hex


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


@dataclass
class Authenticated:
    """The outcome of authenticating a token: the principal, its session id, and the session
    row when the database path loaded it anyway (None on a cache hit)."""

    principal: Principal
    sid: str
    session: AuthSession | None
    console: bool


class PrincipalCache:
    """The per-app, per-process LRU of entries, and the Redis circuit of this cache."""

    def __init__(self, max_age: float, max_entries: int = MAX_ENTRIES) -> None:
        self.max_age = max_age
        self.max_entries = max_entries
        self._entries: OrderedDict[str, Entry] = OrderedDict()
        self._lock = threading.Lock()
        self._circuit_until = 0.0
        self.ensure_script: Any = None
        # Bumped by every clear: an entry read, or epochs fetched, before a reconnect are void.
        self.generation = 0
        self.run_id: str | None = None  # of the Redis server the entries were validated on

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

    def redis_failed(self) -> None:
        self._circuit_until = time.monotonic() + CIRCUIT_SECONDS

    def redis_skipped(self) -> bool:
        return time.monotonic() < self._circuit_until


def init_app(app: Flask) -> None:
    """Give the app its cache and clear it whenever its Redis client opens a new connection."""
    cache = PrincipalCache(
        float(app.config.get("AUTH_CACHE_SECONDS", 60)),
        int(app.config.get("AUTH_CACHE_ENTRIES", MAX_ENTRIES)),
    )
    app.extensions[EXTENSION] = cache
    client = app.extensions["redis"]
    cache.ensure_script = client.register_script(ENSURE)
    _install_connect_hook(client, cache)
    _listen_once()


def _install_connect_hook(client: Any, cache: PrincipalCache) -> None:
    pool = getattr(client, "connection_pool", None)
    if pool is None:  # Redis Cluster: per-node pools of its own; the max age bounds it
        return
    previous = pool.connection_kwargs.get("redis_connect_func")

    def on_connect(conn: Any) -> None:
        if previous is not None:
            previous(conn)
        else:
            conn.on_connect()
        # Runs before the command that made the connection is sent. A connection that was
        # connected before and is connecting again lost its server (a restart, a failover, a
        # restore); a new server (run_id) may be one restored from an old snapshot. Either
        # way this worker's entries may hold epochs the server now answers again: drop them.
        # A pool merely growing (same server, new connection) keeps them.
        run_id = _run_id(conn)
        again = getattr(conn, "_principal_cache_seen", False)
        conn._principal_cache_seen = True
        first = cache.run_id is None and run_id is not None and not again
        if not first and (again or run_id is None or run_id != cache.run_id):
            cache.clear()
        cache.run_id = run_id

    pool.connection_kwargs["redis_connect_func"] = on_connect
    # Connections made before (the embedded server's first ping) reconnect through the hook.
    for conn in list(getattr(pool, "_available_connections", [])) + list(
        getattr(pool, "_in_use_connections", [])
    ):
        conn.redis_connect_func = on_connect
        conn._principal_cache_seen = True  # connected already: its next connect is a reconnect


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


def cache_of(app: Flask | None = None) -> PrincipalCache:
    return (app or current_app).extensions[EXTENSION]


# --- reading ------------------------------------------------------------------------------------


def authenticate(token: str, *, console: bool = False) -> Authenticated:
    """The principal a token names; TokenInvalid / TokenExpired / TokenRevoked as before.

    `console` also asks whether the session is a console sign-in (Authenticated.console)."""
    sid = session_id(token)
    cache = cache_of()
    generation = cache.generation
    entry = cache.get(sid) if cache.enabled else None
    if console and entry is not None and entry.console is None:
        entry = None  # the console asks what an API request's fill did not look up
    if entry is not None and not cache.redis_skipped():
        valid = _still_valid(cache, entry, generation)
        if valid is True:
            return Authenticated(_principal_of(entry), sid, None, bool(entry.console))
        if valid is False:
            cache.drop(sid)
    return _from_database(cache, sid, console)


def _still_valid(cache: PrincipalCache, entry: Entry, generation: int) -> bool | None:
    """True/False, or None when Redis cannot answer (the database decides, nothing is kept)."""
    if time.monotonic() - entry.filled_at > cache.max_age or entry.expires_at <= utcnow():
        return False
    try:
        values = get_redis().mget(entry.keys)
    except redis.RedisError as exc:
        log.warning("principal cache: redis unavailable, using the database: %s", exc)
        cache.redis_failed()
        return None
    # The MGET may have reconnected (and so cleared the cache) under us: then the entry is void.
    return tuple(values) == entry.epochs and generation == cache.generation


def _principal_of(entry: Entry) -> Principal:
    account = db.session.merge(entry.account, load=False)
    person = None if entry.left else account.person
    return Principal(
        account,
        person,
        list(entry.roles),
        list(entry.secretary_of),
        list(entry.committee_of),
        left=entry.left,
    )


def _from_database(cache: PrincipalCache, sid: str, console: bool) -> Authenticated:
    session = load_session(sid)
    principal = principal_for(session.account)
    is_console = None
    if console:
        signed_in = db.select(ConsoleSignIn.id).where(ConsoleSignIn.session_id == sid)
        is_console = db.session.scalar(signed_in) is not None
    if cache.enabled and not cache.redis_skipped():
        _fill(cache, sid, session, principal, is_console)
    return Authenticated(principal, sid, session, bool(is_console))


def _fill(
    cache: PrincipalCache, sid: str, session: AuthSession, p: Principal, is_console: bool | None
) -> None:
    account = session.account
    person = account.person
    keys = [session_key(sid), account_key(account.id), GLOBAL_KEY]
    if person is not None:
        keys.append(person_key(person.id))
    generation = cache.generation
    try:
        epochs = cache.ensure_script(keys=keys, args=[*(_fresh() for _ in keys), EPOCH_TTL_SECONDS])
    except redis.RedisError as exc:
        log.warning("principal cache: redis unavailable, not caching: %s", exc)
        cache.redis_failed()
        return
    cache.put(
        sid,
        Entry(
            account=_detached_account(account),
            left=p.left,
            roles=tuple(p.roles),
            secretary_of=tuple(p.secretary_of),
            committee_of=tuple(p.committee_of),
            expires_at=session.expires_at,
            console=is_console,
            keys=tuple(keys),
            epochs=tuple(epochs),
            filled_at=time.monotonic(),
        ),
        generation,
    )


def _copy(obj: Any, **relations: Any) -> Any:
    """A detached copy of a loaded row (its columns, and the given relationships)."""
    mapper = inspect(obj).mapper
    copy = mapper.class_(**{a.key: getattr(obj, a.key) for a in mapper.column_attrs})
    for key, value in relations.items():
        setattr(copy, key, value)
    make_transient_to_detached(copy)
    return copy


def _detached_account(account: Account) -> Account:
    person = account.person
    person_copy = None
    if person is not None:
        unit = _copy(person.unit)
        branch = _copy(person.branch) if person.branch is not None else None
        person_copy = _copy(person, unit=unit, branch=branch)
    return _copy(account, person=person_copy)


# --- invalidation -------------------------------------------------------------------------------

_PENDING = "auth_epoch_keys"
_listening = False


def keys_of(obj: Any, *, new: bool) -> Iterable[str]:
    """The epoch keys a changed (or, for grants and sign-ins, new) row invalidates."""
    if isinstance(obj, RoleGrant):
        if obj.person_id is not None:
            yield person_key(obj.person_id)
    elif isinstance(obj, ConsoleSignIn):
        if obj.session_id is not None:
            yield session_key(obj.session_id)
    elif new:
        return
    elif isinstance(obj, AuthSession):
        yield session_key(obj.id)
    elif isinstance(obj, Account):
        yield account_key(obj.id)
    elif isinstance(obj, Person):
        yield person_key(obj.id)
    elif isinstance(obj, Unit | Branch | Mine):
        yield GLOBAL_KEY


def bump(keys: Iterable[str]) -> None:
    """Give each key a new random value (one pipeline); a Redis failure is logged, not raised."""
    keys = sorted(set(keys))
    if not keys or not has_app_context() or EXTENSION not in current_app.extensions:
        return
    # Tried even while the read side skips Redis after a failure: an invalidation matters more
    # than the connect timeout a write may pay for it.
    cache = cache_of()
    try:
        pipe = get_redis().pipeline(transaction=False)
        for key in keys:
            pipe.set(key, _fresh(), ex=EPOCH_TTL_SECONDS)
        pipe.execute()
    except redis.RedisError as exc:
        # Readers that can reach Redis still see the old epochs: AUTH_CACHE_SECONDS bounds it.
        log.error("principal cache: could not invalidate %d keys: %s", len(keys), exc)
        cache.redis_failed()


def _remember(session: Session, keys: set[str]) -> None:
    if keys:
        session.info.setdefault(_PENDING, set()).update(keys)
        bump(keys)  # the first of the two bumps (see the module's docstring)


def _after_flush(session: Session, _ctx: Any) -> None:
    keys: set[str] = set()
    for obj in session.new:
        keys.update(keys_of(obj, new=True))
    for obj in session.dirty:
        if session.is_modified(obj, include_collections=False):
            keys.update(keys_of(obj, new=False))
    for obj in session.deleted:
        keys.update(keys_of(obj, new=False))
    _remember(session, keys)


def _do_orm_execute(state: Any) -> None:
    if not (state.is_update or state.is_delete or state.is_insert):
        return
    table = getattr(state.statement, "table", None)
    if getattr(table, "name", None) not in TRACKED_TABLES:
        return
    named = state.execution_options.get("auth_epochs")
    _remember(state.session, set(named) if named is not None else {GLOBAL_KEY})


def _after_commit(session: Session) -> None:
    bump(session.info.pop(_PENDING, ()))


def _after_rollback(session: Session) -> None:
    session.info.pop(_PENDING, None)


def _listen_once() -> None:
    global _listening
    if _listening:
        return
    _listening = True
    event.listen(Session, "after_flush", _after_flush)
    event.listen(Session, "do_orm_execute", _do_orm_execute)
    event.listen(Session, "after_commit", _after_commit)
    event.listen(Session, "after_rollback", _after_rollback)
