"""Background jobs on RQ, on the app's Redis: the queue, the app context a job runs in, and
the registry of periodic jobs (`jobs.schedule`).

RQ stores pickled bytes, so it gets its own client without decode_responses, built from the
same REDIS_URL (or RQ_REDIS_URL), or the embedded server's socket.
"""

from __future__ import annotations

import functools
import logging
import os
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import redis
from flask import Flask, current_app, has_app_context
from redis.backoff import NoBackoff
from redis.retry import Retry
from rq import Queue

from config import ConfigError
from models.redis_store import connect as connect_url

log = logging.getLogger(__name__)

JOB_TIMEOUT = 600
RESULT_TTL = 3600
FAILURE_TTL = 7 * 24 * 3600


def connect(url: str, *, socket_timeout: float | None = 5) -> redis.Redis:
    """A bytes client for RQ from a redis://, rediss://, unix:// or redis+sentinel:// URL."""
    options: dict[str, Any] = {"socket_connect_timeout": 2, "socket_timeout": socket_timeout}
    if socket_timeout is not None:
        # Enqueueing happens after a request's commit: fail fast, the sweeper covers it.
        options.update(socket_connect_timeout=1, retry=Retry(NoBackoff(), 0))
    if url.startswith("redis+cluster://"):
        raise ConfigError("RQ cannot run on Redis Cluster: set RQ_REDIS_URL to a single Redis")
    return connect_url(url, **options)


def rq_connection(app: Flask | None = None, *, fresh: bool = False) -> redis.Redis:
    """The RQ client of the app (one per process; `fresh` for a worker, which tunes its own)."""
    app = app or current_app._get_current_object()
    conn = None if fresh else app.extensions.get("rq_redis")
    if conn is None:
        url = app.config.get("RQ_REDIS_URL") or app.config.get("REDIS_URL")
        if url:
            conn = connect(url, socket_timeout=None if fresh else 5)
        else:
            conn = redis.Redis(
                unix_socket_path=app.config["EMBEDDED_REDIS_SOCKET"],
                socket_connect_timeout=1,
                retry=Retry(NoBackoff(), 0),
            )
        if not fresh:
            app.extensions["rq_redis"] = conn
    return conn


def get_queue(app: Flask | None = None, *, connection: redis.Redis | None = None) -> Queue:
    """The app's job queue (RQ_QUEUE, default "frontline")."""
    app = app or current_app._get_current_object()
    return Queue(app.config["RQ_QUEUE"], connection=connection or rq_connection(app))


def enqueue(func: Callable, *args: Any, delay: timedelta | None = None, **options: Any):
    """Put a job on the queue now, or after `delay` (needs a worker started with a scheduler)."""
    queue = get_queue()
    options.setdefault("job_timeout", JOB_TIMEOUT)
    options.setdefault("result_ttl", RESULT_TTL)
    options.setdefault("failure_ttl", FAILURE_TTL)
    if delay is not None:
        return queue.enqueue_in(delay, func, args=args, **options)
    return queue.enqueue(func, args=args, **options)


_worker_app: Flask | None = None


def worker_app() -> Flask:
    """The app for jobs run by a plain `rq worker` (no Flask CLI around it), built once and found
    the way `flask` finds it (FLASK_APP, else app.py in the working directory): jobs sit below
    the app and never import it."""
    global _worker_app
    if _worker_app is None:
        from flask.cli import ScriptInfo

        _worker_app = ScriptInfo().load_app()
        _worker_app.config["JOB_PROCESS_PID"] = os.getpid()
    return _worker_app


def app_job(fn: Callable) -> Callable:
    """Run a job function inside an app context of its own, with a session removed after."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        app = current_app._get_current_object() if has_app_context() else worker_app()
        with app.app_context():
            from models import db

            try:
                return fn(*args, **kwargs)
            except Exception:
                db.session.rollback()
                raise
            finally:
                db.session.remove()

    return wrapper
