"""The Redis setting the vote design depends on: `maxmemory-policy noeviction`.

Campaign keys have no expiry and the live state is trusted while "built": a Redis that evicts
keys under memory pressure could drop a voter's uses or a tally without anyone noticing until
the reconciler's next pass. Under `noeviction` a full Redis answers writes with an OOM error,
which the vote path treats as "Redis down" (the database decides alone). So at start-up:
a development server warns, a production server refuses to start (issue 18 #7)."""

from __future__ import annotations

import logging

import redis
from flask import Flask

from models.redis_store import server_clients

log = logging.getLogger(__name__)

REQUIRED = "noeviction"


def eviction_policy(client: redis.Redis) -> str | None:
    """The server's maxmemory-policy (INFO memory: works where CONFIG is disabled), or None
    when Redis cannot be asked now. On a cluster: the first master's policy that is not
    noeviction (every master holds campaigns), else noeviction."""
    policies = [_policy(server) for server in _servers(client)]
    wrong = next((p for p in policies if p not in (None, REQUIRED)), None)
    if wrong is not None:
        return wrong
    return None if None in policies else REQUIRED


def _servers(client: redis.Redis) -> list[redis.Redis]:
    try:
        return server_clients(client)
    except redis.exceptions.RedisError:
        return [None]  # type: ignore[list-item]


def _policy(client: redis.Redis | None) -> str | None:
    if client is None:
        return None
    try:
        info = client.info("memory")
    except redis.exceptions.RedisError:
        return None
    policy = info.get("maxmemory_policy")
    if policy is None:
        try:
            policy = (client.config_get("maxmemory-policy") or {}).get("maxmemory-policy")
        except redis.exceptions.RedisError:
            return None
    return policy


def check_eviction_policy(app: Flask) -> None:
    """Warn (development) or refuse to start (production, RuntimeError) unless Redis runs with
    maxmemory-policy noeviction. A Redis that cannot be reached is only logged: voting goes on
    without it, and the check runs again at the next start."""
    client = app.extensions.get("redis")
    if client is None:
        return
    policy = eviction_policy(client)
    if policy is None:
        log.warning("Redis unreachable at start-up: maxmemory-policy not checked")
        return
    if policy == REQUIRED:
        return
    message = (
        f"Redis maxmemory-policy is {policy!r}; voting needs {REQUIRED!r} "
        "(an evicting Redis can silently drop tallies and voters' uses): "
        f"set `maxmemory-policy {REQUIRED}` in redis.conf"
    )
    if app.config.get("PRODUCTION"):
        raise RuntimeError(message)
    log.warning(message)
