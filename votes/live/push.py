"""Committee changes reach Redis only after their commit: a session hook, so that whoever
commits a session that carries one - an API view, the console, a CLI, another domain's
service - gets it pushed (never before the commit: a failed commit must leave Redis as it was).
"""

from __future__ import annotations

import json
import logging

from sqlalchemy.orm import Session

from models import Campaign, db
from models.listeners import listen_once
from votes.live import scripts
from votes.live.keys import fence_key, state_keys, tally_key
from votes.live.rebuild import candidate_info, candidates, meta_fields
from votes.live.scripts import RedisDown

log = logging.getLogger(__name__)

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
        everyone = candidates(campaign_id, session)
        active = [c for c in everyone if c.withdrawn_at is None]
        ready.append(
            (
                campaign_id,
                {
                    "cfgv": campaign.config_version,
                    "meta": meta_fields(campaign),
                    "candidates": {str(c.id): c.category for c in active},
                    "info": {str(c.id): candidate_info(c) for c in active},
                    "removed": [str(c.id) for c in everyone if c.withdrawn_at is not None],
                },
            )
        )


def _push(session: Session) -> None:
    ready = session.info.pop(_READY, None)
    for campaign_id, change in ready or ():
        keys = [*state_keys(campaign_id), tally_key(campaign_id), fence_key(campaign_id)]
        try:
            scripts.run("configure", keys, [json.dumps(change, ensure_ascii=False)])
        except RedisDown:
            # Committed but not in Redis: readers and votes compare config_version with the
            # database row and rebuild the campaign once Redis can be written again.
            log.warning("campaign %s: committee change not pushed to Redis", campaign_id)


def _forget(session: Session) -> None:
    session.info.pop(_PUSH, None)
    session.info.pop(_READY, None)


def install_listeners() -> None:
    """Snapshot before the commit, push after it, forget on rollback (once per process)."""
    listen_once(Session, "before_commit", _snapshot)
    listen_once(Session, "after_commit", _push)
    listen_once(Session, "after_rollback", _forget)
