"""The cached principal: a token resolved to its caller without the database on the hot path.

Design, and why:

- **Where the principal lives: two levels.** In each worker process, an LRU map
  (`AUTH_CACHE_ENTRIES`, 20,000 by default, per app) from the token's session id to an entry:
  detached copies of the account, its person, unit and branch, the roles, secretary_of,
  committee_of, `left`, the session's expiry and whether it is a console sign-in. And in Redis,
  shared by every worker, a JSON snapshot of the same under `{auth}:p:<sid>` (TTL
  `AUTH_CACHE_SECONDS`), with the epoch keys and values it was built under and the `run_id` of
  the Redis server it was written to. Why both: the per-worker LRU costs no network for the
  data and no decode (one MGET of the epochs, nothing else); but with several workers, and
  entries refilled every `AUTH_CACHE_SECONDS`, a token used on every worker would miss once
  per worker, and a miss is the database (two statements, ~3 ms). The shared level makes a
  miss in one worker cheap when another has filled it: one script (GET the snapshot, MGET its
  epochs) and a decode, no SQL. A token carrying its own epoch could not be revoked by a
  roster change without a lookup anyway.
- **The shared level.** A database fill writes the snapshot in the same script that ensures
  the epochs (FILL), so the epochs it records are exactly the ones the fill saw. A worker that
  misses its LRU (or whose entry went stale) runs READ; the snapshot is used only if its epochs
  all equal the current values, its `run_id` is the server's the worker is connected to (a
  restart, an old RDB restored or a failed-over replica has another `run_id`, so a snapshot
  from before never validates, even with its epochs restored alongside it) and it is younger
  than `AUTH_CACHE_SECONDS` (by the writer's clock and by its Redis TTL); then the account,
  person, unit and branch are rebuilt as detached rows, without SQL, and kept in the LRU with
  the snapshot's age. Columns are written from the mapper (`inspect(Model).columns`), so a new
  column cannot be forgotten; a snapshot with other columns (a deploy in between) is a miss.
  Without a `run_id` (Redis Cluster) the shared level is off.
- **How it stays right.** Every request validates its entry with ONE Redis round trip: an MGET
  of the epoch keys the entry depends on — the session `{auth}:e:s:<sid>`, the account
  `{auth}:e:a:<id>`, the person `{auth}:e:p:<id>` and the global `{auth}:e:g` (a unit, branch
  or mine renamed or re-linked, or a bulk statement we cannot attribute). The entry is served
  only if every value equals what it saw when it was filled (an entry found stale then tries
  the shared level: a second round trip, once per change). The keys share the hash tag
  `{auth}` so that the MGET and the scripts also run on Redis Cluster.
- **Epochs are random tokens, never counters, and never missing at fill time.** A fill sets a
  missing key to a fresh random value (script FILL) and records it; a change sets a new
  random value. So a FLUSHDB (every key gone: None never equals a recorded value), or a flush
  followed by new bumps, can never reproduce a value an entry recorded.
- **Who bumps.** Nobody by hand: SQLAlchemy session events. `after_flush` collects the
  AuthSession, Account, Person, RoleGrant, ConsoleSignIn, Unit, Branch and Mine rows a flush
  changed or deleted (and new grants), `do_orm_execute` catches bulk UPDATE/DELETE/INSERT
  statements on those tables (a statement may name its keys with the execution option
  `auth_epochs`; otherwise it bumps the global epoch), and the keys are bumped twice: once
  right after the flush (before the commit) and once after the commit (`after_commit`;
  `after_rollback` forgets them). The post-commit bump is the one that matters.
- **A fill never records data older than its epochs.** A reader may load the rows just before
  a writer's commit and record the epochs just after the writer's post-commit bump: that entry
  would pass every later check with the old data. So every epoch value carries the Redis
  server's clock when it was set (`<random>.<ms>`, script BUMP), the filler takes the server's
  clock before its database read (`_server_ms`; none, and no caching, if this transaction has
  already read — MariaDB's REPEATABLE READ snapshot could be older), and FILL refuses to record
  anything (no entry, no snapshot) when a key was bumped at or after that moment: the rows read
  may predate that change's commit. Both stamps come from one clock, Redis's.
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
  exactly as before this cache existed, and nothing is stored (an error on the shared read
  too: the database decides). A failure opens a short circuit (5 s) so a dead server costs
  one connect timeout, not one per request. What the cache cannot
  see is a change made while Redis was unreachable to the *writer* but not to the reader:
  entries older than `AUTH_CACHE_SECONDS` are never served, which bounds that case.
- **Views get ORM objects.** A hit merges the detached snapshot into the request's session
  with `merge(load=False)` (SQLAlchemy's caching recipe): no SQL, and `principal.person` is a
  real `Person` (its `mine`, not cached, loads lazily if a view touches it).
"""

from __future__ import annotations

import json
import logging
import threading
import time
import uuid
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import redis
from flask import Flask, current_app, has_app_context
from sqlalchemy import event, inspect
from sqlalchemy.orm import Session, make_transient_to_detached
from sqlalchemy.types import TypeDecorator

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

# An epoch value is "<random>.<ms>": the Redis server's clock (ms) when it was set. BUMP gives
# each key a new value stamped now. KEYS: the keys; ARGV: one random value per key, the TTL.
BUMP = """
local t = redis.call('TIME')
local ms = tostring(tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000))
local ttl = tonumber(ARGV[#KEYS + 1])
for i, key in ipairs(KEYS) do
  redis.call('SET', key, ARGV[i] .. '.' .. ms, 'EX', ttl)
end
return ms
"""

# Sets each of the n epoch keys that is missing to its fresh value (stamped 0: no change is
# recorded) and answers {stale, every key's value}. `stale` is 1 when a key was bumped at or
# after `read_from` (the server's clock just before the filler read the database): that read
# may predate the change's commit, so nothing is stored and the caller keeps nothing. Otherwise,
# with a snapshot key after the epoch keys, it also stores the shared snapshot (the JSON body
# given, its epochs spliced in) for the snapshot's TTL, so the epochs it records are the ones
# answered. KEYS: epoch keys [, snapshot key]; ARGV: n, n fresh values, epoch TTL, read_from
# [, body, snapshot TTL ms].
FILL = """
local n = tonumber(ARGV[1])
local ttl = tonumber(ARGV[n + 2])
local read_from = tonumber(ARGV[n + 3])
local out = {}
local stale = 0
for i = 1, n do
  local v = redis.call('GET', KEYS[i])
  if not v then
    v = ARGV[i + 1] .. '.0'
    redis.call('SET', KEYS[i], v, 'EX', ttl)
  else
    local stamp = tonumber(string.match(v, '%.(%d+)$') or '0')
    if stamp >= read_from then
      stale = 1
    end
  end
  out[i] = v
end
if stale == 1 then
  return {1, out}
end
if KEYS[n + 1] then
  local body = ARGV[n + 4]
  local snapshot = '{"epochs":' .. cjson.encode(out) .. ',' .. string.sub(body, 2)
  redis.call('SET', KEYS[n + 1], snapshot, 'PX', tonumber(ARGV[n + 5]))
end
return {0, out}
"""

# The shared snapshot, its remaining TTL (ms) and the current values of the epoch keys it
# lists, in one round trip (nil: no snapshot). The epoch keys share the snapshot's hash tag.
READ = """
local snapshot = redis.call('GET', KEYS[1])
if not snapshot then
  return nil
end
local ok, doc = pcall(cjson.decode, snapshot)
if not ok or type(doc) ~= 'table' or type(doc.keys) ~= 'table' or #doc.keys == 0 then
  return nil
end
local values = redis.call('MGET', unpack(doc.keys))
local out = {snapshot, redis.call('PTTL', KEYS[1])}
for i = 1, #doc.keys do
  out[i + 2] = values[i]
end
return out
"""
SNAPSHOT_VERSION = 1


def session_key(sid: str) -> str:
    return f"{{auth}}:e:s:{sid}"


def account_key(account_id: int) -> str:
    return f"{{auth}}:e:a:{account_id}"


def person_key(person_id: int) -> str:
    return f"{{auth}}:e:p:{person_id}"


def snapshot_key(sid: str) -> str:
    return f"{{auth}}:p:{sid}"


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
        self.fill_script: Any = None
        self.bump_script: Any = None
        self.read_script: Any = None
        # Bumped by every clear: an entry read, or epochs fetched, before a reconnect are void.
        self.generation = 0
        self.run_id: str | None = None  # of the Redis server the entries were validated on
        # The shared level needs the run_id, which the connect hook learns (not on Cluster).
        self.shared = False

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
        float(app.config.get("AUTH_CACHE_SECONDS", 300)),
        int(app.config.get("AUTH_CACHE_ENTRIES", MAX_ENTRIES)),
    )
    app.extensions[EXTENSION] = cache
    client = app.extensions["redis"]
    cache.fill_script = client.register_script(FILL)
    cache.bump_script = client.register_script(BUMP)
    cache.read_script = client.register_script(READ)
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
    cache.shared = True
    # Connections made before (the embedded server's first ping) reconnect through the hook.
    for conn in list(getattr(pool, "_available_connections", [])) + list(
        getattr(pool, "_in_use_connections", [])
    ):
        conn.redis_connect_func = on_connect
        conn._principal_cache_seen = True  # connected already: its next connect is a reconnect
        if cache.run_id is None and getattr(conn, "_sock", None) is not None:
            # The server it is connected to (the embedded one): snapshots name it.
            try:
                cache.run_id = _run_id(conn)
            except (redis.RedisError, OSError):
                conn.disconnect()  # its next use reconnects through the hook


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
    if cache.enabled and not cache.redis_skipped():
        generation = cache.generation
        entry = cache.get(sid)
        if console and entry is not None and entry.console is None:
            entry = None  # the console asks what an API request's fill did not look up
        if entry is not None:
            valid = _still_valid(cache, entry, generation)
            if valid is True:
                return Authenticated(_principal_of(entry), sid, None, bool(entry.console))
            if valid is False:
                cache.drop(sid)
        if not cache.redis_skipped():  # (a failed MGET opened the circuit)
            # Not in this worker, or changed since: another worker may have filled Redis's level.
            entry = _from_shared(cache, sid, console)
            if entry is not None:
                return Authenticated(_principal_of(entry), sid, None, bool(entry.console))
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


def _from_shared(cache: PrincipalCache, sid: str, console: bool) -> Entry | None:
    """The entry another worker stored in Redis, if it is still valid (then kept in this
    worker's LRU too); None otherwise, or when Redis cannot answer (circuit opened)."""
    if not cache.shared:
        return None
    generation = cache.generation
    try:
        found = cache.read_script(keys=[snapshot_key(sid)])
    except redis.RedisError as exc:
        log.warning("principal cache: redis unavailable, using the database: %s", exc)
        cache.redis_failed()
        return None
    if not found:
        return None
    try:
        entry = _entry_of(cache, json.loads(found[0]), found[1], found[2:])
    except (ValueError, KeyError, TypeError) as exc:  # a snapshot of another version or schema
        log.info("principal cache: snapshot not used: %r", exc)
        return None
    if entry is None or (console and entry.console is None):
        return None
    # The read may have reconnected (and so cleared the cache) under us: then it is void.
    if generation != cache.generation:
        return None
    cache.put(sid, entry, generation)
    return entry


def _entry_of(cache: PrincipalCache, doc: dict, ttl_ms: int, values: list) -> Entry | None:
    """The entry a snapshot describes, if it was written under this very Redis server and
    epochs that are still current, and is younger than AUTH_CACHE_SECONDS; no SQL."""
    if doc["v"] != SNAPSHOT_VERSION or cache.run_id is None or doc["run_id"] != cache.run_id:
        return None  # a snapshot from before a restart, a restore or a failover
    keys, epochs = tuple(doc["keys"]), tuple(doc["epochs"])
    if len(keys) != len(epochs) or tuple(values) != epochs:
        return None
    # Its age by the writer's clock and by Redis's (the TTL it was given is the max age).
    age = max(time.time() - float(doc["filled_at"]), cache.max_age - int(ttl_ms) / 1000, 0.0)
    expires_at = datetime.fromisoformat(doc["expires_at"])
    if age >= cache.max_age or expires_at <= utcnow():
        return None
    unit = _row(Unit, doc["unit"]) if doc["unit"] is not None else None
    branch = _row(Branch, doc["branch"]) if doc["branch"] is not None else None
    person = None
    if doc["person"] is not None:
        person = _row(Person, doc["person"], unit=unit, branch=branch)
    console = doc["console"]
    return Entry(
        account=_row(Account, doc["account"], person=person),
        left=bool(doc["left"]),
        roles=tuple(doc["roles"]),
        secretary_of=tuple(doc["secretary_of"]),
        committee_of=tuple(doc["committee_of"]),
        expires_at=expires_at,
        console=None if console is None else bool(console),
        keys=keys,
        epochs=epochs,
        filled_at=time.monotonic() - age,
    )


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
    fill = cache.enabled and not cache.redis_skipped()
    read_from = _server_ms(cache) if fill else None
    session = load_session(sid)
    principal = principal_for(session.account)
    is_console = None
    if console:
        signed_in = db.select(ConsoleSignIn.id).where(ConsoleSignIn.session_id == sid)
        is_console = db.session.scalar(signed_in) is not None
    if read_from is not None and not cache.redis_skipped():
        _fill(cache, sid, session, principal, is_console, read_from)
    return Authenticated(principal, sid, session, bool(is_console))


def _server_ms(cache: PrincipalCache) -> int | None:
    """Redis's clock (ms) before a fill reads the database: see FILL's `stale`. None when the
    database was already read in this transaction (its snapshot may be older than this moment
    on MariaDB's REPEATABLE READ) or Redis cannot answer: then nothing is cached."""
    if db.session().in_transaction():
        return None
    try:
        seconds, micros = get_redis().time()
    except redis.RedisError as exc:
        log.warning("principal cache: redis unavailable, using the database: %s", exc)
        cache.redis_failed()
        return None
    return int(seconds) * 1000 + int(micros) // 1000


def _fill(
    cache: PrincipalCache,
    sid: str,
    session: AuthSession,
    p: Principal,
    is_console: bool | None,
    read_from: int,
) -> None:
    account = session.account
    person = account.person
    keys = [session_key(sid), account_key(account.id), GLOBAL_KEY]
    if person is not None:
        keys.append(person_key(person.id))
    generation = cache.generation
    script_keys = list(keys)
    args: list[Any] = [len(keys), *(_fresh() for _ in keys), EPOCH_TTL_SECONDS, read_from]
    run_id = cache.run_id
    if run_id is not None:  # the shared level, in the same script: its epochs are the ones set
        script_keys.append(snapshot_key(sid))
        body = _snapshot(run_id, keys, session, p, is_console)
        args += [body, max(1, int(cache.max_age * 1000))]
    try:
        stale, epochs = cache.fill_script(keys=script_keys, args=args)
    except redis.RedisError as exc:
        log.warning("principal cache: redis unavailable, not caching: %s", exc)
        cache.redis_failed()
        return
    if stale:  # changed since this read began: the next request reads the database again
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


# --- the shared snapshot's JSON -----------------------------------------------------------------


def _columns_of(model: type) -> tuple[tuple[str, type], ...]:
    """(attribute, python type) of every mapped column: a new column is in the snapshot too."""
    out = []
    for key, column in inspect(model).columns.items():
        sql_type = column.type
        while isinstance(sql_type, TypeDecorator):  # UTCDateTime: a datetime, read back aware
            sql_type = sql_type.impl_instance
        python_type = sql_type.python_type
        if python_type not in (int, str, bool, datetime, date):
            raise TypeError(f"{model.__name__}.{key}: {python_type} is not in the snapshot codec")
        out.append((key, python_type))
    return tuple(out)


COLUMNS = {model: _columns_of(model) for model in (Account, Person, Unit, Branch)}


def _encode(value: Any) -> Any:
    if isinstance(value, date):  # datetime too: isoformat keeps the offset (or its absence)
        return value.isoformat()
    return value


def _decode(value: Any, python_type: type) -> Any:
    if value is None:
        return None
    if python_type is datetime:
        return datetime.fromisoformat(value)
    if python_type is date:
        return date.fromisoformat(value)
    if type(value) is not python_type:
        raise TypeError(f"{value!r} is not a {python_type.__name__}")
    return value


def row_json(obj: Any) -> dict[str, Any]:
    """A loaded row's columns, as the snapshot stores them."""
    return {key: _encode(getattr(obj, key)) for key, _ in COLUMNS[type(obj)]}


def _row(model: type, values: dict[str, Any], **relations: Any) -> Any:
    """A detached row rebuilt from row_json's output (no SQL), with the given relationships."""
    columns = COLUMNS[model]
    if set(values) != {key for key, _ in columns}:
        raise ValueError(f"{model.__name__}: the snapshot has other columns")
    obj = model(**{key: _decode(values[key], python_type) for key, python_type in columns})
    for key, value in relations.items():
        setattr(obj, key, value)
    make_transient_to_detached(obj)
    return obj


def _snapshot(
    run_id: str, keys: list[str], session: AuthSession, p: Principal, is_console: bool | None
) -> str:
    """The shared level's JSON for a principal just read from the database (FILL adds the
    epochs)."""
    person = session.account.person
    return json.dumps(
        {
            "v": SNAPSHOT_VERSION,
            "run_id": run_id,
            "keys": keys,
            "filled_at": time.time(),
            "expires_at": session.expires_at.isoformat(),
            "console": is_console,
            "left": p.left,
            "roles": list(p.roles),
            "secretary_of": list(p.secretary_of),
            "committee_of": list(p.committee_of),
            "account": row_json(session.account),
            "person": row_json(person) if person is not None else None,
            "unit": row_json(person.unit) if person is not None else None,
            "branch": row_json(person.branch)
            if person is not None and person.branch is not None
            else None,
        },
        ensure_ascii=False,
        separators=(",", ":"),
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
        cache.bump_script(keys=keys, args=[*(_fresh() for _ in keys), EPOCH_TTL_SECONDS])
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
