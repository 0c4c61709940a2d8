"""Profile the hot requests in-process (Flask test client), with authentication set aside.

Not a benchmark (that is bench/): this shows where one request's time goes, to decide what to
make cheaper. It DROPS AND RE-CREATES the schema of DATABASE_URL and flushes REDIS_URL's
database, so point it at scratch ones:

    DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/scratch \
    REDIS_URL=redis://127.0.0.1:6379/3 .venv/bin/python scripts/profile_requests.py [N] [--profile]

For each request kind it prints the median ms per request over N requests, the median spent
authenticating (resolving the token and building the principal), and the difference; "me, 1st
in worker 2" is a token's first request in a second app instance (another worker) after one
request in the first; with
--profile, the top functions of a cProfile run of the same requests.
"""

from __future__ import annotations

import cProfile
import os
import pstats
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from typing import Any

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from sqlalchemy import event  # noqa: E402

import miniapp_api.auth as auth  # noqa: E402
from app import create_app  # noqa: E402
from models import db, get_redis  # noqa: E402
from tests.conftest import World, _base_config  # noqa: E402
from tests.support.schema import rebuild_schema  # noqa: E402
from tests.votes.factory import make_campaign  # noqa: E402

_auth_seconds = [0.0]
_statements = [0]
_auth_statements = [0]
_redis_trips = [0]


def _count_statement(*_args: Any) -> None:
    _statements[0] += 1


def _timed(fn: Callable) -> Callable:
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        started, before = time.perf_counter(), _statements[0]
        try:
            return fn(*args, **kwargs)
        finally:
            _auth_seconds[0] += time.perf_counter() - started
            _auth_statements[0] += _statements[0] - before

    return wrapper


def _count_redis_trips() -> None:
    """Count round trips to Redis: every command, or a whole pipeline, is one packed send."""
    import redis.connection

    send = redis.connection.AbstractConnection.send_packed_command

    def counted(self: Any, *args: Any, **kwargs: Any) -> Any:
        _redis_trips[0] += 1
        return send(self, *args, **kwargs)

    redis.connection.AbstractConnection.send_packed_command = counted


_count_redis_trips()

# Looked up in auth's globals at call time: the wrappers see every authentication.
auth.authenticate = _timed(auth.authenticate)


def _config() -> dict[str, Any]:
    cfg = _base_config(tempfile.mkdtemp())
    cfg["VOTE_ACCOUNT_PER_MINUTE"] = 10**9
    cfg["LEADERBOARD_PER_MINUTE"] = 10**9
    return cfg


def _app(cfg: dict[str, Any]):
    application = create_app(cfg)
    with application.app_context():
        rebuild_schema()
        get_redis().flushdb()
    return application


def main() -> None:
    n = int(next((a for a in sys.argv[1:] if a.isdigit()), "300"))
    profile = "--profile" in sys.argv
    only = next((a.split("=", 1)[1] for a in sys.argv[1:] if a.startswith("--only=")), "")
    cfg = _config()
    app = _app(cfg)
    # bench/wsgi.py's unauthenticated route, and the bench's bare Flask app: the yardsticks.
    app.add_url_rule("/bench/ping", "bench_ping", lambda: {"ok": True})
    from bench.bare import app as bare_app

    bare_client = bare_app.test_client()
    # A second worker: its own app and principal cache, the same database and Redis.
    from miniapp_api.extensions import limiter

    other = create_app(dict(cfg))
    limiter.init_app(app)  # the limiter is one per process: give it back to the first app
    with other.app_context():
        event.listen(db.engine, "before_cursor_execute", _count_statement)
    with app.app_context():
        event.listen(db.engine, "before_cursor_execute", _count_statement)
    world = World(app)
    client = app.test_client()
    setup = make_campaign(client, world, per_category=8)
    branch = world.branch()
    voters = [world.headers(world.person(branch)) for _ in range(n + 20)]
    base = f"/api/v1/campaigns/{setup.campaign_id}"
    candidate = setup.candidates["safety"][0]
    second = setup.candidates["reform"][0]
    me = voters[0]
    # Tokens used once in the first app, then for the first time in the other one.
    elsewhere = [world.headers(world.person(branch)) for _ in range(n)]
    for h in elsewhere:
        assert client.get("/api/v1/me", headers=h).status_code == 200
    other_client = other.test_client()
    for _ in range(10):  # the other app's pools and code paths warm too
        assert other_client.get("/api/v1/me", headers=me).status_code == 200
    repeat = voters[1]
    first = client.post(f"{base}/votes", json={"candidate_id": candidate}, headers=repeat)
    assert first.status_code == 201

    kinds: dict[str, Callable[[int], Any]] = {
        "bare Flask": lambda i: bare_client.get("/"),
        "ping (no auth)": lambda i: client.get("/bench/ping"),
        "vote accepted": lambda i: client.post(
            f"{base}/votes", json={"candidate_id": candidate}, headers=voters[20 + i]
        ),
        # The same voters' next vote of their visit (another category): the principal is cached.
        "vote, 2nd of visit": lambda i: client.post(
            f"{base}/votes", json={"candidate_id": second}, headers=voters[20 + i]
        ),
        "vote repeat (409)": lambda i: client.post(
            f"{base}/votes", json={"candidate_id": candidate}, headers=repeat
        ),
        "leaderboard": lambda i: client.get(f"{base}/leaderboard?category=safety", headers=me),
        "me": lambda i: client.get("/api/v1/me", headers=me),
        "unread count": lambda i: client.get("/api/v1/inbox/unread-count", headers=me),
        "todo": lambda i: client.get("/api/v1/todo", headers=me),
        "me, 1st in worker 2": lambda i: other_client.get("/api/v1/me", headers=elsewhere[i]),
    }
    expected = {
        "bare Flask": 200,
        "ping (no auth)": 200,
        "vote accepted": 201,
        "vote, 2nd of visit": 201,
        "vote repeat (409)": 409,
        "leaderboard": 200,
        "me": 200,
        "unread count": 200,
        "todo": 200,
        "me, 1st in worker 2": 200,
    }
    for i in range(10):  # warm up (the vote-accepted warm-ups use voters 2..11)
        client.post(f"{base}/votes", json={"candidate_id": candidate}, headers=voters[2 + i])
        client.post(f"{base}/votes", json={"candidate_id": second}, headers=voters[2 + i])
        for name, call in kinds.items():
            if name not in ("vote accepted", "vote, 2nd of visit", "me, 1st in worker 2"):
                call(i)
    print(
        f"{'request':<20}{'total ms':>10}{'auth ms':>10}{'rest ms':>10}{'cpu ms':>10}"
        f"{'SQL':>6}{'auth SQL':>10}{'Redis':>7}   (medians of {n}; SQL statements and Redis"
        " round trips per request)"
    )
    for name, call in kinds.items():
        if only and only not in name:
            continue
        totals, auths, cpus, sqls, auth_sqls, trips = [], [], [], [], [], []
        profiler = cProfile.Profile() if profile else None
        for i in range(n):
            _auth_seconds[0] = 0.0
            _statements[0] = _auth_statements[0] = _redis_trips[0] = 0
            if profiler:
                profiler.enable()
            cpu = time.process_time()
            started = time.perf_counter()
            r = call(i)
            elapsed = time.perf_counter() - started
            cpus.append((time.process_time() - cpu) * 1000)
            sqls.append(_statements[0])
            auth_sqls.append(_auth_statements[0])
            trips.append(_redis_trips[0])
            if profiler:
                profiler.disable()
            assert r.status_code == expected[name], (name, r.status_code, r.get_data())
            totals.append(elapsed * 1000)
            auths.append(_auth_seconds[0] * 1000)
        rest = [t - a for t, a in zip(totals, auths, strict=True)]
        print(
            f"{name:<20}{statistics.median(totals):>10.2f}{statistics.median(auths):>10.2f}"
            f"{statistics.median(rest):>10.2f}{statistics.median(cpus):>10.2f}"
            f"{statistics.median(sqls):>6.0f}{statistics.median(auth_sqls):>10.0f}"
            f"{statistics.median(trips):>7.0f}"
        )
        if profiler:
            stats = pstats.Stats(profiler)
            stats.sort_stats("cumulative").print_stats(r"^(?!.*site-packages)", 40)
            stats.sort_stats("tottime").print_stats(25)
            if os.environ.get("PROFILE_CALLERS"):
                stats.print_callers(os.environ["PROFILE_CALLERS"])
    with app.app_context():
        get_redis().flushdb()  # the next user of this Redis database starts from nothing


if __name__ == "__main__":
    main()
