"""The live half of voting, in Redis: per-campaign keys, the Lua scripts, the rebuild that
makes Redis agree with the database again, and the push of committed committee changes.

Keys of one campaign share the hash tag `{vc:<id>}` so that every script runs on Redis Cluster:

    {vc:42}:meta          hash   built, run, gen, cfgv, status, starts, ends, mine, rules, hide
    {vc:42}:cand          hash   active candidate id -> category
    {vc:42}:info          hash   candidate id -> JSON {name, unit}
    {vc:42}:tally         zset   candidate id -> non-voided ballots
    {vc:42}:u:<day>:<v>   hash   one voter's uses of one day: c:<candidate> -> seq, k:<cat> -> slot
    {vc:42}:o:<v>         hash   one voter's candidates for the campaign (no-revote rule)
    {vc:42}:lock          string the rebuild lock (token), renewed while the rebuild runs
    {vc:42}:fence         int    bumped by every rebuild start, committee push and invalidation

The live state is "built" only when `meta.built` is 1 and `meta.run` is the run_id of the Redis
process answering: a flush, a restart without persistence, a restart from an older snapshot or
a promoted replica all read as "not built", and the campaign is rebuilt from the database.
The consistency design as a whole is in votes/__init__.py.
"""

from __future__ import annotations

import json
import logging
import secrets
import threading
import time
import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from importlib import resources
from typing import Any

import redis
from flask import current_app
from sqlalchemy import event
from sqlalchemy.orm import Session

from domain_errors import DependencyUnavailable
from models import Ballot, Campaign, Candidate, Person, db, get_redis
from models.redis_store import redis_unavailable
from votes import clock
from votes.errors import CampaignNotFound, RateLimited

log = logging.getLogger(__name__)

USAGE_TTL = 2 * 24 * 3600
SCRIPT_NAMES = (
    "vote",
    "undo",
    "seed_usage",
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

# The rebuild lock lives LOCK_MS and is renewed every RENEW_SECONDS while its holder works; a
# lock not renewed for STUCK_MS (its holder died, or lost Redis) is stuck: nobody waits for it.
LOCK_MS = 15_000
RENEW_SECONDS = 2.0
STUCK_MS = 5_000
# How long a vote or a read waits for a live rebuild before it takes the database path.
WAIT_SECONDS = 10.0

# A Redis that refuses or times out is skipped for this long by this process, so that a dead
# server costs one connect timeout rather than one per request.
_CIRCUIT_SECONDS = 5.0
_circuit_open_until = 0.0


class RedisDown(DependencyUnavailable):
    """Redis could not serve (unreachable, an error reply, or failed a moment ago); callers fall
    back to the database where they can, else 503."""

    reason = "cache_unavailable"
    message = "服务暂时繁忙，请稍后再试"

    def __init__(self) -> None:
        super().__init__(headers={"Retry-After": "5"})


class RebuildStuck(RedisDown):
    """The campaign is being rebuilt by someone who stopped renewing the lock, or for longer than
    a vote should wait: take the database path instead of waiting."""


def redis_errors_open_circuit() -> None:
    global _circuit_open_until
    _circuit_open_until = time.monotonic() + _CIRCUIT_SECONDS


def circuit_open() -> bool:
    return time.monotonic() < _circuit_open_until


def reset_circuit() -> None:
    """Forget a recorded Redis failure (tests, and once a call succeeds again)."""
    global _circuit_open_until
    _circuit_open_until = 0.0


# --- keys -------------------------------------------------------------------------------------


def tag(campaign_id: int) -> str:
    return f"{{vc:{campaign_id}}}"


def meta_key(campaign_id: int) -> str:
    return f"{tag(campaign_id)}:meta"


def cand_key(campaign_id: int) -> str:
    return f"{tag(campaign_id)}:cand"


def info_key(campaign_id: int) -> str:
    return f"{tag(campaign_id)}:info"


def tally_key(campaign_id: int) -> str:
    return f"{tag(campaign_id)}:tally"


def fence_key(campaign_id: int) -> str:
    return f"{tag(campaign_id)}:fence"


def usage_key(campaign_id: int, day: date, voter_id: int) -> str:
    return f"{tag(campaign_id)}:u:{day:%Y%m%d}:{voter_id}"


def once_key(campaign_id: int, voter_id: int) -> str:
    return f"{tag(campaign_id)}:o:{voter_id}"


def lock_key(campaign_id: int) -> str:
    return f"{tag(campaign_id)}:lock"


def rate_key(campaign_id: int, kind: str, who: str | int, now: datetime) -> str:
    """A per-minute counter (fixed window) of one account's or IP's attempts."""
    return f"{tag(campaign_id)}:r:{kind}:{who}:{int(now.timestamp()) // 60}"


def vote_keys(campaign_id: int, day: date, voter_id: int) -> list[str]:
    """The five keys vote.lua and undo.lua take."""
    return [
        meta_key(campaign_id),
        cand_key(campaign_id),
        tally_key(campaign_id),
        usage_key(campaign_id, day, voter_id),
        once_key(campaign_id, voter_id),
    ]


def _state_keys(campaign_id: int) -> list[str]:
    return [meta_key(campaign_id), cand_key(campaign_id), info_key(campaign_id)]


# --- scripts ----------------------------------------------------------------------------------


def script(name: str) -> Any:
    """A registered Lua script of votes/lua/, loaded once per Redis client."""
    client = get_redis()
    cache = current_app.extensions.setdefault("votes_scripts", {})
    entry = cache.get(name)
    if entry is None or entry[0] is not client:
        source = resources.files("votes").joinpath(f"lua/{name}.lua").read_text("utf-8")
        entry = (client, client.register_script(source))
        cache[name] = entry
    return entry[1]


def run(name: str, keys: list[str], args: list[Any]) -> Any:
    """Run a script; RedisDown when Redis cannot serve (or could not a moment ago)."""
    if circuit_open():
        raise RedisDown()
    try:
        out = script(name)(keys=keys, args=args)
    except redis.exceptions.RedisError as exc:
        if not redis_unavailable(exc):
            raise
        redis_errors_open_circuit()
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
        if circuit_open():
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


def _epoch(at: datetime) -> int:
    return int(at.timestamp())


def meta_fields(campaign: Campaign) -> dict[str, Any]:
    """The campaign rules and window as vote.lua and board.lua read them."""
    return {
        "status": campaign.status,
        "starts": _epoch(campaign.starts_at),
        "ends": _epoch(campaign.ends_at),
        "mine": campaign.mine_id,
        "per_cand": campaign.per_candidate_per_day,
        "per_cat": campaign.per_category_per_day,
        "once": 0 if campaign.revote_other_days else 1,
        "hide": 1 if campaign.hide_tallies else 0,
    }


def candidate_info(candidate: Candidate) -> str:
    person = candidate.person
    return json.dumps(
        {"name": person.name, "unit": person.unit.name if person.unit else ""}, ensure_ascii=False
    )


def once_ttl(campaign_ends_at: datetime, now: datetime) -> int:
    return max(int((campaign_ends_at - now).total_seconds()), 0) + USAGE_TTL


def _candidates(campaign_id: int, session: Any = None) -> list[Candidate]:
    return list(
        (session or db.session).scalars(
            db.select(Candidate)
            .where(Candidate.campaign_id == campaign_id)
            .options(db.joinedload(Candidate.person).joinedload(Person.unit))
            .order_by(Candidate.id)
        )
    )


# --- committee changes: pushed after the commit ------------------------------------------------

_PUSH = "votes_push"
_READY = "votes_push_ready"


def push_after_commit(campaign_id: int) -> None:
    """Tell Redis about this campaign's committee change once the surrounding transaction has
    committed (never before: a failed commit must leave Redis as it was)."""
    db.session.info.setdefault(_PUSH, set()).add(campaign_id)


def _snapshot(session: Session) -> None:
    # before_commit: the transaction is still open, so the state about to commit can be read.
    ids = session.info.pop(_PUSH, None)
    if not ids:
        return
    ready = session.info.setdefault(_READY, [])
    for campaign_id in sorted(ids):
        campaign = session.get(Campaign, campaign_id)
        if campaign is None:
            continue
        session.flush()
        session.refresh(campaign)
        candidates = _candidates(campaign_id, session)
        active = [c for c in candidates if c.withdrawn_at is None]
        ready.append(
            (
                campaign_id,
                {
                    "cfgv": campaign.config_version,
                    "meta": meta_fields(campaign),
                    "candidates": {str(c.id): c.category for c in active},
                    "info": {str(c.id): candidate_info(c) for c in active},
                    "removed": [str(c.id) for c in candidates if c.withdrawn_at is not None],
                },
            )
        )


def _push(session: Session) -> None:
    ready = session.info.pop(_READY, None)
    for campaign_id, change in ready or ():
        keys = [*_state_keys(campaign_id), tally_key(campaign_id), fence_key(campaign_id)]
        try:
            run("configure", keys, [json.dumps(change, ensure_ascii=False)])
        except RedisDown:
            # Committed but not in Redis: readers and votes compare config_version with the
            # database row and rebuild the campaign once Redis can be written again.
            log.warning("campaign %s: committee change not pushed to Redis", campaign_id)


def _forget(session: Session) -> None:
    session.info.pop(_PUSH, None)
    session.info.pop(_READY, None)


# Registered on import (once per process), like the notification outbox: whoever commits a
# session that carries a committee change - an API view, the console, a CLI, another domain's
# service - gets it pushed after the commit.
if not getattr(Session, "_votes_push_installed", False):
    event.listen(Session, "before_commit", _snapshot)
    event.listen(Session, "after_commit", _push)
    event.listen(Session, "after_rollback", _forget)
    Session._votes_push_installed = True


# --- rebuild ----------------------------------------------------------------------------------


@dataclass
class RebuildReport:
    campaign_id: int
    candidates: int
    ballots: int
    voters_today: int


def usage_from_db(
    campaign_id: int, day: date, voter_ids: list[int] | None = None
) -> dict[int, dict[str, int]]:
    """Highest seq per candidate and slot per category of each voter on a day, voided included
    (a voided ballot does not give its use back). The day is `vote_day` alone: a `cast_at`
    rounded up to the next second by the database must not move a ballot to another day."""
    stmt = (
        db.select(
            Ballot.voter_id,
            Ballot.candidate_id,
            Ballot.category,
            db.func.max(Ballot.seq),
            db.func.max(Ballot.slot),
        )
        .where(Ballot.campaign_id == campaign_id, Ballot.vote_day == day)
        .group_by(Ballot.voter_id, Ballot.candidate_id, Ballot.category)
    )
    if voter_ids is not None:
        stmt = stmt.where(Ballot.voter_id.in_(voter_ids))
    usage: dict[int, dict[str, int]] = defaultdict(dict)
    for voter_id, candidate_id, category, seq, slot in db.session.execute(stmt):
        fields = usage[voter_id]
        fields[f"c:{candidate_id}"] = max(fields.get(f"c:{candidate_id}", 0), int(seq))
        fields[f"k:{category}"] = max(fields.get(f"k:{category}", 0), int(slot))
    return usage


def once_from_db(campaign_id: int, voter_ids: list[int] | None = None) -> dict[int, set[int]]:
    """Candidates each voter has ever voted for in the campaign (for the no-revote rule)."""
    stmt = (
        db.select(Ballot.voter_id, Ballot.candidate_id)
        .where(Ballot.campaign_id == campaign_id)
        .distinct()
    )
    if voter_ids is not None:
        stmt = stmt.where(Ballot.voter_id.in_(voter_ids))
    found: dict[int, set[int]] = defaultdict(set)
    for voter_id, candidate_id in db.session.execute(stmt):
        found[voter_id].add(candidate_id)
    return found


def seed_voter(campaign: Campaign, voter_id: int, day: date, now: datetime) -> None:
    """Raise one voter's recorded uses in Redis to what the database holds."""
    usage = usage_from_db(campaign.id, day, [voter_id]).get(voter_id, {})
    once = (
        once_from_db(campaign.id, [voter_id]).get(voter_id, set())
        if not campaign.revote_other_days
        else set()
    )
    _seed(campaign, voter_id, day, now, usage, once, client=None)


def _seed(
    campaign: Campaign,
    voter_id: int,
    day: date,
    now: datetime,
    usage: dict[str, int],
    once: set[int],
    client: Any,
) -> None:
    args: list[Any] = [USAGE_TTL, once_ttl(campaign.ends_at, now), len(usage)]
    for field, value in usage.items():
        args += [field, value]
    args += sorted(once)
    keys = [usage_key(campaign.id, day, voter_id), once_key(campaign.id, voter_id)]
    if client is None:
        run("seed_usage", keys, args)
    else:
        script("seed_usage")(keys=keys, args=args, client=client)


class RebuildBusy(Exception):
    """Another process holds the rebuild lock (or this one lost it)."""


class _Renewer:
    """Keeps the rebuild lock alive while the rebuild runs (a thread: the slow part is one
    database query that we cannot interrupt to renew)."""

    def __init__(self, client: Any, key: str, token: str, extend: Any) -> None:
        self._stop = threading.Event()
        self._thread = threading.Thread(
            target=self._loop, args=(client, key, token, extend), daemon=True
        )
        self._thread.start()

    def _loop(self, client: Any, key: str, token: str, extend: Any) -> None:
        while not self._stop.wait(RENEW_SECONDS):
            try:
                if not extend(keys=[key], args=[token, LOCK_MS], client=client):
                    return  # lost: install.lua will refuse our state
            except redis.exceptions.RedisError:
                return

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=RENEW_SECONDS + 1)


def rebuild(campaign_id: int, force: bool = True) -> RebuildReport | None:
    """Rebuild a campaign's live state from the database, under the campaign's lock.

    begin.lua marks the campaign not built (votes wait, or take the database path) and bumps the
    fence; then the database is counted and install.lua installs the result with a new
    generation - only if the lock is still ours and nothing bumped the fence meanwhile (a
    committee change, an invalidation, a competing rebuild); otherwise it counts again."""
    client = get_redis()
    token = secrets.token_hex(8)
    try:
        if not client.set(lock_key(campaign_id), token, nx=True, px=LOCK_MS):
            raise RebuildBusy()
    except redis.exceptions.RedisError as exc:
        if redis_unavailable(exc):
            redis_errors_open_circuit()
            raise RedisDown() from exc
        raise
    renewer = _Renewer(client, lock_key(campaign_id), token, script("extend"))
    try:
        if not force and built(campaign_id):
            return None  # built by whoever held the lock just before us
        campaign = db.session.get(Campaign, campaign_id)
        if campaign is None:
            raise CampaignNotFound()
        for _ in range(5):
            fence = run(
                "begin",
                [meta_key(campaign_id), fence_key(campaign_id), lock_key(campaign_id)],
                [token],
            )
            if not fence:
                raise RebuildBusy()
            # From here on any doubt recorded in the database is resolved by this rebuild; a
            # later one sets the flag again.
            db.session.execute(
                db.update(Campaign)
                .where(Campaign.id == campaign_id, Campaign.tallies_stale.is_(True))
                .values(tallies_stale=False)
            )
            db.session.commit()
            state, report = _count(db.session.get(Campaign, campaign_id), client)
            # End the reading transaction before installing (SQLite holds its write lock).
            db.session.commit()
            keys = [
                *_state_keys(campaign_id),
                tally_key(campaign_id),
                fence_key(campaign_id),
                lock_key(campaign_id),
            ]
            if run("install", keys, [json.dumps(state, ensure_ascii=False), token, fence]):
                log.info("rebuilt live tallies of campaign %s", campaign_id)
                return report
            log.info("campaign %s changed while it was counted; counting again", campaign_id)
        raise RebuildBusy()
    finally:
        renewer.stop()
        try:
            script("unlock")(keys=[lock_key(campaign_id)], args=[token])
        except redis.exceptions.RedisError:
            log.warning("could not release the rebuild lock of campaign %s", campaign_id)


def _count(campaign: Campaign, client: Any) -> tuple[dict[str, Any], RebuildReport]:
    now = clock.now()
    today = clock.vote_day(now)
    candidates = [c for c in _candidates(campaign.id) if c.withdrawn_at is None]
    counts = dict(
        db.session.execute(
            db.select(Ballot.candidate_id, db.func.count())
            .where(Ballot.campaign_id == campaign.id, Ballot.voided_at.is_(None))
            .group_by(Ballot.candidate_id)
        ).all()
    )
    usage = usage_from_db(campaign.id, today)
    once = once_from_db(campaign.id) if not campaign.revote_other_days else {}
    try:
        pipe = client.pipeline(transaction=False)
        for voter_id in set(usage) | set(once):
            _seed(
                campaign,
                voter_id,
                today,
                now,
                usage.get(voter_id, {}),
                once.get(voter_id, set()),
                pipe,
            )
        pipe.execute()
    except redis.exceptions.RedisError as exc:
        if redis_unavailable(exc):
            redis_errors_open_circuit()
            raise RedisDown() from exc
        raise
    state = {
        "meta": {
            **meta_fields(campaign),
            "gen": uuid.uuid4().hex[:12],
            "cfgv": campaign.config_version,
        },
        "candidates": {str(c.id): c.category for c in candidates},
        "info": {str(c.id): candidate_info(c) for c in candidates},
        "tally": {str(c.id): int(counts.get(c.id, 0)) for c in candidates},
    }
    report = RebuildReport(campaign.id, len(candidates), sum(counts.values()), len(usage))
    return state, report


def built(campaign_id: int) -> bool:
    """Whether the campaign's live state is built, by this Redis process."""
    out = run("board", _state_keys(campaign_id) + [tally_key(campaign_id)], ["-"])
    return not (out and out[0] == "not_built")


def lock_stuck(campaign_id: int) -> bool:
    """Whether the rebuild lock's holder stopped renewing it (died, or lost Redis)."""
    try:
        ttl = get_redis().pttl(lock_key(campaign_id))
    except redis.exceptions.RedisError as exc:
        if redis_unavailable(exc):
            redis_errors_open_circuit()
            raise RedisDown() from exc
        raise
    return 0 <= ttl < LOCK_MS - STUCK_MS


def ensure_built(campaign_id: int, timeout: float = WAIT_SECONDS) -> None:
    """Make sure the campaign's live state exists: rebuild it, or wait for whoever is. A rebuild
    that is stuck, or takes longer than `timeout`, raises RebuildStuck: the caller takes the
    database path rather than waiting."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            rebuild(campaign_id, force=False)
            return
        except RebuildBusy:
            pass
        if lock_stuck(campaign_id) or time.monotonic() > deadline:
            raise RebuildStuck()
        time.sleep(0.05)


def mark_stale(campaign_id: int) -> None:
    """Record in the database that Redis may disagree with it; the next read rebuilds."""
    db.session.execute(
        db.update(Campaign)
        .where(Campaign.id == campaign_id, Campaign.tallies_stale.is_(False))
        .values(tallies_stale=True)
    )


def board(
    campaign_id: int, category: str = "", reader: int | None = None, per_minute: int = 0
) -> tuple[dict[str, str], list[dict[str, Any]]]:
    """(meta, rows best first) of a campaign's live state, rebuilding it first if Redis lost it;
    a `reader` (account id) is held to `per_minute` reads. RebuildStuck when it cannot be
    rebuilt now."""
    keys = _state_keys(campaign_id) + [tally_key(campaign_id)]
    args: list[Any] = [category]
    if reader is not None:
        now = clock.now()
        keys.append(rate_key(campaign_id, "b", reader, now))
        args += [per_minute, 60 - int(now.timestamp()) % 60]
    for _ in range(3):
        out = run("board", keys, args)
        if out and out[0] == "rate_limited":
            raise RateLimited(int(out[1]))
        if out and out[0] == "not_built":
            # A reader must not hold a transaction while it waits (SQLite's writer lock).
            db.session.commit()
            ensure_built(campaign_id)
            continue
        meta = {"status": out[0], "hide": out[1], "mine": out[2], "cfgv": int(out[3])}
        rows = []
        for i in range(4, len(out), 4):
            info = json.loads(out[i + 3]) if out[i + 3] else {}
            rows.append(
                {
                    "candidate_id": int(out[i]),
                    "category": out[i + 1],
                    "votes": int(out[i + 2]),
                    "name": info.get("name", ""),
                    "unit": info.get("unit", ""),
                }
            )
        return meta, rows
    raise RebuildStuck()


def raw_state(campaign_id: int) -> dict[str, Any]:
    """What Redis holds for a campaign, read without rebuilding (verify-tallies): whether it is
    built by this server, its config version and its raw tallies."""
    client = get_redis()
    try:
        meta = client.hgetall(meta_key(campaign_id))
        tally = client.zrange(tally_key(campaign_id), 0, -1, withscores=True)
        run_id = client.info("server").get("run_id")
    except redis.exceptions.RedisError as exc:
        if redis_unavailable(exc):
            raise RedisDown() from exc
        raise
    return {
        "built": meta.get("built") == "1" and meta.get("run") == run_id,
        "cfgv": int(meta.get("cfgv") or 0),
        "tally": {int(k): int(v) for k, v in tally},
    }


def usage_today(campaign_id: int, day: date, voter_id: int) -> dict[str, int]:
    """A voter's recorded uses of the day from Redis (c:<id> / k:<cat> -> count)."""
    if circuit_open():
        raise RedisDown()
    try:
        raw = get_redis().hgetall(usage_key(campaign_id, day, voter_id))
    except redis.exceptions.RedisError as exc:
        if not redis_unavailable(exc):
            raise
        redis_errors_open_circuit()
        raise RedisDown() from exc
    return {k: int(v) for k, v in raw.items()}


def forget(campaign_id: int) -> None:
    """Drop the campaign's derived state (meta, candidates, tallies); usage keys expire alone."""
    get_redis().delete(
        meta_key(campaign_id), cand_key(campaign_id), info_key(campaign_id), tally_key(campaign_id)
    )
