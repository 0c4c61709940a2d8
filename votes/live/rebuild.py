"""The fenced rebuild: makes a campaign's live state in Redis agree with the database again.

It holds the campaign's lock (renewed while it runs); begin.lua marks the campaign not built and
bumps the fence, and install.lua installs what was counted only if the lock is still its own and
the fence unchanged. Also here: the state as it is built from database rows (shared with the
committee push) and the voters' uses of a day, read from the ballots.
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
from typing import Any

import redis
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from models import Ballot, Campaign, Candidate, Person, db, get_redis
from models.redis_store import execute_pipeline, node_client, redis_unavailable
from models.votes import LiveMark
from votes import clock
from votes.errors import CampaignNotFound
from votes.live import scripts
from votes.live.keys import (
    USAGE_TTL,
    fence_key,
    lock_key,
    meta_key,
    once_key,
    once_pattern,
    once_ttl,
    state_keys,
    tally_key,
    usage_key,
    usage_pattern,
)
from votes.live.scripts import RedisDown, breaker

log = logging.getLogger(__name__)

# The rebuild lock lives LOCK_MS and is renewed every RENEW_SECONDS while its holder works; a
# lock not renewed for STUCK_MS (its holder died, or lost Redis) is stuck: nobody waits for it.
LOCK_MS = 15_000
RENEW_SECONDS = 2.0
STUCK_MS = 5_000
# How long a vote or a read waits for a live rebuild before it takes the database path.
WAIT_SECONDS = 10.0
# A rebuild that failed on an error reply Redis should not give is not tried again by every
# request (each try counts the campaign in the database): this process takes the database path
# for BACKOFF_SECONDS, doubled after each failure up to BACKOFF_MAX_SECONDS.
BACKOFF_SECONDS = 1.0
BACKOFF_MAX_SECONDS = 30.0
_backoff: dict[int, tuple[float, float]] = {}  # campaign id -> (next try, current delay)


class RebuildStuck(RedisDown):
    """The campaign is being rebuilt by someone who stopped renewing the lock, or for longer than
    a vote should wait: take the database path instead of waiting."""


class RebuildBusy(Exception):
    """Another process holds the rebuild lock (or this one lost it)."""


@dataclass
class RebuildReport:
    campaign_id: int
    candidates: int
    ballots: int
    voters_today: int


# --- the state as the database rows give it ---------------------------------------------------


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


def candidates(campaign_id: int, session: Any = None) -> list[Candidate]:
    """Every candidate of the campaign (withdrawn too), with person and unit loaded."""
    return list(
        (session or db.session).scalars(
            db.select(Candidate)
            .where(Candidate.campaign_id == campaign_id)
            .options(db.joinedload(Candidate.person).joinedload(Person.unit))
            .order_by(Candidate.id)
        )
    )


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


def reset_voter(campaign: Campaign, voter_id: int, day: date, now: datetime) -> None:
    """Set one voter's recorded uses in Redis to exactly what the database holds (lowering
    them too): after vote.lua refused a use the committed ballots do not back."""
    usage = usage_from_db(campaign.id, day, [voter_id]).get(voter_id, {})
    once = (
        once_from_db(campaign.id, [voter_id]).get(voter_id, set())
        if not campaign.revote_other_days
        else set()
    )
    _seed(campaign, voter_id, day, now, usage, once, client=None, script_name="reset_usage")


def _seed(
    campaign: Campaign,
    voter_id: int,
    day: date,
    now: datetime,
    usage: dict[str, int],
    once: set[int],
    client: Any,
    script_name: str = "seed_usage",
) -> None:
    args: list[Any] = [USAGE_TTL, once_ttl(campaign.ends_at, now), len(usage)]
    for field, value in usage.items():
        args += [field, value]
    args += sorted(once)
    keys = [usage_key(campaign.id, day, voter_id), once_key(campaign.id, voter_id)]
    if client is None:
        scripts.run(script_name, keys, args)
    else:
        scripts.script(script_name)(keys=keys, args=args, client=client)


# --- the rebuild --------------------------------------------------------------------------------


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
            breaker.trip()
            raise RedisDown() from exc
        raise
    renewer = _Renewer(client, lock_key(campaign_id), token, scripts.script("extend"))
    try:
        if not force and built(campaign_id):
            return None  # built by whoever held the lock just before us
        campaign = db.session.get(Campaign, campaign_id)
        if campaign is None:
            raise CampaignNotFound()
        for _ in range(5):
            fence = scripts.run(
                "begin",
                [meta_key(campaign_id), fence_key(campaign_id), lock_key(campaign_id)],
                [token],
            )
            if not fence:
                raise RebuildBusy()
            # From here on any doubt recorded in the database is resolved by this rebuild; a
            # later one sets the flag again. The campaign row is taken FOR UPDATE first: that
            # waits for every ballot transaction past its gate (which holds the row under a
            # share lock) to end, so the count below sees each of them, and a ballot that
            # passes its gate after this sets the flag again (issue 18 #1).
            clear_stale(campaign_id)
            db.session.commit()
            state, report = _count(db.session.get(Campaign, campaign_id), client)
            # End the reading transaction before installing (SQLite holds its write lock).
            db.session.commit()
            keys = [
                *state_keys(campaign_id),
                tally_key(campaign_id),
                fence_key(campaign_id),
                lock_key(campaign_id),
            ]
            if scripts.run("install", keys, [json.dumps(state, ensure_ascii=False), token, fence]):
                log.info("rebuilt live tallies of campaign %s", campaign_id)
                _backoff.pop(campaign_id, None)
                return report
            log.info("campaign %s changed while it was counted; counting again", campaign_id)
        raise RebuildBusy()
    finally:
        renewer.stop()
        try:
            scripts.script("unlock")(keys=[lock_key(campaign_id)], args=[token])
        except redis.exceptions.RedisError:
            log.warning("could not release the rebuild lock of campaign %s", campaign_id)


def _count(campaign: Campaign, client: Any) -> tuple[dict[str, Any], RebuildReport]:
    now = clock.now()
    today = clock.vote_day(now)
    active = [c for c in candidates(campaign.id) if c.withdrawn_at is None]
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
        # Today's uses are recomputed, not only raised: a use recorded by vote.lua whose ballot
        # never committed (a worker killed before its COMMIT, an undo that found another
        # generation) is gone after this rebuild (issue 18 #2, #3). A vote in flight meanwhile
        # may lose its use here; its INSERT still meets the unique slot constraints.
        # The campaign's keys all live on the node owning its slot: SCAN that one alone.
        owner = node_client(client, meta_key(campaign.id))
        stale_keys = list(owner.scan_iter(match=usage_pattern(campaign.id, today), count=500))
        if not campaign.revote_other_days:
            stale_keys += list(owner.scan_iter(match=once_pattern(campaign.id), count=500))

        def fill(pipe: Any) -> None:
            for key in stale_keys:
                pipe.delete(key)
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

        # Every key carries the campaign's hash tag: one slot, one node (the meta key's).
        execute_pipeline(client, fill, meta_key(campaign.id))
    except redis.exceptions.RedisError as exc:
        if redis_unavailable(exc):
            breaker.trip()
            raise RedisDown() from exc
        raise
    state = {
        "meta": {
            **meta_fields(campaign),
            "gen": uuid.uuid4().hex[:12],
            "cfgv": campaign.config_version,
        },
        "candidates": {str(c.id): c.category for c in active},
        "info": {str(c.id): candidate_info(c) for c in active},
        "tally": {str(c.id): int(counts.get(c.id, 0)) for c in active},
    }
    report = RebuildReport(campaign.id, len(active), sum(counts.values()), len(usage))
    return state, report


def built(campaign_id: int) -> bool:
    """Whether the campaign's live state is built, by this Redis process."""
    out = scripts.run("board", state_keys(campaign_id) + [tally_key(campaign_id)], ["-"])
    return not (out and out[0] == "not_built")


def rebuild_backed_off(campaign_id: int, force: bool = True) -> RebuildReport | None:
    """rebuild() for a request: after a rebuild of the campaign failed on an unexpected Redis
    error, RebuildStuck (the database path) until its back-off is over, instead of counting the
    campaign again for every request."""
    failed = _backoff.get(campaign_id)
    if failed is not None and time.monotonic() < failed[0]:
        raise RebuildStuck()
    try:
        return rebuild(campaign_id, force=force)
    except redis.exceptions.RedisError as exc:
        delay = min(failed[1] * 2, BACKOFF_MAX_SECONDS) if failed else BACKOFF_SECONDS
        _backoff[campaign_id] = (time.monotonic() + delay, delay)
        log.error(
            "campaign %s: rebuild failed (%s); database path for %.0f s", campaign_id, exc, delay
        )
        raise RebuildStuck() from exc


def reset_backoff() -> None:
    """Forget the rebuilds that failed (tests)."""
    _backoff.clear()


def lock_stuck(campaign_id: int) -> bool:
    """Whether the rebuild lock's holder stopped renewing it (died, or lost Redis)."""
    try:
        ttl = get_redis().pttl(lock_key(campaign_id))
    except redis.exceptions.RedisError as exc:
        if redis_unavailable(exc):
            breaker.trip()
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
            rebuild_backed_off(campaign_id, force=False)
            return
        except RebuildBusy:
            pass
        if lock_stuck(campaign_id) or time.monotonic() > deadline:
            raise RebuildStuck()
        time.sleep(0.05)


def mark_stale(campaign_id: int) -> None:
    """Record in the database that Redis may disagree with it; the next read rebuilds.

    The mark is the campaign's `vote_live_marks` row, not the campaign row: a database-path
    ballot holds the campaign row under the gate's share lock, and upgrading that lock to write
    the flag deadlocked concurrent ballots on MariaDB (issue 18 #4). The UPDATE reads the
    latest committed row on every database (not the transaction's snapshot)."""
    done = db.session.execute(
        db.update(LiveMark)
        .where(LiveMark.campaign_id == campaign_id, LiveMark.stale.is_(False))
        .values(stale=True)
        .execution_options(synchronize_session=False)
    )
    if done.rowcount == 0:
        _ensure_mark(campaign_id, stale=True)


def _ensure_mark(campaign_id: int, stale: bool) -> None:
    """Create the campaign's mark row if it is missing (a campaign made outside
    votes.campaigns); a concurrent creator wins and its row is used."""
    if db.session.get(LiveMark, campaign_id) is not None:
        return
    try:
        with db.session.begin_nested():
            db.session.add(LiveMark(campaign_id=campaign_id, stale=stale, repairs=0))
    except IntegrityError:
        if stale:
            db.session.execute(
                db.update(LiveMark)
                .where(LiveMark.campaign_id == campaign_id)
                .values(stale=True)
                .execution_options(synchronize_session=False)
            )


def clear_stale(campaign_id: int) -> None:
    """Take the campaign row FOR UPDATE (waits for the ballots past their gate) and clear the
    stale mark. The caller commits, then counts."""
    db.session.execute(
        db.select(Campaign.id).where(Campaign.id == campaign_id).with_for_update()
    ).all()
    db.session.execute(
        db.update(LiveMark)
        .where(LiveMark.campaign_id == campaign_id, LiveMark.stale.is_(True))
        .values(stale=False)
        .execution_options(synchronize_session=False)
    )


def mark_stale_quietly(campaign_id: int) -> None:
    """mark_stale and commit; a database that cannot be written is logged (run the CLI)."""
    try:
        mark_stale(campaign_id)
        db.session.commit()
    except SQLAlchemyError:
        db.session.rollback()
        log.error(
            "campaign %s: tallies may disagree; run `flask votes rebuild-tallies`", campaign_id
        )
