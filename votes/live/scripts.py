"""Calling the Lua scripts of votes/lua/: loaded once per Redis client, behind the circuit
breaker, and the campaigns this process still has to mark for rebuild."""

from __future__ import annotations

import logging
import threading
from importlib import resources
from typing import Any

import redis
from flask import current_app

from domain_errors import DependencyUnavailable
from models import get_redis
from models.circuit import CircuitBreaker
from models.redis_store import LuaScript, redis_unavailable
from votes.live.keys import fence_key, meta_key

log = logging.getLogger(__name__)

SCRIPT_NAMES = (
    "vote",
    "undo",
    "seed_usage",
    "reset_usage",
    "install",
    "configure",
    "void",
    "board",
    "unlock",
    "begin",
    "invalidate",
    "settle",
    "extend",
)

# A Redis that refuses or times out is skipped by this process for a moment, so that a dead
# server costs one connect timeout rather than one per request.
breaker = CircuitBreaker()


class RedisDown(DependencyUnavailable):
    """Redis could not serve (unreachable, an error reply, or failed a moment ago); callers fall
    back to the database where they can, else 503."""

    reason = "cache_unavailable"
    message = "服务暂时繁忙，请稍后再试"

    def __init__(self) -> None:
        super().__init__(headers={"Retry-After": "5"})


def reset_circuit() -> None:
    """Forget a recorded Redis failure (tests)."""
    breaker.reset()


def script(name: str) -> LuaScript:
    """A Lua script of votes/lua/, per Redis client; loaded into the server owning its keys
    whenever that server does not know it (a restart, a failover)."""
    client = get_redis()
    cache = current_app.extensions.setdefault("votes_scripts", {})
    entry = cache.get(name)
    if entry is None or entry[0] is not client:
        source = resources.files("votes").joinpath(f"lua/{name}.lua").read_text("utf-8")
        entry = (client, LuaScript(client, source))
        cache[name] = entry
    return entry[1]


def run(name: str, keys: list[str], args: list[Any]) -> Any:
    """Run a script; RedisDown when Redis cannot serve (or could not a moment ago)."""
    if breaker.is_open():
        raise RedisDown()
    try:
        out = script(name)(keys=keys, args=args)
    except redis.exceptions.RedisError as exc:
        if not redis_unavailable(exc):
            raise
        breaker.trip()
        raise RedisDown() from exc
    if _pending_invalidations:
        _flush_invalidations()
    return out


# Campaigns this process could not mark for rebuild because Redis failed at that moment; tried
# again at the next successful Redis call of this process.
_pending_invalidations: set[int] = set()
_pending_lock = threading.Lock()


def invalidate(campaign_id: int) -> None:
    """Mark the campaign for rebuild in Redis; if Redis cannot be told now, remember it."""
    try:
        if breaker.is_open():
            raise RedisDown()
        script("invalidate")(keys=[meta_key(campaign_id), fence_key(campaign_id)], args=[])
    except (RedisDown, redis.exceptions.RedisError):
        log.warning("campaign %s: could not mark for rebuild in Redis; will retry", campaign_id)
        with _pending_lock:
            _pending_invalidations.add(campaign_id)


def _flush_invalidations() -> None:
    with _pending_lock:
        pending = list(_pending_invalidations)
        _pending_invalidations.clear()
    for campaign_id in pending:
        invalidate(campaign_id)
