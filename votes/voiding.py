"""Voiding a ballot: audited, gated like a ballot against publish, and taken off the live
tally (or the tallies marked stale when Redis cannot be told)."""

from __future__ import annotations

import redis

from accounts.principal import Principal
from models import Ballot, Campaign, CampaignAudit, db, get_redis
from models.redis_store import redis_unavailable
from votes import clock, live
from votes.errors import AlreadyVoided, BallotNotFound, CampaignLocked


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
    except redis.exceptions.RedisError as exc:
        if not redis_unavailable(exc):
            raise
        gen = None
    now = clock.now()
    # The same gate as a ballot's: publish (FOR UPDATE on the campaign) and a void never overlap,
    # so frozen results never disagree with the ballots.
    status = db.session.scalar(
        db.select(Campaign.status)
        .where(Campaign.id == campaign_id)
        .with_for_update(read=True, key_share=True)
    )
    if status in ("notice", "published"):
        db.session.rollback()
        raise CampaignLocked("结果已公示或公布，选票不能再作废")
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
        live.mark_stale_quietly(campaign_id)
    db.session.refresh(ballot)
    return ballot
