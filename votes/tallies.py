"""What readers are shown of the live tallies: Redis when it agrees with the database, else the
database's own count. Every read path (campaign page, leaderboard) goes through here, so none
serves counts that the database row says are stale or that missed a committee change."""

from __future__ import annotations

import math
import time
from typing import Any

from limits import RateLimitItemPerMinute, parse
from limits.storage import MemoryStorage
from limits.strategies import FixedWindowRateLimiter

from accounts.principal import Principal
from models import Campaign, Candidate, Person, Unit, db
from votes import campaigns, live
from votes.errors import RateLimited, TalliesHidden
from votes.results import vote_counts

# When the leaderboard is counted by the database (Redis down, or stale and being rebuilt),
# board.lua is not there to count the reader's limit, and every refresh is a GROUP BY over the
# campaign's ballots: both are held in this process's memory (with W workers, W times the
# limits), so a Redis outage cannot turn refreshes into a database storm.
_fallback_limiter = FixedWindowRateLimiter(MemoryStorage())


def reset_fallback_limits() -> None:
    """Forget what this process counted (tests: one process runs many apps)."""
    _fallback_limiter.storage.reset()


class DatabaseCountBusy(live.RedisDown):
    """This process counted the campaign from the database as often as it may this second."""

    def __init__(self, retry_after: int) -> None:
        super().__init__()
        self.headers = {"Retry-After": str(max(1, retry_after))}


def _hold_fallback(campaign_id: int, reader: int, per_minute: int, db_limit: str) -> None:
    """The reader's per-minute limit (429) and the campaign's database counts (503, `db_limit`
    as "5 per second"), in this process's memory."""
    if per_minute > 0:
        item = RateLimitItemPerMinute(per_minute)
        if not _fallback_limiter.hit(item, "board", f"a:{reader}"):
            reset = _fallback_limiter.get_window_stats(item, "board", f"a:{reader}").reset_time
            raise RateLimited(math.ceil(reset - time.time()))
    if db_limit:
        item = parse(db_limit)
        if not _fallback_limiter.hit(item, "board-db", str(campaign_id)):
            reset = _fallback_limiter.get_window_stats(item, "board-db", str(campaign_id))
            raise DatabaseCountBusy(math.ceil(reset.reset_time - time.time()))


def _rebuilt(campaign_id: int) -> bool:
    """Rebuild now if nobody else is; False when it cannot be done at once (RebuildStuck while
    a failed rebuild backs off)."""
    try:
        live.rebuild_backed_off(campaign_id)
        return True
    except live.RebuildBusy:
        return False


class _StateBehind(Exception):
    """Redis holds a newer committee change than the board state this process remembered."""


def leaderboard(
    campaign_id: int,
    principal: Principal,
    category: str = "",
    *,
    per_minute: int = 0,
    db_limit: str = "",
    state_max_age: float = 0.0,
) -> list[dict[str, Any]]:
    """The live ranking of one category for a reader (404 as visible_campaign, 403
    tallies_hidden while the rules hide it), without a database read while this process's copy
    of the campaign's state is younger than `state_max_age` and Redis holds no newer change."""
    for max_age in (state_max_age, 0.0):
        state = campaigns.visible_board_state(campaign_id, principal, max_age)
        if not campaigns.tallies_visible(
            state.status, state.hide_tallies, principal, state.mine_id
        ):
            if max_age > 0:
                continue  # a remembered "hidden" may be out of date: refuse on the database's word
            raise TalliesHidden()
        try:
            return standings(
                state,
                category,
                reader=principal.account_id,
                per_minute=per_minute,
                db_limit=db_limit,
                remembered=max_age > 0,
            )
        except _StateBehind:
            continue  # read the database's word now and decide again
    raise AssertionError("unreachable: a fresh state is never behind")


def standings(
    campaign: Campaign | campaigns.BoardState,
    category: str = "",
    reader: int | None = None,
    per_minute: int = 0,
    db_limit: str = "",
    remembered: bool = False,
) -> list[dict[str, Any]]:
    """Rows {candidate_id, category, votes, name, unit} of active candidates, best first.

    A `reader` (account id) is held to `per_minute` reads, and, when the database has to count,
    the campaign to `db_limit` database counts in this process (503 over it). A `remembered`
    state (not read in this request) older than Redis's config raises _StateBehind."""
    counted = False  # whether board.lua counted this read against the reader's limit
    try:
        trusted = True
        if campaign.tallies_stale:
            trusted = _rebuilt(campaign.id)
        if trusted:
            meta, rows = live.board(campaign.id, category, reader, per_minute)
            counted = reader is not None
            if remembered and meta["cfgv"] > campaign.config_version:
                raise _StateBehind()
            if meta["cfgv"] >= campaign.config_version:
                return rows
            # Redis missed a committed committee change (a push that failed).
            if _rebuilt(campaign.id):
                return live.board(campaign.id, category)[1]
    except live.RedisDown:
        pass
    if reader is not None:
        _hold_fallback(campaign.id, reader, 0 if counted else per_minute, db_limit)
    return _from_db(campaign, category)


def _from_db(campaign: Campaign | campaigns.BoardState, category: str) -> list[dict[str, Any]]:
    counts = vote_counts(campaign.id)
    stmt = (
        db.select(Candidate.id, Candidate.category, Person.name, Unit.name)
        .join(Person, Person.id == Candidate.person_id)
        .outerjoin(Unit, Unit.id == Person.unit_id)
        .where(Candidate.campaign_id == campaign.id, Candidate.withdrawn_at.is_(None))
        .order_by(Candidate.id)
    )
    if category:
        stmt = stmt.where(Candidate.category == category)
    rows = [
        {
            "candidate_id": cid,
            "category": cat,
            "votes": counts.get(cid, 0),
            "name": name,
            "unit": unit or "",
        }
        for cid, cat, name, unit in db.session.connection().execute(stmt)
    ]
    rows.sort(key=lambda r: (-r["votes"], r["candidate_id"]))
    return rows


def counts(campaign: Campaign) -> dict[int, int]:
    """Votes per active candidate as readers may see them."""
    return {r["candidate_id"]: r["votes"] for r in standings(campaign)}


def verify(campaign_id: int) -> list[str]:
    """Every way Redis disagrees with the database for a campaign (empty: they agree); the
    comparison is the reconciler's (votes.reconcile.compare)."""
    from votes import reconcile

    return reconcile.compare(campaign_id).problems
