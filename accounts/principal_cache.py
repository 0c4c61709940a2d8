"""The cached principal: a token resolved to its caller without the database on the hot path.

Where it lives: the reading path is here; the per-worker LRU, its scripts (accounts/lua/*.lua)
and the connect hook in `principal_lru`; the shared level's JSON in `principal_snapshot`; the
epoch keys and the session listeners that bump them in `auth_epochs` (installed by
accounts.init_app).

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
  the epochs (fill.lua), so the epochs it records are exactly the ones the fill saw. A worker
  that misses its LRU (or whose entry went stale) runs read.lua; the snapshot is used only if
  its epochs all equal the current values, its `run_id` (stamped by fill.lua) is that of the
  Redis process holding it now (answered by read.lua: on Redis Cluster the node owning the
  `{auth}` slot; a restart, an old RDB restored or a failed-over replica has another `run_id`,
  so a snapshot from before never validates, even with its epochs restored alongside it) and
  it is younger than `AUTH_CACHE_SECONDS` (by the writer's clock and by its Redis TTL); then
  the account, person, unit and branch are rebuilt as detached rows, without SQL, and kept in
  the LRU with the snapshot's age. Columns are written from the mapper
  (`inspect(Model).columns`), so a new column cannot be forgotten; a snapshot with other
  columns (a deploy in between) is a miss.
- **How it stays right.** Every request validates its entry with ONE Redis round trip: an MGET
  of the epoch keys the entry depends on — the session `{auth}:e:s:<sid>`, the account
  `{auth}:e:a:<id>`, the person `{auth}:e:p:<id>` and the global `{auth}:e:g` (a unit, branch
  or mine renamed or re-linked, or a bulk statement we cannot attribute). The entry is served
  only if every value equals what it saw when it was filled (an entry found stale then tries
  the shared level: a second round trip, once per change). The keys share the hash tag
  `{auth}` so that the MGET and the scripts also run on Redis Cluster.
- **Epochs are random tokens, never counters, and never missing at fill time.** A fill sets a
  missing key to a fresh random value (accounts/lua/fill.lua) and records it; a change sets a new
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
  server's clock when it was set (`<random>.<ms>`, bump.lua), the filler takes the server's
  clock before its database read (`_server_ms`; none, and no caching, if this transaction has
  already read — MariaDB's REPEATABLE READ snapshot could be older), and fill.lua refuses to record
  anything (no entry, no snapshot) when a key was bumped at or after that moment: the rows read
  may predate that change's commit. Both stamps come from one clock, Redis's.
- **Redis restarted, restored from an old snapshot, failed over.** An old snapshot could bring
  back a value an entry recorded. Every new connection of the app's Redis client (which is
  what a restart or a failover forces) that is a *re*connection, or that finds a server with
  another `run_id`, therefore empties this worker's cache before its first command
  (`redis_connect_func` on the client's pool); an entry already read or a fill already under
  way when that happens is void too (`generation`). A pool merely opening one more connection
  to the same server keeps the cache. On Redis Cluster the hook is on every node's pool, and
  a connection to a node this worker never saw (a promoted replica) empties the cache too.
  What a cluster does not change: every `{auth}` key is in one slot (one master), because one
  MGET and one script must see a session's epochs together.
- **Redis down.** Any Redis error (unreachable, timing out, or an error reply such as OOM,
  READONLY, LOADING) means the entry cannot be validated: the request takes the database path
  exactly as before this cache existed, and nothing is stored (an error on the shared read
  too: the database decides). A failure opens a short circuit (5 s) so a dead server costs
  one connect timeout, not one per request. What the cache cannot
  see is a change made while Redis was unreachable to the *writer* but not to the reader:
  entries older than `AUTH_CACHE_SECONDS` are never served, which bounds that case.
- **Validation without a round trip.** Each app in each worker runs an invalidation listener
  (accounts/principal_tracking.py: CLIENT TRACKING BCAST on `{auth}:e:`, redirected to its own
  subscribed connection, and a PING every 50 ms). An entry keeps the listener's `mark` taken
  before its epochs were read from Redis; a request serves it with no Redis command when the
  listener has stayed connected since, applied no invalidation of its keys (nor a flush) since,
  has nothing unread in its socket or half-applied, and had a PING answered that was sent within
  `AUTH_TRACKING_BOUND_MS`. Redis writes an invalidation to the listeners before it answers the
  writer, so a change is in every local listener's socket before the writer's next request: the
  "nothing unread" check keeps "the very next request". Only an invalidation still travelling
  when the request arrives can be missed, for at most the bound. Any doubt takes the MGET.
- **Views get plain values, ORM objects on demand.** A hit returns a `CachedPrincipal`: roles,
  ids, flags and a `PersonView` from the entry; `principal.account` / `.person` merge the
  detached rows into the request's session with `merge(load=False)` (SQLAlchemy's caching
  recipe: no SQL) on first use, or load the account from the session when it already holds one
  of the rows (a merge would overwrite the view's copy). `principal.person` is a real `Person`
  (its `mine`, not cached, loads lazily if a view touches it).
"""

from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

import redis
from sqlalchemy import inspect

from accounts.auth_epochs import (
    EPOCH_TTL_SECONDS,
    GLOBAL_KEY,
    account_key,
    bump,
    fresh,
    keys_of,
    person_key,
    session_key,
    snapshot_key,
)
from accounts.principal import PersonView, Principal, person_view, principal_for
from accounts.principal_lru import Entry, PrincipalCache, cache_of
from accounts.principal_snapshot import (
    SNAPSHOT_VERSION,
    detached_account,
    row_of,
    snapshot_json,
)
from accounts.settings import settings
from accounts.tokens import load_session, session_id, signed_session
from models import Account, AuthSession, Branch, ConsoleSignIn, Person, Unit, db, get_redis, utcnow
from models.redis_store import node_client

__all__ = [
    "GLOBAL_KEY",
    "Authenticated",
    "Entry",
    "PrincipalCache",
    "account_key",
    "authenticate",
    "bump",
    "cache_of",
    "keys_of",
    "person_key",
    "session_key",
    "snapshot_key",
]

log = logging.getLogger(__name__)


@dataclass
class Authenticated:
    """The outcome of authenticating a token: the principal, its session id, and the session
    row when the database path loaded it anyway (None on a cache hit)."""

    principal: Principal
    sid: str
    session: AuthSession | None
    console: bool


def authenticate(token: str, *, console: bool = False) -> Authenticated:
    """The principal a token names; TokenInvalid / TokenExpired / TokenRevoked as before.

    `console` also asks whether the session is a console sign-in (Authenticated.console)."""
    cache = cache_of()
    sid = _session_id(cache, token)
    if cache.enabled and not cache.circuit.is_open():
        generation = cache.generation
        entry = cache.get(sid)
        if console and entry is not None and entry.console is None:
            entry = None  # the console asks what an API request's fill did not look up
        if entry is not None:
            tracker = cache.tracker
            if tracker is not None:
                tracker.ensure_running()
                if _young(cache, entry) and tracker.trusts(entry.keys, entry.mark):
                    return Authenticated(_principal_of(entry), sid, None, bool(entry.console))
            mark = _mark(cache)
            valid = _still_valid(cache, entry, generation)
            if valid is True:
                if mark is not None and mark != entry.mark:
                    cache.put(sid, replace(entry, mark=mark), generation)
                return Authenticated(_principal_of(entry), sid, None, bool(entry.console))
            if valid is False:
                cache.drop(sid)
        if not cache.circuit.is_open():  # (a failed MGET opened the circuit)
            # Not in this worker, or changed since: another worker may have filled Redis's level.
            entry = _from_shared(cache, sid, console)
            if entry is not None:
                return Authenticated(_principal_of(entry), sid, None, bool(entry.console))
    return _from_database(cache, sid, console)


def _session_id(cache: PrincipalCache, token: str) -> str:
    """session_id, without checking the HMAC of a token this worker has checked before."""
    if not cache.enabled:
        return session_id(token)
    config = settings()
    sid = cache.verified(token, config.secret_key, config.token_ttl_seconds)
    if sid is None:
        sid, signed_at = signed_session(token)
        cache.remember_token(token, sid, signed_at, config.secret_key)
    return sid


def _young(cache: PrincipalCache, entry: Entry) -> bool:
    """Younger than AUTH_CACHE_SECONDS and its session not expired."""
    return time.monotonic() - entry.filled_at <= cache.max_age and entry.expires_at > utcnow()


def _mark(cache: PrincipalCache) -> tuple[int, int] | None:
    """The tracker's mark before epochs are read from Redis (None: no listener connected)."""
    tracker = cache.tracker
    if tracker is None:
        return None
    tracker.ensure_running()
    return tracker.mark()


def _still_valid(cache: PrincipalCache, entry: Entry, generation: int) -> bool | None:
    """True/False, or None when Redis cannot answer (the database decides, nothing is kept)."""
    if not _young(cache, entry):
        return False
    try:
        values = get_redis().mget(entry.keys)
    except redis.RedisError as exc:
        log.warning("principal cache: redis unavailable, using the database: %s", exc)
        cache.circuit.trip()
        return None
    # The MGET may have reconnected (and so cleared the cache) under us: then the entry is void.
    return tuple(values) == entry.epochs and generation == cache.generation


def _from_shared(cache: PrincipalCache, sid: str, console: bool) -> Entry | None:
    """The entry another worker stored in Redis, if it is still valid (then kept in this
    worker's LRU too); None otherwise, or when Redis cannot answer (circuit opened)."""
    if not cache.shared:
        return None
    generation = cache.generation
    mark = _mark(cache)
    try:
        found = cache.read_script(keys=[snapshot_key(sid)])
    except redis.RedisError as exc:
        log.warning("principal cache: redis unavailable, using the database: %s", exc)
        cache.circuit.trip()
        return None
    if not found:
        return None
    try:
        entry = _entry_of(cache, json.loads(found[0]), found[1], found[2], found[3:])
    except (ValueError, KeyError, TypeError) as exc:  # a snapshot of another version or schema
        log.info("principal cache: snapshot not used: %r", exc)
        return None
    if entry is None or (console and entry.console is None):
        return None
    # The read may have reconnected (and so cleared the cache) under us: then it is void.
    if generation != cache.generation:
        return None
    entry = replace(entry, mark=mark)
    cache.put(sid, entry, generation)
    return entry


def _entry_of(
    cache: PrincipalCache, doc: dict, ttl_ms: int, run_id: str | None, values: list
) -> Entry | None:
    """The entry a snapshot describes, if it was written by the very Redis process that holds
    it now (`run_id`, read by read.lua) under epochs that are still current, and is younger
    than AUTH_CACHE_SECONDS; no SQL."""
    if doc["v"] != SNAPSHOT_VERSION or run_id is None or doc["run_id"] != run_id:
        return None  # a snapshot from before a restart, a restore or a failover
    keys, epochs = tuple(doc["keys"]), tuple(doc["epochs"])
    if len(keys) != len(epochs) or tuple(values) != epochs:
        return None
    # Its age by the writer's clock and by Redis's (the TTL it was given is the max age).
    age = max(time.time() - float(doc["filled_at"]), cache.max_age - int(ttl_ms) / 1000, 0.0)
    expires_at = datetime.fromisoformat(doc["expires_at"])
    if age >= cache.max_age or expires_at <= utcnow():
        return None
    unit = row_of(Unit, doc["unit"]) if doc["unit"] is not None else None
    branch = row_of(Branch, doc["branch"]) if doc["branch"] is not None else None
    person = None
    if doc["person"] is not None:
        person = row_of(Person, doc["person"], unit=unit, branch=branch)
    console = doc["console"]
    return Entry(
        account=row_of(Account, doc["account"], person=person),
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


class CachedPrincipal(Principal):
    """A principal served from the cache: roles, flags and the plain roster view come from the
    entry; the ORM rows (`account`, `person`) are put into the request's session only when a
    view asks for them, so a view that needs none (/me, a role check, an id) touches no
    session at all."""

    def __init__(self, entry: Entry) -> None:
        self._entry = entry
        self._account: Account | None = None
        detached = entry.account.person
        self._person_view = None if entry.left or detached is None else person_view(detached)
        self.roles = list(entry.roles)
        self.secretary_of = list(entry.secretary_of)
        self.committee_of = list(entry.committee_of)
        self.left = entry.left

    @property  # type: ignore[override]
    def account(self) -> Account:
        if self._account is None:
            self._account = _attach(self._entry.account)
        return self._account

    @property  # type: ignore[override]
    def person(self) -> Person | None:
        return None if self.left else self.account.person

    @property
    def bound(self) -> bool:
        return self._person_view is not None

    @property
    def person_id(self) -> int | None:
        return self._person_view.id if self._person_view is not None else None

    @property
    def account_id(self) -> int | None:
        return self._entry.account.id

    @property
    def view(self) -> PersonView | None:
        return self._person_view


def _attach(detached: Account) -> Account:
    """The cached account (with its person, unit and branch) in the request's session.

    SQLAlchemy's caching recipe, `merge(load=False)`: no SQL. But a merge copies the cached
    state over a row the session already holds (one a view loaded, maybe changed): then the
    account is loaded from the session instead, as the database path would."""
    session = db.session()
    person = detached.person
    rows = [detached]
    if person is not None:
        rows += [person, person.unit] + ([person.branch] if person.branch is not None else [])
    if any(inspect(row).key in session.identity_map for row in rows):
        return session.get(Account, detached.id)
    return session.merge(detached, load=False)


def _principal_of(entry: Entry) -> Principal:
    return CachedPrincipal(entry)


def _from_database(cache: PrincipalCache, sid: str, console: bool) -> Authenticated:
    fill = cache.enabled and not cache.circuit.is_open()
    read_from = _server_ms(cache) if fill else None
    session = load_session(sid)
    principal = principal_for(session.account)
    is_console = None
    if console:
        signed_in = db.select(ConsoleSignIn.id).where(ConsoleSignIn.session_id == sid)
        is_console = db.session.scalar(signed_in) is not None
    if read_from is not None and not cache.circuit.is_open():
        _fill(cache, sid, session, principal, is_console, read_from)
    return Authenticated(principal, sid, session, bool(is_console))


def _server_ms(cache: PrincipalCache) -> int | None:
    """Redis's clock (ms) before a fill reads the database: see fill.lua's `stale`. None when the
    database was already read in this transaction (its snapshot may be older than this moment
    on MariaDB's REPEATABLE READ) or Redis cannot answer: then nothing is cached."""
    if db.session().in_transaction():
        return None
    try:
        # The clock of the server owning the epochs (on a cluster a keyless TIME would go to
        # the default node, whose host's clock may differ from the one bump.lua stamps with).
        seconds, micros = node_client(get_redis(), GLOBAL_KEY).time()
    except redis.RedisError as exc:
        log.warning("principal cache: redis unavailable, using the database: %s", exc)
        cache.circuit.trip()
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
    mark = _mark(cache)
    script_keys = list(keys)
    args: list[Any] = [len(keys), *(fresh() for _ in keys), EPOCH_TTL_SECONDS, read_from]
    if cache.shared:  # the shared level, in the same script: its epochs are the ones set
        script_keys.append(snapshot_key(sid))
        body = snapshot_json(keys, session, p, is_console)
        args += [body, max(1, int(cache.max_age * 1000))]
    try:
        stale, epochs = cache.fill_script(keys=script_keys, args=args)
    except redis.RedisError as exc:
        log.warning("principal cache: redis unavailable, not caching: %s", exc)
        cache.circuit.trip()
        return
    if stale:  # changed since this read began: the next request reads the database again
        return
    cache.put(
        sid,
        Entry(
            account=detached_account(account),
            left=p.left,
            roles=tuple(p.roles),
            secretary_of=tuple(p.secretary_of),
            committee_of=tuple(p.committee_of),
            expires_at=session.expires_at,
            console=is_console,
            keys=tuple(keys),
            epochs=tuple(epochs),
            filled_at=time.monotonic(),
            mark=mark,
        ),
        generation,
    )
