"""The live half of voting, in Redis: per-campaign keys, the Lua scripts, the rebuild that
makes Redis agree with the database again, and the push of committed committee changes.

    keys.py      the key names (hash tag `{vc:<id>}`) and the per-voter TTLs
    scripts.py   loading and running votes/lua/*.lua behind the circuit breaker; invalidation
    rebuild.py   the fenced rebuild from the database, and the voters' uses read from it
    push.py      committee changes pushed after their commit (listeners: votes.init_app)
    here         what readers ask of the live state (the board, raw state, a voter's uses)

The live state is "built" only when `meta.built` is 1 and `meta.run` is the run_id of the Redis
process answering: a flush, a restart without persistence, a restart from an older snapshot or
a promoted replica all read as "not built", and the campaign is rebuilt from the database.
The consistency design as a whole is in votes/__init__.py.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import redis

from models import db, get_redis
from models.redis_store import redis_unavailable
from models.redis_store import run_id as server_run_id
from votes import clock
from votes.errors import RateLimited
from votes.live import scripts
from votes.live.keys import (
    USAGE_TTL,
    cand_key,
    fence_key,
    info_key,
    lock_key,
    meta_key,
    rate_key,
    state_keys,
    tag,
    tally_key,
    usage_key,
    vote_keys,
)
from votes.live.push import push_after_commit
from votes.live.rebuild import (
    LOCK_MS,
    STUCK_MS,
    RebuildBusy,
    RebuildReport,
    RebuildStuck,
    ensure_built,
    mark_stale,
    mark_stale_quietly,
    rebuild,
    rebuild_backed_off,
    reset_backoff,
    reset_voter,
    seed_voter,
    usage_from_db,
)
from votes.live.scripts import RedisDown, invalidate, run

__all__ = [
    "LOCK_MS",
    "STUCK_MS",
    "USAGE_TTL",
    "RebuildBusy",
    "RebuildReport",
    "RebuildStuck",
    "RedisDown",
    "board",
    "ensure_built",
    "fence_key",
    "forget",
    "invalidate",
    "lock_key",
    "mark_stale",
    "mark_stale_quietly",
    "meta_key",
    "push_after_commit",
    "rate_key",
    "raw_state",
    "rebuild",
    "rebuild_backed_off",
    "reset_circuit",
    "reset_voter",
    "run",
    "seed_voter",
    "tag",
    "tally_key",
    "usage_from_db",
    "usage_today",
    "vote_keys",
]


def board(
    campaign_id: int, category: str = "", reader: int | None = None, per_minute: int = 0
) -> tuple[dict[str, str], list[dict[str, Any]]]:
    """(meta, rows best first) of a campaign's live state, rebuilding it first if Redis lost it;
    a `reader` (account id) is held to `per_minute` reads. RebuildStuck when it cannot be
    rebuilt now."""
    keys = state_keys(campaign_id) + [tally_key(campaign_id)]
    args: list[Any] = [category]
    if reader is not None:
        now = clock.now()
        keys.append(rate_key(campaign_id, "b", reader, now))
        args += [per_minute, 60 - int(now.timestamp()) % 60]
    for _ in range(3):
        out = scripts.run("board", keys, args)
        if out and out[0] == "rate_limited":
            raise RateLimited(int(out[1]))
        if out and out[0] == "not_built":
            # A reader must not hold a transaction while it waits (SQLite's writer lock).
            db.session.commit()
            ensure_built(campaign_id)
            continue
        meta = {"status": out[0], "hide": out[1], "mine": out[2], "cfgv": int(out[3])}
        rows = json.loads(out[4])
        return meta, rows
    raise RebuildStuck()


def reset_circuit() -> None:
    """Forget a recorded Redis failure and the rebuilds that failed (tests)."""
    scripts.reset_circuit()
    reset_backoff()


def raw_state(campaign_id: int) -> dict[str, Any]:
    """What Redis holds for a campaign, read without rebuilding (verify-tallies): whether it is
    built by this server, its config version and its raw tallies."""
    client = get_redis()
    try:
        meta = client.hgetall(meta_key(campaign_id))
        tally = client.zrange(tally_key(campaign_id), 0, -1, withscores=True)
        # The server owning the campaign's slot (a cluster's default node is another one).
        run_id = server_run_id(client, meta_key(campaign_id))
    except redis.exceptions.RedisError as exc:
        if redis_unavailable(exc):
            raise RedisDown() from exc
        raise
    return {
        "built": meta.get("built") == "1" and meta.get("run") == run_id,
        "cfgv": int(meta.get("cfgv") or 0),
        "gen": meta.get("gen"),
        "tally": {int(k): int(v) for k, v in tally},
    }


def usage_today(campaign_id: int, day: date, voter_id: int) -> dict[str, int]:
    """A voter's recorded uses of the day from Redis (c:<id> / k:<cat> -> count)."""
    if scripts.breaker.is_open():
        raise RedisDown()
    try:
        raw = get_redis().hgetall(usage_key(campaign_id, day, voter_id))
    except redis.exceptions.RedisError as exc:
        if not redis_unavailable(exc):
            raise
        scripts.breaker.trip()
        raise RedisDown() from exc
    return {k: int(v) for k, v in raw.items()}


def forget(campaign_id: int) -> None:
    """Drop the campaign's derived state (meta, candidates, tallies); usage keys expire alone."""
    get_redis().delete(
        meta_key(campaign_id), cand_key(campaign_id), info_key(campaign_id), tally_key(campaign_id)
    )
