"""The principal cache's epochs: the Redis keys an entry depends on, who bumps them (session
listeners, installed by accounts.init_app) and how. The design is in accounts/principal_cache.py.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterable
from typing import Any

import redis
from flask import current_app, has_app_context
from sqlalchemy.orm import Session

from accounts.principal_lru import EXTENSION, cache_of
from models import Account, AuthSession, Branch, ConsoleSignIn, Mine, Person, RoleGrant, Unit
from models.listeners import listen_once

log = logging.getLogger(__name__)

GLOBAL_KEY = "{auth}:e:g"
# Epoch keys outlive any token (7 days by default); one expiring early only costs a refill.
EPOCH_TTL_SECONDS = 9 * 24 * 3600
TRACKED_TABLES = {
    t.__tablename__ for t in (AuthSession, Account, Person, RoleGrant, ConsoleSignIn, Unit, Branch)
} | {Mine.__tablename__}


def session_key(sid: str) -> str:
    return f"{{auth}}:e:s:{sid}"


def account_key(account_id: int) -> str:
    return f"{{auth}}:e:a:{account_id}"


def person_key(person_id: int) -> str:
    return f"{{auth}}:e:p:{person_id}"


def snapshot_key(sid: str) -> str:
    return f"{{auth}}:p:{sid}"


def fresh() -> str:
    """A new random epoch value (bump.lua and fill.lua stamp it)."""
    return uuid.uuid4().hex


# --- invalidation -------------------------------------------------------------------------------

_PENDING = "auth_epoch_keys"


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
        cache.bump_script(keys=keys, args=[*(fresh() for _ in keys), EPOCH_TTL_SECONDS])
    except redis.RedisError as exc:
        # Readers that can reach Redis still see the old epochs: AUTH_CACHE_SECONDS bounds it.
        log.error("principal cache: could not invalidate %d keys: %s", len(keys), exc)
        cache.circuit.trip()


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


def install_listeners() -> None:
    """Bump the epochs of what a flush or a bulk statement changed (once per process)."""
    listen_once(Session, "after_flush", _after_flush)
    listen_once(Session, "do_orm_execute", _do_orm_execute)
    listen_once(Session, "after_commit", _after_commit)
    listen_once(Session, "after_rollback", _after_rollback)
