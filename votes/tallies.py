"""What readers are shown of the live tallies: Redis when it agrees with the database, else the
database's own count. Every read path (campaign page, leaderboard) goes through here, so none
serves counts that the database row says are stale or that missed a committee change."""

from __future__ import annotations

from typing import Any

from models import Campaign, db
from votes import campaigns, live
from votes.results import vote_counts


def _rebuilt(campaign_id: int) -> bool:
    """Rebuild now if nobody else is; False when it cannot be done at once."""
    try:
        live.rebuild(campaign_id)
        return True
    except live.RebuildBusy:
        return False


def standings(
    campaign: Campaign, category: str = "", reader: int | None = None, per_minute: int = 0
) -> list[dict[str, Any]]:
    """Rows {candidate_id, category, votes, name, unit} of active candidates, best first."""
    try:
        trusted = True
        if campaign.tallies_stale:
            trusted = _rebuilt(campaign.id)
        if trusted:
            meta, rows = live.board(campaign.id, category, reader, per_minute)
            if meta["cfgv"] >= campaign.config_version:
                return rows
            # Redis missed a committed committee change (a push that failed).
            if _rebuilt(campaign.id):
                return live.board(campaign.id, category)[1]
    except live.RedisDown:
        pass
    return _from_db(campaign, category)


def _from_db(campaign: Campaign, category: str) -> list[dict[str, Any]]:
    counts = vote_counts(campaign.id)
    rows = [
        {
            "candidate_id": c.id,
            "category": c.category,
            "votes": counts.get(c.id, 0),
            "name": c.person.name,
            "unit": c.person.unit.name if c.person.unit else "",
        }
        for c in campaigns.active_candidates(campaign.id, category or None)
    ]
    rows.sort(key=lambda r: (-r["votes"], r["candidate_id"]))
    return rows


def counts(campaign: Campaign) -> dict[int, int]:
    """Votes per active candidate as readers may see them."""
    return {r["candidate_id"]: r["votes"] for r in standings(campaign)}


def verify(campaign_id: int) -> list[str]:
    """Every way Redis disagrees with the database for a campaign (empty: they agree)."""
    campaign = db.session.get(Campaign, campaign_id)
    problems = []
    if campaign.tallies_stale:
        problems.append("marked stale in the database")
    state = live.raw_state(campaign_id)
    if not state["built"]:
        problems.append("not built in this Redis (lost, restarted or marked for rebuild)")
    elif state["cfgv"] < campaign.config_version:
        problems.append(
            f"Redis has config version {state['cfgv']}, the database {campaign.config_version}"
        )
    db_counts = vote_counts(campaign_id)
    for c in campaigns.active_candidates(campaign_id):
        a, b = state["tally"].get(c.id, 0), db_counts.get(c.id, 0)
        if a != b:
            problems.append(f"candidate {c.id} ({c.person.name}): redis {a} != database {b}")
    return problems
