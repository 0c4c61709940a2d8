"""The vote path (Redis first, the database alone when Redis cannot serve) and a voter's uses of
the day; voiding is in votes.voiding. The consistency design is in votes/__init__.py."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Protocol

from limits import RateLimitItemPerMinute
from limits.storage import MemoryStorage
from limits.strategies import FixedWindowRateLimiter
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from domain_errors import DomainError
from models import Ballot, Campaign, Candidate, db
from models.unit_of_work import is_transient, retrying
from votes import campaigns, clock, live
from votes.errors import (
    AlreadyVoted,
    CampaignNotFound,
    CampaignNotOpen,
    CandidateNotFound,
    DailyQuotaUsed,
    RateLimited,
    SelfVote,
    VotingUnavailable,
)
from votes.voiding import ballot_for_committee, void_ballot  # noqa: F401 - the doors' names

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


@dataclass(frozen=True)
class BallotRow:
    """A ballot's columns, named once: what `_insert` writes, and what `_landed_anyway` looks
    for after a lost reply."""

    campaign_id: int
    candidate_id: int
    category: str
    voter: Voter
    account_id: int | None
    day: date
    seq: int
    slot: int
    once_key: int | None
    cast_at: datetime
    client: ClientInfo
    path: str = "redis"  # which path decided it: "redis", or "db" (Redis could not serve)

    # The ballot columns `values` fills, in one order (the one-statement INSERT names them).
    COLUMNS = (
        "campaign_id",
        "candidate_id",
        "category",
        "voter_id",
        "account_id",
        "voter_unit_id",
        "vote_day",
        "seq",
        "slot",
        "once_key",
        "cast_at",
        "ip",
        "user_agent",
        "client_hints",
        "path",
    )

    def values(self) -> dict[str, Any]:
        """The INSERT's parameters (client fields cut to their columns)."""
        return {
            "campaign_id": self.campaign_id,
            "candidate_id": self.candidate_id,
            "category": self.category,
            "voter_id": self.voter.id,
            "account_id": self.account_id,
            "voter_unit_id": self.voter.unit_id,
            "vote_day": self.day,
            "seq": self.seq,
            "slot": self.slot,
            "once_key": self.once_key,
            "cast_at": self.cast_at,
            "ip": (self.client.ip or "")[:64] or None,
            "user_agent": (self.client.user_agent or "")[:255] or None,
            "client_hints": (self.client.hints or "")[:255] or None,
            "path": self.path,
        }


_REFUSALS = {
    "not_found": CampaignNotFound,
    "not_open": CampaignNotOpen,
    "no_candidate": CandidateNotFound,
    "already_voted": AlreadyVoted,
    "quota_used": DailyQuotaUsed,
}


# While Redis is unreachable the per-account limit is counted in this process's memory (so with
# W worker processes an account gets at most W times the limit; the database path is the slow
# one and the unique constraints still hold every rule).
_memory_limiter = FixedWindowRateLimiter(MemoryStorage())


class RosterEntry(Protocol):
    """What a vote needs of the voter's roster entry: a `Person` row, or the cached principal's
    plain `PersonView` (the hot path, with no ORM row)."""

    id: int
    mine_id: int
    unit_id: int


def cast_vote(
    campaign_id: int,
    candidate_id: int,
    person: RosterEntry,
    account_id: int | None,
    client: ClientInfo,
    now: datetime | None = None,
    limits: Limits = Limits(),
) -> Receipt:
    """Cast one vote and commit it: the commit is the vote's own (the Redis half must be undone
    if the database half fails), so a 201 means the ballot is committed. A transient conflict
    runs the whole vote again by the one rule, `models.unit_of_work.retrying`: the request's
    unit of work when called from a view, never a second loop inside it."""
    now = now or clock.now()
    day = clock.vote_day(now)
    voter = Voter(person.id, person.mine_id, person.unit_id)
    return retrying(
        lambda: _cast(campaign_id, candidate_id, voter, account_id, client, now, day, limits)
    )


def _cast(
    campaign_id: int,
    candidate_id: int,
    voter: Voter,
    account_id: int | None,
    client: ClientInfo,
    now: datetime,
    day: date,
    limits: Limits,
) -> Receipt:
    try:
        return _cast_via_redis(
            campaign_id, candidate_id, voter, account_id, client, now, day, limits
        )
    except live.RedisDown:
        log.warning("Redis cannot serve: campaign %s vote decided by the database", campaign_id)
        db.session.rollback()
        return _cast_via_db(campaign_id, candidate_id, voter, account_id, client, now, day, limits)


@dataclass(frozen=True)
class Gate:
    """What the commit-time gate read from the campaign row it locked."""

    category: str
    stale: bool
    config_version: int


# Built once: the hot path executes them on the session's connection (Core, no ORM unit of work),
# and SQLAlchemy's compiled cache holds their SQL per dialect.
_GATE = (
    db.select(
        Campaign.status,
        Campaign.mine_id,
        Campaign.starts_at,
        Campaign.ends_at,
        Campaign.tallies_stale,
        Campaign.config_version,
        Candidate.category,
        Candidate.withdrawn_at,
        Campaign.allow_self_vote,
        Candidate.person_id,
    )
    .join(Candidate, Candidate.campaign_id == Campaign.id)
    .where(Campaign.id == db.bindparam("campaign_id"), Candidate.id == db.bindparam("candidate_id"))
    .with_for_update(read=True, key_share=True)
)
_INSERT = Ballot.__table__.insert()


def _gate(campaign_id: int, candidate_id: int, voter: Voter, now: datetime) -> Gate:
    """The database's word on the campaign's state at commit time, inside the ballot's own
    transaction: the campaign row (and the candidate's) is read under a key-share lock
    (PostgreSQL FOR KEY SHARE, MariaDB LOCK IN SHARE MODE; SQLite's BEGIN IMMEDIATE already
    serialises writers), which a status change (close, publish, withdraw: FOR UPDATE) waits
    for and which waits for a status change. So a ballot commits only while the campaign is
    open, and close/publish see every ballot committed before them and none after."""
    row = (
        db.session.connection()
        .execute(_GATE, {"campaign_id": campaign_id, "candidate_id": candidate_id})
        .one_or_none()
    )
    if row is None:
        campaign = db.session.get(Campaign, campaign_id)
        if (
            campaign is None
            or campaign.mine_id != voter.mine_id
            or campaign.status in ("draft", "nominating")
        ):
            raise CampaignNotFound()
        raise CandidateNotFound()
    status, mine_id, starts_at, ends_at, stale, version, category, withdrawn_at = row[:8]
    allow_self_vote, candidate_person_id = row[8:]
    if mine_id != voter.mine_id or status in ("draft", "nominating"):
        raise CampaignNotFound()
    if status != "open" or not (starts_at <= now < ends_at):
        raise CampaignNotOpen()
    if withdrawn_at is not None:
        raise CandidateNotFound()
    # The self-vote rule rides on the gate's one read (no extra round trip on the common path):
    # the voter's person is the candidate's person.
    if candidate_person_id == voter.id and not allow_self_vote:
        raise SelfVote()
    return Gate(category, bool(stale), int(version or 0))


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
    reseeded = confirmed = False
    for _ in range(5):
        out = live.run("vote", keys + rate_keys, args)
        status = out[0]
        if status == "rate_limited":
            raise RateLimited(int(out[1]))
        if status == "not_built":
            # Waiting for a rebuild must not hold a transaction (SQLite would lock the rebuild out).
            db.session.rollback()
            live.ensure_built(campaign_id)  # RebuildStuck: the database path decides
            continue
        if status in ("already_voted", "quota_used") and not confirmed and out[2] != "1":
            # A use is spent only by a committed ballot. A refusal resting on settled uses (each
            # settled after its COMMIT, or seeded from the database) is final: one Redis call,
            # no SQL (the brushing storm). One that may rest on a pending use is checked
            # against the database, and a use Redis holds without a ballot behind it (a COMMIT
            # that failed after an undo that could not run, a worker killed before its COMMIT)
            # is given back and the vote decided again (issue 18 #2, #3).
            confirmed = True
            refusal = _refusal_from_db(campaign_id, candidate_id, voter.id, day)
            if refusal is not None:
                db.session.rollback()
                raise refusal
            log.warning("campaign %s: voter %s had a use without a ballot", campaign_id, voter.id)
            live.reset_voter(db.session.get(Campaign, campaign_id), voter.id, day, now)
            db.session.rollback()
            continue
        if status != "ok":
            raise _REFUSALS[status]()
        category, seq, slot, remaining, gen, once = out[1], *map(int, out[2:5]), out[5], out[6]
        redis_version = int(out[7])
        undo_args = [candidate_id, category, seq, slot, gen]
        once_key = candidate_id if once == "1" and seq == 1 else None
        row = BallotRow(
            campaign_id=campaign_id,
            candidate_id=candidate_id,
            category=category,
            voter=voter,
            account_id=account_id,
            day=day,
            seq=seq,
            slot=slot,
            once_key=once_key,
            cast_at=now,
            client=client,
        )
        try:
            ballot_id, gate = _store(row)
        except SelfVote:
            # Redis's picture is right (it does not know whose candidacy this is): only the use
            # is given back, no rebuild.
            db.session.rollback()
            _undo(campaign_id, keys, undo_args)
            raise
        except DomainError:
            # The gate refused: Redis had an older picture of the campaign (a close it has not
            # heard of yet). Give the use back and have Redis rebuilt.
            db.session.rollback()
            _undo(campaign_id, keys, undo_args)
            live.invalidate(campaign_id)
            raise
        except IntegrityError:
            db.session.rollback()
            _undo(campaign_id, keys, undo_args)
            if reseeded:
                refusal = _refusal_from_db(campaign_id, candidate_id, voter.id, day)
                raise (refusal or VotingUnavailable()) from None
            campaign = db.session.get(Campaign, campaign_id)
            live.seed_voter(campaign, voter.id, day, now)
            reseeded = True
            continue
        except SQLAlchemyError as exc:
            db.session.rollback()
            if is_transient(exc):
                # The database chose this ballot as a conflict's loser: nothing landed. Give
                # the use back; the unit of work runs the vote again (no rebuild needed).
                _undo(campaign_id, keys, undo_args)
                raise
            ballot_id = _landed_anyway(row)
            if ballot_id is None:
                _undo(campaign_id, keys, undo_args)
                # The COMMIT may still land (its answer was lost): the database decides the
                # tally, so Redis is rebuilt from it - marked in Redis, the store that answers.
                live.invalidate(campaign_id)
                raise
            log.warning(
                "campaign %s: ballot %s committed, its answer was lost", campaign_id, ballot_id
            )
            gate = None
        _settle(
            campaign_id,
            keys,
            gen,
            candidate_id,
            once_marked=once_key is not None,
            force=gate is not None and (gate.stale or gate.config_version > redis_version),
        )
        return Receipt(ballot_id, candidate_id, category, remaining)
    raise VotingUnavailable()


def _store(row: BallotRow) -> tuple[int, Gate]:
    """Gate, insert and commit the ballot Redis accepted. A deadlock is not tried again here:
    the caller gives the use back and the unit of work runs the whole vote again.

    On PostgreSQL the gate and the INSERT are one statement (`_insert_gated`). When the session
    holds no connection and has nothing to write, the statement runs alone on an autocommit
    connection of the pool: one round trip that is the INSERT and its COMMIT, and none of the
    session's transaction bookkeeping (nor its expire-all at commit). Otherwise it joins the
    session's transaction, which commits after it. When it inserts nothing the gate refused
    (rare): the two-statement path below runs, reading the locked rows to raise the right
    refusal (or storing the ballot, if the campaign was open again by then - it holds the
    lock, so that is as correct as the first try)."""
    session = db.session()  # the request's Session behind the scoped proxy
    if session.get_bind().dialect.name == "postgresql":
        if _session_is_idle(session):
            with db.engine.connect().execution_options(**_AUTOCOMMIT) as conn:
                stored = _insert_gated(conn, row)
            if stored is not None:
                return stored  # committed when the statement answered
        else:
            stored = _insert_gated(session.connection(), row)
            if stored is not None:
                session.commit()
                return stored
            session.rollback()
    gate = _gate(row.campaign_id, row.candidate_id, row.voter, row.cast_at)
    ballot_id = _insert(row)
    db.session.commit()
    return ballot_id, gate


def _session_is_idle(session: Any) -> bool:
    """Whether the session holds no database connection and has nothing to flush, so that a
    statement on another connection of the pool cannot be out of step with it. (SQLAlchemy has
    no public "holds a connection" test, hence the private mapping.)"""
    transaction = session.get_transaction()
    if transaction is not None and transaction._connections:
        return False
    return not (session.new or session.deleted or session.dirty)


def _gated_insert_statement() -> Any:
    """PostgreSQL: the gate and the INSERT as one statement. The gate CTE reads the campaign and
    candidate rows FOR KEY SHARE, exactly like `_GATE` (a close or publish, FOR UPDATE, waits
    for it; if it waited for one, PostgreSQL re-checks the conditions on the row the close
    committed), and keeps only an open campaign of the voter's mine, inside its window, a
    candidate not withdrawn and not the voter unless self-votes are allowed; the INSERT takes
    its one row or none. It returns the new id with what `_settle` needs from the gate."""
    gate = (
        db.select(
            Campaign.tallies_stale.label("stale"),
            Campaign.config_version.label("version"),
            Candidate.category.label("category"),
        )
        .join(Candidate, Candidate.campaign_id == Campaign.id)
        .where(
            Campaign.id == db.bindparam("campaign_id"),
            Candidate.id == db.bindparam("candidate_id"),
            Campaign.mine_id == db.bindparam("mine_id"),
            Campaign.status == "open",
            Campaign.starts_at <= db.bindparam("cast_at"),
            Campaign.ends_at > db.bindparam("cast_at"),
            Candidate.withdrawn_at.is_(None),
            db.or_(Campaign.allow_self_vote, Candidate.person_id != db.bindparam("voter_id")),
        )
        .with_for_update(read=True, key_share=True)
        .cte("gate")
    )
    table = Ballot.__table__
    names = list(BallotRow.COLUMNS)
    values = db.select(*(db.bindparam(n, type_=table.c[n].type) for n in names)).select_from(gate)
    inserted = table.insert().from_select(names, values).returning(table.c.id).cte("inserted")
    return db.select(inserted.c.id, gate.c.stale, gate.c.version, gate.c.category).select_from(
        inserted.join(gate, db.true())
    )


_INSERT_GATED = _gated_insert_statement()
_AUTOCOMMIT = {"isolation_level": "AUTOCOMMIT"}


def _insert_gated(conn: Any, row: BallotRow) -> tuple[int, Gate] | None:
    """PostgreSQL: run the one statement (see `_gated_insert_statement`) on `conn`; None when
    the gate kept no row (nothing was inserted)."""
    params = row.values()
    params["mine_id"] = row.voter.mine_id
    found = conn.execute(_INSERT_GATED, params).one_or_none()
    if found is None:
        return None
    ballot_id, stale, version, category = found
    return int(ballot_id), Gate(category, bool(stale), int(version or 0))


def _landed_anyway(row: BallotRow) -> int | None:
    """After a failed COMMIT: the ballot's id if it is in the database all the same (the answer
    was lost, not the commit); None if it is not, or if the database cannot say now.

    The COMMIT may still be on its way to the server, or running there, when we ask: a plain
    lookup would not see the ballot yet. So first the same ballot is inserted once more and
    rolled back: its unique keys make that insert wait until the transaction still holding
    them ends (bounded by a lock timeout), and the lookup after it sees that transaction's fate."""
    try:
        _wait_for_inflight(row)
        found = db.session.scalar(
            db.select(Ballot.id).where(
                Ballot.campaign_id == row.campaign_id,
                Ballot.voter_id == row.voter.id,
                Ballot.candidate_id == row.candidate_id,
                Ballot.vote_day == row.day,
                Ballot.seq == row.seq,
            )
        )
        db.session.rollback()
        return found
    except SQLAlchemyError:
        db.session.rollback()
        return None


INFLIGHT_WAIT_SECONDS = 3


def _wait_for_inflight(row: BallotRow) -> None:
    """Insert the ballot and roll it back, to wait out a transaction that holds its keys."""
    dialect = db.session.get_bind().dialect.name
    if dialect == "sqlite":
        return  # one writer at a time, in this process's file: nothing can be in flight
    if dialect == "postgresql":
        db.session.execute(db.text(f"SET LOCAL lock_timeout = '{INFLIGHT_WAIT_SECONDS}s'"))
    else:
        db.session.execute(
            db.text(f"SET SESSION innodb_lock_wait_timeout = {INFLIGHT_WAIT_SECONDS}")
        )
    try:
        _insert(row)
    except IntegrityError:
        pass  # the ballot (or one holding its slot) is there: the lookup tells which
    finally:
        db.session.rollback()
        if dialect != "postgresql":
            db.session.execute(db.text("SET SESSION innodb_lock_wait_timeout = DEFAULT"))
            db.session.rollback()


def _settle(
    campaign_id: int,
    keys: list[str],
    gen: str,
    candidate_id: int,
    *,
    once_marked: bool,
    force: bool,
) -> None:
    """After the commit: the voter's use is settled (its refusals need no database check from
    now on), and if a rebuild ran since vote.lua counted this ballot (or the database row asks
    for one), the campaign is marked for rebuild in Redis; if Redis cannot be told, in the
    database, which just answered (the use then stays pending: refusals checked, never wrong)."""
    meta, _, _, usage, once = keys
    try:
        live.run(
            "settle",
            [meta, live.fence_key(campaign_id), usage, once],
            [gen, int(force), candidate_id, int(once_marked)],
        )
    except live.RedisDown:
        live.mark_stale_quietly(campaign_id)
        campaigns.forget_board_state(campaign_id)


def _undo(campaign_id: int, keys: list[str], args: list[Any]) -> None:
    try:
        live.run("undo", keys, args)
    except live.RedisDown:
        log.error("could not undo a vote of campaign %s in Redis", campaign_id)
        live.invalidate(campaign_id)


def _insert(row: BallotRow) -> int:
    result = db.session.connection().execute(_INSERT, row.values())
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


def _refusal_from_db(
    campaign_id: int, candidate_id: int, voter_id: int, day: date
) -> Exception | None:
    """The refusal the committed ballots give this vote, or None when they leave it a use."""
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
    return None


def _memory_rate_limit(key: str, per_minute: int) -> None:
    item = RateLimitItemPerMinute(max(per_minute, 1))
    if not _memory_limiter.hit(item, "vote", key):
        reset = _memory_limiter.get_window_stats(item, "vote", key).reset_time
        raise RateLimited(int(reset - time.time()) + 1)


def _cast_via_db(
    campaign_id: int,
    candidate_id: int,
    voter: Voter,
    account_id: int | None,
    client: ClientInfo,
    now: datetime,
    day: date,
    limits: Limits = Limits(),
) -> Receipt:
    campaign = db.session.get(Campaign, campaign_id)
    if (
        campaign is None
        or campaign.mine_id != voter.mine_id
        or campaign.status in ("draft", "nominating")
    ):
        raise CampaignNotFound()
    _memory_rate_limit(f"a:{account_id or f'p{voter.id}'}", limits.account_per_minute)
    per_cand, per_cat = campaign.per_candidate_per_day, campaign.per_category_per_day
    once = not campaign.revote_other_days
    # Racing requests compute the same seq/slot; the unique constraints let one through and the
    # others recount.
    for _ in range(20):
        try:
            gate = _gate(campaign_id, candidate_id, voter, now)
            seq, slot = _used(campaign_id, candidate_id, gate.category, voter.id, day)
            if seq >= per_cand or (
                once and seq == 0 and _voted_ever(campaign_id, candidate_id, voter.id)
            ):
                raise AlreadyVoted()
            if slot >= per_cat:
                raise DailyQuotaUsed()
            ballot_id = _insert(
                BallotRow(
                    campaign_id=campaign_id,
                    candidate_id=candidate_id,
                    category=gate.category,
                    voter=voter,
                    account_id=account_id,
                    day=day,
                    seq=seq + 1,
                    slot=slot + 1,
                    once_key=candidate_id if once and seq == 0 else None,
                    cast_at=now,
                    client=client,
                    path="db",
                )
            )
            live.mark_stale(campaign_id)
            db.session.commit()
            # This process's leaderboards see the mark at once (others within their bound).
            campaigns.forget_board_state(campaign_id)
        except IntegrityError:
            db.session.rollback()
            continue
        return Receipt(ballot_id, candidate_id, gate.category, per_cat - slot - 1)
    raise VotingUnavailable()


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
