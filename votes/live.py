"""The live half of voting, in Redis: per-campaign keys, the Lua scripts, and the rebuild that
makes Redis agree with the database again.

Keys of one campaign share the hash tag `{vc:<id>}` so that every script runs on Redis Cluster:

    {vc:42}:meta          hash   built, gen, status, starts, ends, mine, rules, hide
    {vc:42}:cand          hash   candidate id -> category
    {vc:42}:info          hash   candidate id -> JSON {name, unit}
    {vc:42}:tally         zset   candidate id -> non-voided ballots
    {vc:42}:u:<day>:<v>   hash   one voter's uses of one day: c:<candidate> -> seq, k:<cat> -> slot
    {vc:42}:o:<v>         hash   one voter's candidates for the campaign (no-revote rule)
    {vc:42}:lock          string the rebuild lock

`meta.built` is the marker: a Redis that lost the campaign (flush, restart without persistence)
has no marker, vote.lua and board.lua answer "not_built", and the caller rebuilds from the
database under the lock before serving.
"""

from __future__ import annotations

import json
import logging
import secrets
import time
import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from importlib import resources
from typing import Any

import redis
from flask import current_app

from domain_errors import DependencyUnavailable
from models import Ballot, Campaign, Candidate, Person, db, get_redis
from votes import clock
from votes.errors import CampaignNotFound, RateLimited, VotingUnavailable

log = logging.getLogger(__name__)

USAGE_TTL = 2 * 24 * 3600
SCRIPT_NAMES = ("vote", "undo", "seed_usage", "install", "configure", "void", "board", "unlock")

# A Redis that refuses or times out is skipped for this long by this process, so that a dead
# server costs one connect timeout rather than one per request.
_CIRCUIT_SECONDS = 5.0
_circuit_open_until = 0.0

REDIS_ERRORS = (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError)


class RedisDown(DependencyUnavailable):
    """Redis could not be reached (or failed a moment ago); 503 where nothing can stand in."""

    reason = "cache_unavailable"
    message = "服务暂时繁忙，请稍后再试"

    def __init__(self) -> None:
        super().__init__(headers={"Retry-After": "5"})


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
    """Run a script; RedisDown when Redis is unreachable (or was a moment ago)."""
    if circuit_open():
        raise RedisDown()
    try:
        return script(name)(keys=keys, args=args)
    except REDIS_ERRORS as exc:
        redis_errors_open_circuit()
        raise RedisDown() from exc


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


def publish_config(
    campaign: Campaign, candidates: list[Candidate] | None = None, removed: list[int] = ()
) -> bool:
    """Tell a built campaign's live state about a committee change; RedisDown if unreachable.

    Called before the database commit, so a Redis that cannot be told fails the change (503)
    rather than leaving Redis with stale rules."""
    change = {
        "meta": meta_fields(campaign),
        "candidates": {str(c.id): c.category for c in candidates or []},
        "info": {str(c.id): candidate_info(c) for c in candidates or []},
        "removed": [str(i) for i in removed],
    }
    keys = [
        meta_key(campaign.id),
        cand_key(campaign.id),
        info_key(campaign.id),
        tally_key(campaign.id),
    ]
    return bool(run("configure", keys, [json.dumps(change, ensure_ascii=False)]))


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
    (a voided ballot does not give its use back)."""
    start, end = clock.day_bounds(day)
    stmt = (
        db.select(
            Ballot.voter_id,
            Ballot.candidate_id,
            Ballot.category,
            db.func.max(Ballot.seq),
            db.func.max(Ballot.slot),
        )
        .where(
            Ballot.campaign_id == campaign_id,
            Ballot.cast_at >= start,
            Ballot.cast_at < end,
            Ballot.vote_day == day,
        )
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


def rebuild(campaign_id: int, force: bool = True) -> RebuildReport | None:
    """Rebuild a campaign's live state from the database, under the campaign's lock.

    Marks the campaign not built first (votes wait), then counts from the database and installs
    the result with a new generation in one script. A vote that passed Redis before and commits
    after the count sees the generation change and marks the tallies stale (ballots.py)."""
    client = get_redis()
    token = secrets.token_hex(8)
    if not client.set(lock_key(campaign_id), token, nx=True, px=60_000):
        raise RebuildBusy()
    try:
        if not force and client.hget(meta_key(campaign_id), "built") == "1":
            return None  # built by whoever held the lock just before us
        campaign = db.session.get(Campaign, campaign_id)
        if campaign is None:
            raise CampaignNotFound()
        client.hset(meta_key(campaign_id), "built", "0")
        # From here on any Redis-side doubt is resolved by this rebuild; a later one sets it again.
        db.session.execute(
            db.update(Campaign)
            .where(Campaign.id == campaign_id, Campaign.tallies_stale.is_(True))
            .values(tallies_stale=False)
        )
        db.session.commit()
        report = _rebuild_locked(db.session.get(Campaign, campaign_id), client)
        db.session.commit()
        return report
    finally:
        try:
            script("unlock")(keys=[lock_key(campaign_id)], args=[token])
        except REDIS_ERRORS:
            log.warning("could not release the rebuild lock of campaign %s", campaign_id)


def _rebuild_locked(campaign: Campaign, client: Any) -> RebuildReport:
    now = clock.now()
    today = clock.vote_day(now)
    candidates = db.session.scalars(
        db.select(Candidate)
        .where(Candidate.campaign_id == campaign.id)
        .options(db.joinedload(Candidate.person).joinedload(Person.unit))
    ).all()
    counts = dict(
        db.session.execute(
            db.select(Ballot.candidate_id, db.func.count())
            .where(Ballot.campaign_id == campaign.id, Ballot.voided_at.is_(None))
            .group_by(Ballot.candidate_id)
        ).all()
    )
    usage = usage_from_db(campaign.id, today)
    once = once_from_db(campaign.id) if not campaign.revote_other_days else {}
    pipe = client.pipeline(transaction=False)
    for voter_id in set(usage) | set(once):
        _seed(
            campaign, voter_id, today, now, usage.get(voter_id, {}), once.get(voter_id, set()), pipe
        )
    pipe.execute()
    state = {
        "meta": {**meta_fields(campaign), "gen": uuid.uuid4().hex[:12]},
        "candidates": {str(c.id): c.category for c in candidates},
        "info": {str(c.id): candidate_info(c) for c in candidates},
        "tally": {str(c.id): int(counts.get(c.id, 0)) for c in candidates},
    }
    keys = [
        meta_key(campaign.id),
        cand_key(campaign.id),
        info_key(campaign.id),
        tally_key(campaign.id),
    ]
    script("install")(keys=keys, args=[json.dumps(state, ensure_ascii=False)])
    log.info("rebuilt live tallies of campaign %s", campaign.id)
    return RebuildReport(campaign.id, len(candidates), sum(counts.values()), len(usage))


class RebuildBusy(Exception):
    """Another process holds the rebuild lock."""


def ensure_built(campaign_id: int, timeout: float = 10.0) -> None:
    """Make sure the campaign's live state exists: rebuild it, or wait for whoever is."""
    deadline = time.monotonic() + timeout
    client = get_redis()
    while True:
        try:
            if client.hget(meta_key(campaign_id), "built") == "1":
                return
            rebuild(campaign_id, force=False)
            return
        except RebuildBusy:
            pass
        except REDIS_ERRORS as exc:
            redis_errors_open_circuit()
            raise RedisDown() from exc
        if time.monotonic() > deadline:
            raise VotingUnavailable()
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
    a `reader` (account id) is held to `per_minute` reads."""
    keys = [
        meta_key(campaign_id),
        cand_key(campaign_id),
        info_key(campaign_id),
        tally_key(campaign_id),
    ]
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
            ensure_built(campaign_id)
            continue
        meta = {"status": out[0], "hide": out[1], "mine": out[2]}
        rows = []
        for i in range(3, len(out), 4):
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
    raise VotingUnavailable()


def usage_today(campaign_id: int, day: date, voter_id: int) -> dict[str, int]:
    """A voter's recorded uses of the day from Redis (c:<id> / k:<cat> -> count)."""
    if circuit_open():
        raise RedisDown()
    try:
        raw = get_redis().hgetall(usage_key(campaign_id, day, voter_id))
    except REDIS_ERRORS as exc:
        redis_errors_open_circuit()
        raise RedisDown() from exc
    return {k: int(v) for k, v in raw.items()}


def forget(campaign_id: int) -> None:
    """Drop the campaign's derived state (meta, candidates, tallies); usage keys expire alone."""
    get_redis().delete(
        meta_key(campaign_id), cand_key(campaign_id), info_key(campaign_id), tally_key(campaign_id)
    )
