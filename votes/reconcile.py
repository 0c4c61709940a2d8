"""The reconciler: compares each live campaign's Redis state with the database and repairs a
difference through the fenced rebuild (issue 18). `flask votes verify-tallies` and the
scheduled job `votes-reconcile` (every minute, jobs/schedule.py) share `compare`.

What is compared, cheaply: the stale mark, whether Redis is built (by this server) and at the
database's config version, every active candidate's count, and a usage checksum (the sum of
today's recorded uses of every voter against the same sum from the committed ballots).

Votes in flight make Redis run ahead of the database for a moment (vote.lua counts before the
COMMIT). So the database is read first and Redis after it - a committed ballot was counted in
Redis before it committed, so Redis *behind* the database is never transient - and a Redis
*ahead* of the database counts as a difference only when the same excess is seen again after
`settle_seconds` under the same generation (a vote in flight commits, or is undone, within
that time; a use or a count left by a worker killed before its COMMIT stays). Under a steady
stream of votes a real excess can therefore be missed in one pass and found in a quieter one;
an unneeded repair is harmless (a rebuild), but is counted.

Which campaigns: every one that is open, closed or in 公示, every pass; a published one once
after publish (its `checked_at` is earlier than `published_at`)."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from typing import Any

import redis

from models import Campaign, db, get_redis, utcnow
from models.redis_store import node_client, redis_unavailable
from models.votes import LiveMark
from votes import campaigns, clock, live
from votes.live.keys import meta_key, usage_pattern
from votes.results import vote_counts

log = logging.getLogger(__name__)

SETTLE_SECONDS = 2.0
LIVE_STATUSES = ("open", "closed", "notice")


@dataclass
class Comparison:
    campaign_id: int
    problems: list[str] = field(default_factory=list)
    missing: bool = False  # no such campaign
    ballots: int = 0


@dataclass
class ReconcileReport:
    checked: list[int] = field(default_factory=list)
    repaired: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)


def _redis_usage_sum(campaign_id: int) -> int:
    # The node owning the campaign's slot (a cluster's SCAN would visit every master).
    client = node_client(get_redis(), meta_key(campaign_id))
    total = 0
    day = clock.vote_day(clock.now())
    for key in client.scan_iter(match=usage_pattern(campaign_id, day), count=500):
        # c:/k: are uses; "p" counts the pending ones among them (vote.lua), not more uses.
        total += sum(int(v) for f, v in client.hgetall(key).items() if f != "p")
    return total


def _db_usage_sum(campaign_id: int) -> int:
    usage = live.usage_from_db(campaign_id, clock.vote_day(clock.now()))
    return sum(sum(fields.values()) for fields in usage.values())


def _snapshot(campaign_id: int) -> tuple[dict[int, int], int, dict[str, Any], int]:
    """(database counts, database usage sum, Redis state, Redis usage sum), the database first."""
    db_counts = vote_counts(campaign_id)
    db_usage = _db_usage_sum(campaign_id)
    db.session.commit()  # end the read (a MariaDB snapshot must not outlive this pass)
    try:
        state = live.raw_state(campaign_id)
        redis_usage = _redis_usage_sum(campaign_id)
    except redis.exceptions.RedisError as exc:
        if redis_unavailable(exc):
            raise live.RedisDown() from exc
        raise
    return db_counts, db_usage, state, redis_usage


def compare(campaign_id: int, settle_seconds: float = SETTLE_SECONDS) -> Comparison:
    """Every way Redis disagrees with the database for a campaign (no problems: they agree).
    RedisDown when Redis cannot be read."""
    out = Comparison(campaign_id)
    campaign = db.session.get(Campaign, campaign_id)
    if campaign is None:
        out.missing = True
        out.problems.append("no such campaign")
        return out
    if campaign.tallies_stale:
        out.problems.append("marked stale in the database")
    active = {c.id: c.person.name for c in campaigns.active_candidates(campaign_id)}
    version = campaign.config_version
    counts, db_usage, state, redis_usage = _snapshot(campaign_id)
    out.ballots = sum(counts.values())
    if not state["built"]:
        # Nothing to compare against: the next read or vote rebuilds it.
        out.problems.append("not built in this Redis (lost, restarted or marked for rebuild)")
        return out
    if state["cfgv"] < version:
        out.problems.append(f"Redis has config version {state['cfgv']}, the database {version}")
    ahead = {
        cid: state["tally"].get(cid, 0) - counts.get(cid, 0)
        for cid in active
        if state["tally"].get(cid, 0) != counts.get(cid, 0)
    }
    usage_ahead = redis_usage - db_usage
    if any(d > 0 for d in ahead.values()) or usage_ahead > 0:
        # Maybe votes in flight: look again once they had time to commit.
        if settle_seconds > 0:
            time.sleep(settle_seconds)
        counts2, db_usage2, state2, redis_usage2 = _snapshot(campaign_id)
        if not state2["built"] or state2.get("gen") != state.get("gen"):
            # Rebuilt (or marked for rebuild) meanwhile: that rebuild counted the database.
            ahead = {c: d for c, d in ahead.items() if d < 0}
            usage_ahead = min(usage_ahead, 0)
        else:
            for cid, d in list(ahead.items()):
                d2 = state2["tally"].get(cid, 0) - counts2.get(cid, 0)
                if d > 0 and d2 != d:
                    del ahead[cid]  # the excess moved: votes in flight
            if usage_ahead > 0 and redis_usage2 - db_usage2 != usage_ahead:
                usage_ahead = 0
    for cid, d in sorted(ahead.items()):
        a = state["tally"].get(cid, 0)
        out.problems.append(f"candidate {cid} ({active[cid]}): redis {a} != database {a - d}")
    if usage_ahead:
        out.problems.append(
            f"voters' uses today: redis {redis_usage} != database {redis_usage - usage_ahead}"
        )
    return out


def repairs(campaign_id: int) -> int:
    """How often the reconciler repaired this campaign (the console's 自动校正 N 次)."""
    return int(
        db.session.scalar(db.select(LiveMark.repairs).where(LiveMark.campaign_id == campaign_id))
        or 0
    )


def record_repair(campaign_id: int, note: str) -> None:
    """Count one repair of the campaign (the CLI's --repair and the job), and commit."""
    _record(campaign_id, True, note)


def _record(campaign_id: int, repaired: bool, note: str) -> None:
    values: dict[str, Any] = {"checked_at": utcnow()}
    if repaired:
        values.update(
            repairs=LiveMark.repairs + 1, last_repair_at=utcnow(), last_repair_note=note[:255]
        )
    done = db.session.execute(
        db.update(LiveMark)
        .where(LiveMark.campaign_id == campaign_id)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    if done.rowcount == 0:
        db.session.add(
            LiveMark(
                campaign_id=campaign_id,
                stale=False,
                repairs=1 if repaired else 0,
                last_repair_at=values.get("last_repair_at"),
                last_repair_note=note[:255] if repaired else None,
                checked_at=values["checked_at"],
            )
        )
    db.session.commit()


def reconcile_campaign(campaign_id: int, settle_seconds: float = SETTLE_SECONDS) -> bool:
    """Compare one campaign and repair it through the fenced rebuild when it differs; True when
    a repair was made. RedisDown / RebuildBusy propagate (try again next pass)."""
    found = compare(campaign_id, settle_seconds)
    if found.missing:
        return False
    if not found.problems:
        _record(campaign_id, False, "")
        return False
    note = "; ".join(found.problems)
    log.warning(
        "campaign %s: live state differs from the database (%s); rebuilding", campaign_id, note
    )
    live.rebuild(campaign_id)
    _record(campaign_id, True, note)
    return True


def due_campaigns() -> list[int]:
    """Campaigns to compare now: open, closed or in 公示; published ones not compared since."""
    rows = db.session.execute(
        db.select(Campaign.id, Campaign.status, Campaign.published_at, LiveMark.checked_at)
        .outerjoin(LiveMark, LiveMark.campaign_id == Campaign.id)
        .where(Campaign.status.in_((*LIVE_STATUSES, "published")))
        .order_by(Campaign.id)
    ).all()
    due = []
    for cid, status, published_at, checked_at in rows:
        if status in LIVE_STATUSES:
            due.append(cid)
        elif checked_at is None or (published_at is not None and checked_at < published_at):
            due.append(cid)
    db.session.commit()
    return due


def reconcile_all(settle_seconds: float = SETTLE_SECONDS) -> ReconcileReport:
    """One pass of the reconciler over every due campaign."""
    report = ReconcileReport()
    for cid in due_campaigns():
        report.checked.append(cid)
        try:
            if reconcile_campaign(cid, settle_seconds):
                report.repaired.append(cid)
        except (live.RedisDown, live.RebuildBusy) as exc:
            db.session.rollback()
            log.warning("campaign %s: not reconciled now (%s)", cid, type(exc).__name__)
            report.failed.append(cid)
    return report
