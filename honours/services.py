"""The honour roll's writes: a published campaign's honoured candidates become honours, a
quarterly 六好区队 / 六型班组 award becomes its unit's honour, an approved 优秀班组长 nomination
becomes the person's honour, and the committee revokes an honour with a reason (audited; it
leaves the public roll). Each source row is mirrored once (a unique column per source)."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session

from accounts.principal import Principal
from clock import local_day
from honours.errors import HonourNotFound, HonourNotRevoked, HonourRevoked
from models import (
    Campaign,
    Candidate,
    Honour,
    HonourAudit,
    LeaderNomination,
    QuarterAward,
    db,
    utcnow,
)
from models.unit_of_work import insert_once
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


# What each kind of assessment honour is called (the roll's 类别 and the title's words).
AWARD_NAMES = {"team": "六好区队", "group": "六型班组", "leader": "优秀班组长"}


def quarter_title(quarter: str, kind: str) -> str:
    """2026 年第 3 季度“六好区队” (or “六型班组”, “优秀班组长”)."""
    return f"{quarter.replace('-Q', ' 年第 ')} 季度“{AWARD_NAMES[kind]}”"


def _award_honour(award: QuarterAward) -> Honour:
    """A quarterly award's honour: a 区队's 六好区队 (kind "team") or a 班组's 六型班组 (kind
    "group"); the unit is the award's `team_id` either way."""
    kind = "group" if award.kind == "group" else "team"
    return Honour(
        mine_id=award.mine_id,
        kind=kind,
        unit_id=award.team_id,
        title=quarter_title(award.quarter, kind),
        year=int(award.quarter[:4]),
        quarter=award.quarter,
        quarter_award=award,
        citation=award.citation or "",
        awarded_on=local_day(award.awarded_at or utcnow()),
    )


def _mirror_team_awards(session: Session, _ctx: Any, _instances: Any) -> None:
    """A new quarterly award (assessments: 六好区队 or 六型班组) is its unit's honour on the same
    roll, in the same flush, so neither can exist without the other."""
    for obj in list(session.new):
        if isinstance(obj, QuarterAward) and obj.kind in ("team", "group"):
            session.add(_award_honour(obj))


def mirror_leader(nomination: LeaderNomination) -> Honour | None:
    """An approved 优秀班组长 nomination as the person's honour: title, quarter, citation, the
    班组 as the unit; the poster draws the person's photo. Once per nomination (a second call,
    or one racing it, finds the first); a pending or rejected nomination is never mirrored.
    Registered with assessments.leaders.on_approve; safe to call again for any approved one."""
    if nomination.status != "approved":
        return None
    found = db.session.scalar(db.select(Honour).where(Honour.leader_nomination_id == nomination.id))
    if found is not None:
        return found
    honour = Honour(
        mine_id=nomination.mine_id,
        kind="leader",
        person_id=nomination.person_id,
        unit_id=nomination.group_id,
        title=quarter_title(nomination.quarter, "leader"),
        year=int(nomination.quarter[:4]),
        quarter=nomination.quarter,
        leader_nomination_id=nomination.id,
        citation=nomination.citation or "",
        awarded_on=local_day(nomination.decided_at or utcnow()),
    )
    if not insert_once(honour):  # mirrored at the same instant elsewhere: theirs stands
        return db.session.scalar(
            db.select(Honour).where(Honour.leader_nomination_id == nomination.id)
        )
    notify(
        honour.person_id,
        "honour_awarded",
        {"title": honour.title, "date": honour.awarded_on.isoformat()},
        HONOUR_PAGE.format(id=honour.id),
    )
    return honour


def mirror_approved_leaders(mine_id: int) -> list[Honour]:
    """Every approved 优秀班组长 nomination of the mine not on the roll yet (those approved
    before the roll mirrored them), mirrored once each."""
    missing = db.session.scalars(
        db.select(LeaderNomination)
        .outerjoin(Honour, Honour.leader_nomination_id == LeaderNomination.id)
        .where(
            LeaderNomination.mine_id == mine_id,
            LeaderNomination.status == "approved",
            Honour.id.is_(None),
        )
        .order_by(LeaderNomination.id)
    ).all()
    return [h for h in map(mirror_leader, missing) if h is not None]


def install_listeners() -> None:
    """Once per process: mirror the assessments' quarterly awards and approved 优秀班组长
    onto the roll."""
    from assessments.leaders import on_approve

    if not event.contains(Session, "before_flush", _mirror_team_awards):
        event.listen(Session, "before_flush", _mirror_team_awards)
    on_approve(mirror_leader)


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
