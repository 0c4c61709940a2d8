"""The honour roll's writes: a published campaign's honoured candidates become honours, a
quarterly 六好区队 award becomes a team's honour, and the committee revokes an honour with a
reason (audited; it leaves the public roll)."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session

from accounts.principal import Principal
from clock import local_day
from honours.errors import HonourNotFound, HonourNotRevoked, HonourRevoked
from models import Campaign, Candidate, Honour, HonourAudit, QuarterAward, db, utcnow
from models.votes import CATEGORY_NAMES
from notifications import notify
from votes.results import winners

HONOUR_PAGE = "pages/honours/detail?id={id}"
_TITLE_YEAR = re.compile(r"(20\d\d)\s*年度")


def title_for(year: int, category: str) -> str:
    """2026 年度“安全生产监督员”."""
    return f"{year} 年度“{CATEGORY_NAMES.get(category, category)}”"


def year_of(campaign: Campaign) -> int:
    """The year an honour is for: the 年度 the campaign's title names ("2025年度“六大员”评选",
    usually published early the next year), else the year voting started."""
    found = _TITLE_YEAR.search(campaign.title or "")
    if found:
        return int(found.group(1))
    return local_day(campaign.starts_at).year


def award_campaign(campaign: Campaign) -> list[Honour]:
    """Honour the campaign's honoured candidates (名额 per category, frozen at 公示, objections
    and tie decisions applied), once each; called in the publishing transaction."""
    day = local_day(campaign.published_at or utcnow())
    year = year_of(campaign)
    done = set(
        db.session.scalars(db.select(Honour.candidate_id).where(Honour.campaign_id == campaign.id))
    )
    made: list[Honour] = []
    for entry in winners(campaign.results):
        candidate = db.session.get(Candidate, entry["candidate_id"])
        if candidate is None or candidate.withdrawn_at is not None or candidate.id in done:
            continue
        person = candidate.person
        honour = Honour(
            mine_id=campaign.mine_id,
            kind="person",
            person_id=person.id,
            unit_id=person.unit_id,
            category=candidate.category,
            title=title_for(year, candidate.category),
            year=year,
            campaign_id=campaign.id,
            candidate_id=candidate.id,
            citation=candidate.story or "",
            photo=candidate.photo,
            awarded_on=day,
        )
        db.session.add(honour)
        made.append(honour)
    db.session.flush()
    for honour in made:
        notify(
            honour.person_id,
            "honour_awarded",
            {"title": honour.title, "date": day.isoformat()},
            HONOUR_PAGE.format(id=honour.id),
        )
    return made


AWARD_NAMES = {"team": "六好区队", "group": "六型班组"}  # a quarter award's kind on the roll


def _team_honour(award: QuarterAward) -> Honour:
    year = int(award.quarter[:4])
    name = AWARD_NAMES.get(award.kind or "team", "六好区队")
    return Honour(
        mine_id=award.mine_id,
        kind="team",
        unit_id=award.team_id,
        title=f"{award.quarter.replace('-Q', ' 年第 ')} 季度“{name}”",
        year=year,
        quarter_award=award,
        citation=award.citation or "",
        awarded_on=local_day(award.awarded_at or utcnow()),
    )


def _mirror_team_awards(session: Session, _ctx: Any, _instances: Any) -> None:
    """A new quarterly award (assessments) is a team's honour on the same roll, in the same
    flush, so neither can exist without the other."""
    for obj in list(session.new):
        if isinstance(obj, QuarterAward):
            session.add(_team_honour(obj))


def install_listeners() -> None:
    """Once per process: mirror the assessments' team awards onto the roll."""
    if not event.contains(Session, "before_flush", _mirror_team_awards):
        event.listen(Session, "before_flush", _mirror_team_awards)


def honour_for_committee(honour_id: int, principal: Principal) -> Honour:
    honour = db.session.get(Honour, honour_id)
    if honour is None or honour.mine_id not in principal.committee_of:
        raise HonourNotFound()
    return honour


def revoke(honour_id: int, principal: Principal, reason: str) -> Honour:
    """The committee revokes an honour (e.g. discipline): kept on record with who, when and
    why, gone from the public roll and the person's page."""
    me = principal.require("committee")
    honour = honour_for_committee(honour_id, principal)
    done = db.session.execute(
        db.update(Honour)
        .where(Honour.id == honour.id, Honour.revoked_at.is_(None))
        .values(revoked_at=utcnow(), revoke_reason=reason.strip()[:255], revoked_by_id=me.id)
        .execution_options(synchronize_session=False)
    )
    if done.rowcount != 1:
        raise HonourRevoked()
    db.session.add(
        HonourAudit(honour_id=honour.id, actor_id=me.id, action="revoke", reason=reason[:255])
    )
    db.session.refresh(honour)
    return honour


def restore(honour_id: int, principal: Principal, reason: str) -> Honour:
    """Undo a revocation (a mistaken one), audited with its reason."""
    me = principal.require("committee")
    honour = honour_for_committee(honour_id, principal)
    if honour.revoked_at is None:
        raise HonourNotRevoked()
    honour.revoked_at = None
    honour.revoke_reason = None
    honour.revoked_by_id = None
    db.session.add(
        HonourAudit(honour_id=honour.id, actor_id=me.id, action="restore", reason=reason[:255])
    )
    return honour
