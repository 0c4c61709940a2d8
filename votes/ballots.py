"""The vote path, and voiding ballots.

What happens when one side fails — the one place that says it:

* Normal path: vote.lua checks and records the voter's use of the day and bumps the tally in one
  atomic step; then the ballot is inserted and committed. The unique constraints on
  (campaign, voter, candidate, day, seq) and (campaign, voter, day, category, slot) are the last
  line against duplicates.
* The database refuses the ballot as a duplicate (Redis had lost the voter's uses): undo.lua takes
  back exactly that use and tally bump, the voter's uses are re-read from the database into Redis,
  and the vote is decided once more — so the answer is the right 201 or 409.
* The database fails otherwise (down, timeout): undo.lua takes back the use and the bump, the
  campaign is marked `tallies_stale` (in case the commit did land), and the client gets 503
  `database_unavailable`. No phantom vote stays in the tallies.
* Redis is unreachable (refused, timeout, or failed a moment ago): the vote is decided by the
  database alone — today's uses are read from the ballots, the ballot is inserted with the next
  seq/slot, and the same unique constraints make a duplicate or an extra vote impossible however
  many requests race; the campaign is marked `tallies_stale` in the same transaction, and the
  live tallies are rebuilt from the database at the next read once Redis is back.
* Redis lost the campaign (flush, restart without persistence): vote.lua answers "not_built" and
  the campaign's live state is rebuilt from the database under a lock before the vote is decided.
* A rebuild ran between vote.lua and the commit (its generation changed): the ballot may be
  missing from the rebuilt tally, so the campaign is marked `tallies_stale` and rebuilt again.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy.exc import IntegrityError, OperationalError, SQLAlchemyError

from accounts.principal import Principal
from models import Ballot, Campaign, CampaignAudit, Candidate, Person, db, get_redis
from votes import clock, live
from votes.errors import (
    AlreadyVoided,
    AlreadyVoted,
    BallotNotFound,
    CampaignNotFound,
    CampaignNotOpen,
    CandidateNotFound,
    DailyQuotaUsed,
    NotEligible,
    RateLimited,
    VotingUnavailable,
)

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ClientInfo:
    """What a ballot keeps about the device that cast it."""

    ip: str | None = None
    user_agent: str | None = None
    hints: str | None = None


@dataclass(frozen=True)
class Voter:
    """The voter's fields the vote path needs, read once (the session may be ended on the way)."""

    id: int
    mine_id: int
    unit_id: int | None


@dataclass(frozen=True)
class Limits:
    """Vote attempts allowed per minute (app settings VOTE_ACCOUNT_PER_MINUTE / _IP_)."""

    account_per_minute: int = 30
    ip_per_minute: int = 20000


@dataclass(frozen=True)
class Receipt:
    ballot_id: int
    candidate_id: int
    category: str
    remaining_today: int


_REFUSALS = {
    "not_eligible": NotEligible,
    "not_open": CampaignNotOpen,
    "no_candidate": CandidateNotFound,
    "already_voted": AlreadyVoted,
    "quota_used": DailyQuotaUsed,
}


def cast_vote(
    campaign_id: int,
    candidate_id: int,
    person: Person,
    account_id: int | None,
    client: ClientInfo,
    now: datetime | None = None,
    limits: Limits = Limits(),
) -> Receipt:
    """Cast one vote and commit it (its own unit of work: the Redis half must be undone if the
    database half fails)."""
    now = now or clock.now()
    day = clock.vote_day(now)
    voter = Voter(person.id, person.mine_id, person.unit_id)
    try:
        return _cast_via_redis(
            campaign_id, candidate_id, voter, account_id, client, now, day, limits
        )
    except live.RedisDown:
        log.warning("Redis unreachable: campaign %s vote decided by the database", campaign_id)
        db.session.rollback()
        return _cast_via_db(campaign_id, candidate_id, voter, account_id, client, now, day)


def _cast_via_redis(
    campaign_id: int,
    candidate_id: int,
    voter: Voter,
    account_id: int | None,
    client: ClientInfo,
    now: datetime,
    day: date,
    limits: Limits,
) -> Receipt:
    keys = live.vote_keys(campaign_id, day, voter.id)
    rate_keys = [
        live.rate_key(campaign_id, "a", account_id or f"p{voter.id}", now),
        live.rate_key(campaign_id, "ip", client.ip or "unknown", now),
    ]
    args = [
        candidate_id,
        int(now.timestamp()),
        voter.mine_id,
        live.USAGE_TTL,
        limits.account_per_minute,
        limits.ip_per_minute,
    ]
    reseeded = False
    for _ in range(4):
        out = live.run("vote", keys + rate_keys, args)
        status = out[0]
        if status == "rate_limited":
            raise RateLimited(int(out[1]))
        if status == "not_built":
            # Waiting for a rebuild must not hold a transaction (SQLite would lock the rebuild out).
            db.session.rollback()
            live.ensure_built(campaign_id)
            continue
        if status != "ok":
            raise _REFUSALS[status]()
        category, seq, slot, remaining, gen, once = out[1], *map(int, out[2:5]), out[5], out[6]
        undo_args = [candidate_id, category, seq, slot, gen]
        try:
            ballot_id = _insert(
                campaign_id,
                candidate_id,
                category,
                voter,
                account_id,
                day,
                seq,
                slot,
                candidate_id if once == "1" and seq == 1 else None,
                now,
                client,
                "redis",
            )
            db.session.commit()
        except IntegrityError:
            db.session.rollback()
            _undo(campaign_id, keys, undo_args)
            if reseeded:
                raise _refusal_from_db(campaign_id, candidate_id, voter.id, day) from None
            campaign = db.session.get(Campaign, campaign_id)
            live.seed_voter(campaign, voter.id, day, now)
            reseeded = True
            continue
        except SQLAlchemyError:
            db.session.rollback()
            _undo(campaign_id, keys, undo_args)
            _mark_stale_quietly(campaign_id)
            raise
        _check_generation(campaign_id, gen)
        return Receipt(ballot_id, candidate_id, category, remaining)
    raise VotingUnavailable()


def _undo(campaign_id: int, keys: list[str], args: list[Any]) -> None:
    try:
        live.run("undo", keys, args)
    except live.RedisDown:
        log.error(
            "could not undo a vote of campaign %s in Redis; marking tallies stale", campaign_id
        )
        _mark_stale_quietly(campaign_id)


def _mark_stale_quietly(campaign_id: int) -> None:
    try:
        live.mark_stale(campaign_id)
        db.session.commit()
    except SQLAlchemyError:
        db.session.rollback()
        log.error(
            "campaign %s: tallies may disagree; run `flask votes rebuild-tallies`", campaign_id
        )


def _check_generation(campaign_id: int, gen: str) -> None:
    """A rebuild between vote.lua and our commit may have missed this ballot."""
    try:
        built, current = get_redis().hmget(live.meta_key(campaign_id), "built", "gen")
    except live.REDIS_ERRORS:
        built, current = None, None
    if built != "1" or current != gen:
        _mark_stale_quietly(campaign_id)


def _insert(
    campaign_id: int,
    candidate_id: int,
    category: str,
    voter: Voter,
    account_id: int | None,
    day: date,
    seq: int,
    slot: int,
    once_key: int | None,
    now: datetime,
    client: ClientInfo,
    path: str,
) -> int:
    result = db.session.execute(
        db.insert(Ballot).values(
            campaign_id=campaign_id,
            candidate_id=candidate_id,
            category=category,
            voter_id=voter.id,
            account_id=account_id,
            voter_unit_id=voter.unit_id,
            vote_day=day,
            seq=seq,
            slot=slot,
            once_key=once_key,
            cast_at=now,
            ip=(client.ip or "")[:64] or None,
            user_agent=(client.user_agent or "")[:255] or None,
            client_hints=(client.hints or "")[:255] or None,
            path=path,
        )
    )
    return int(result.inserted_primary_key[0])


def _used(campaign_id: int, candidate_id: int, category: str, voter_id: int, day: date):
    usage = live.usage_from_db(campaign_id, day, [voter_id]).get(voter_id, {})
    return usage.get(f"c:{candidate_id}", 0), usage.get(f"k:{category}", 0)


def _voted_ever(campaign_id: int, candidate_id: int, voter_id: int) -> bool:
    return (
        db.session.scalar(
            db.select(Ballot.id)
            .where(
                Ballot.campaign_id == campaign_id,
                Ballot.voter_id == voter_id,
                Ballot.candidate_id == candidate_id,
            )
            .limit(1)
        )
        is not None
    )


def _refusal_from_db(campaign_id: int, candidate_id: int, voter_id: int, day: date) -> Exception:
    campaign = db.session.get(Campaign, campaign_id)
    candidate = db.session.get(Candidate, candidate_id)
    if campaign is None or candidate is None:
        return VotingUnavailable()
    seq, slot = _used(campaign_id, candidate_id, candidate.category, voter_id, day)
    if seq >= campaign.per_candidate_per_day:
        return AlreadyVoted()
    if (
        not campaign.revote_other_days
        and seq == 0
        and _voted_ever(campaign_id, candidate_id, voter_id)
    ):
        return AlreadyVoted()
    if slot >= campaign.per_category_per_day:
        return DailyQuotaUsed()
    return VotingUnavailable()


def _cast_via_db(
    campaign_id: int,
    candidate_id: int,
    voter: Voter,
    account_id: int | None,
    client: ClientInfo,
    now: datetime,
    day: date,
) -> Receipt:
    campaign = db.session.get(Campaign, campaign_id)
    if campaign is None:
        raise CampaignNotFound()
    if campaign.mine_id != voter.mine_id:
        raise NotEligible()
    if campaign.status != "open" or not (campaign.starts_at <= now < campaign.ends_at):
        raise CampaignNotOpen()
    candidate = db.session.get(Candidate, candidate_id)
    if candidate is None or candidate.campaign_id != campaign.id:
        raise CandidateNotFound()
    per_cand, per_cat = campaign.per_candidate_per_day, campaign.per_category_per_day
    once = not campaign.revote_other_days
    # Racing requests compute the same seq/slot; the unique constraints let one through and the
    # others recount.
    for _ in range(20):
        seq, slot = _used(campaign.id, candidate.id, candidate.category, voter.id, day)
        if seq >= per_cand or (
            once and seq == 0 and _voted_ever(campaign.id, candidate.id, voter.id)
        ):
            raise AlreadyVoted()
        if slot >= per_cat:
            raise DailyQuotaUsed()
        try:
            ballot_id = _insert(
                campaign.id,
                candidate.id,
                candidate.category,
                voter,
                account_id,
                day,
                seq + 1,
                slot + 1,
                candidate.id if once and seq == 0 else None,
                now,
                client,
                "db",
            )
            live.mark_stale(campaign.id)
            db.session.commit()
        except (IntegrityError, OperationalError) as exc:
            db.session.rollback()
            if isinstance(exc, OperationalError) and not _lock_conflict(exc):
                raise
            campaign = db.session.get(Campaign, campaign_id)
            candidate = db.session.get(Candidate, candidate_id)
            continue
        return Receipt(ballot_id, candidate.id, candidate.category, per_cat - slot - 1)
    raise VotingUnavailable()


def _lock_conflict(exc: OperationalError) -> bool:
    """A deadlock or lock wait the database resolved by failing us: safe to try again.

    InnoDB takes next-key locks when checking a unique index, so racing inserts of the same
    (voter, day, category, slot) can deadlock instead of failing the constraint."""
    orig = exc.orig
    code = orig.args[0] if getattr(orig, "args", None) else None
    return (
        code in (1205, 1213)  # MariaDB/MySQL: lock wait timeout, deadlock
        or getattr(orig, "sqlstate", None) in ("40001", "40P01")  # PostgreSQL
        or "database is locked" in str(orig)  # SQLite
    )


def remaining_today(campaign: Campaign, voter_id: int, now: datetime | None = None) -> dict:
    """(votes left per category today, candidate ids already voted today) for a voter."""
    day = clock.vote_day(now or clock.now())
    try:
        usage = live.usage_today(campaign.id, day, voter_id)
    except live.RedisDown:
        usage = live.usage_from_db(campaign.id, day, [voter_id]).get(voter_id, {})
    remaining = {
        key: max(campaign.per_category_per_day - usage.get(f"k:{key}", 0), 0)
        for key in campaign.categories
    }
    voted = {int(f[2:]) for f, n in usage.items() if f.startswith("c:") and n > 0}
    return {"remaining": remaining, "voted": voted}


# --- voiding ------------------------------------------------------------------------------------


def ballot_for_committee(ballot_id: int, principal: Principal) -> Ballot:
    """A ballot of a campaign of the committee member's mine; 404 otherwise."""
    ballot = db.session.get(Ballot, ballot_id)
    if ballot is None:
        raise BallotNotFound()
    campaign = db.session.get(Campaign, ballot.campaign_id)
    if campaign.mine_id not in principal.committee_of:
        raise BallotNotFound()
    return ballot


def void_ballot(ballot_id: int, reason: str, principal: Principal) -> Ballot:
    """Void a ballot with a reason, audited, and take it off the live tally; commits."""
    ballot = ballot_for_committee(ballot_id, principal)
    campaign_id, candidate_id = ballot.campaign_id, ballot.candidate_id
    try:
        gen = get_redis().hget(live.meta_key(campaign_id), "gen")
    except live.REDIS_ERRORS:
        gen = None
    now = clock.now()
    done = db.session.execute(
        db.update(Ballot)
        .where(Ballot.id == ballot_id, Ballot.voided_at.is_(None))
        .values(voided_at=now, void_reason=reason, voided_by_id=principal.person_id)
    )
    if done.rowcount != 1:
        db.session.rollback()
        raise AlreadyVoided()
    db.session.add(
        CampaignAudit(
            campaign_id=campaign_id,
            actor_id=principal.person_id,
            action="void_ballot",
            detail={"ballot_id": ballot_id, "candidate_id": candidate_id, "reason": reason},
            at=now,
        )
    )
    db.session.commit()
    applied = False
    if gen is not None:
        try:
            applied = bool(
                live.run(
                    "void",
                    [live.meta_key(campaign_id), live.tally_key(campaign_id)],
                    [candidate_id, gen],
                )
            )
        except live.RedisDown:
            applied = False
    if not applied:
        _mark_stale_quietly(campaign_id)
    db.session.refresh(ballot)
    return ballot
