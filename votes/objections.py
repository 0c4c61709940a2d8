"""公示 (the public notice of the provisional winners) and objections (异议) against them.

During 公示 any bound employee of the mine may object to a winner, with a reason that passes
the content check; one open objection per person per candidate (a unique constraint). The
committee answers each: upheld removes the candidate from the winners (the next one moves up)
with the reason recorded, dismissed keeps them; the objector is told either way. Objectors are
named to the committee only.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from accounts.principal import Principal
from models import Campaign, Candidate, Objection, Person, db
from models.unit_of_work import insert_once
from notifications import notify
from votes import campaigns, clock
from votes.errors import (
    InvalidTransition,
    NotAWinner,
    NoticeNotOpen,
    ObjectionExists,
    ObjectionNotFound,
)
from votes.results import honour, winners

OBJECTION_PAGE = "pages/vote/objections"


def notice_of(campaign_id: int, principal: Principal) -> dict[str, Any]:
    """The 公示 as an employee sees it: period, winners, and the caller's own objections."""
    campaign = campaigns.visible_campaign(campaign_id, principal)
    if campaign.status not in ("notice", "published"):
        raise NoticeNotOpen()
    stories = dict(
        db.session.execute(
            db.select(Candidate.id, Candidate.story).where(Candidate.campaign_id == campaign.id)
        ).all()
    )
    return {
        "campaign_id": campaign.id,
        "title": campaign.title,
        "status": campaign.status,
        "starts_at": campaign.notice_starts_at,
        "ends_at": campaign.notice_ends_at,
        "open": _notice_open(campaign),
        "winners": [
            {
                "category": w["category"],
                "candidate_id": w["candidate_id"],
                "name": w["name"],
                "unit": w["unit"],
                "story": stories.get(w["candidate_id"], ""),
                "rank": w["rank"],
                "tied": bool(w.get("tied")) and not w.get("honoured"),
            }
            for w in winners(campaign.results, with_tied=True)
        ],
        "my_objections": [
            objection_for_objector(o)
            for o in db.session.scalars(
                db.select(Objection)
                .where(
                    Objection.campaign_id == campaign.id,
                    Objection.objector_id == principal.person_id,
                )
                .order_by(Objection.id)
            )
        ],
    }


def _notice_open(campaign: Campaign) -> bool:
    now = clock.now()
    return (
        campaign.status == "notice"
        and campaign.notice_starts_at is not None
        and campaign.notice_starts_at <= now < campaign.notice_ends_at
    )


@dataclass(frozen=True)
class ObjectionDraft:
    """An objection that passed the checks needing no lock; WeChat has not seen its text yet."""

    campaign_id: int
    candidate_id: int
    person_id: int
    openid: str | None


def objection_draft(campaign_id: int, principal: Principal, candidate_id: int) -> ObjectionDraft:
    """The first half of an objection: every check that needs no lock (409 notice_not_open
    outside 公示, 422 not_a_winner, 409 objection_exists while the same person's objection to
    that candidate is open). It writes nothing: the caller ends the transaction before
    `lodge_objection`, so no lock at all is held while WeChat answers (on SQLite every
    transaction holds the database's write lock from its start)."""
    from media.content_check import openid_of

    person = principal.require_bound()
    campaign = campaigns.visible_campaign(campaign_id, principal)
    # A WeChat call (seconds when it is slow) must never run while a row lock is held —
    # publish, answers and other objections would wait on it — and a doomed objection should
    # not reach WeChat.
    _may_object(campaign, person.id, candidate_id)
    return ObjectionDraft(campaign.id, candidate_id, person.id, openid_of(person.id))


def lodge_objection(draft: ObjectionDraft, reason: str) -> Objection:
    """The second half: WeChat's content check outside any transaction, then the insert under
    the campaign row's share lock with the checks repeated; the caller commits the insert."""
    from media.content_check import require_publishable

    campaign_id, candidate_id, person_id = draft.campaign_id, draft.candidate_id, draft.person_id
    verdict = require_publishable(person_id, reason, openid=draft.openid)
    # Share lock: publish (FOR UPDATE) cannot slip between this check and the insert.
    db.session.execute(
        db.select(Campaign.id)
        .where(Campaign.id == campaign_id)
        .with_for_update(read=True, key_share=True)
    ).all()
    campaign = db.session.get(Campaign, campaign_id, populate_existing=True)
    if campaign is None:
        raise NoticeNotOpen()
    _may_object(campaign, person_id, candidate_id)  # again, now that nothing can change it
    objection = Objection(
        campaign_id=campaign_id,
        candidate_id=candidate_id,
        objector_id=person_id,
        reason=reason,
        content_check=verdict,
        status="open",
        open_key=candidate_id,
    )
    if not insert_once(objection):
        raise ObjectionExists()
    campaigns.audit(campaign, None, "objection", {"objection_id": objection.id})
    return objection


def _may_object(campaign: Campaign, person_id: int, candidate_id: int) -> None:
    """409 notice_not_open outside 公示, 422 not_a_winner, 409 objection_exists."""
    if not _notice_open(campaign):
        raise NoticeNotOpen()
    if candidate_id not in {w["candidate_id"] for w in winners(campaign.results, with_tied=True)}:
        raise NotAWinner()
    already = db.session.scalar(
        db.select(Objection.id).where(
            Objection.objector_id == person_id, Objection.open_key == candidate_id
        )
    )
    if already is not None:
        raise ObjectionExists()


def objection_for_committee(objection_id: int, principal: Principal) -> Objection:
    """An objection to a campaign of the committee member's mine; 404 otherwise."""
    objection = db.session.get(Objection, objection_id)
    if objection is None:
        raise ObjectionNotFound()
    campaign = db.session.get(Campaign, objection.campaign_id)
    if campaign.mine_id not in principal.committee_of:
        raise ObjectionNotFound()
    return objection


def answer_objection(
    objection_id: int, principal: Principal, upheld: bool, reason: str
) -> Objection:
    """Answer an open objection: upheld removes the winner (the next candidate moves up),
    dismissed keeps them; the objector is told."""
    principal.require("committee")
    objection = objection_for_committee(objection_id, principal)
    campaign = db.session.get(Campaign, objection.campaign_id)
    campaigns._lock(campaign)
    if campaign.status != "notice":
        raise InvalidTransition("公示已结束，不能再答复异议")
    now = clock.now()
    done = db.session.execute(
        db.update(Objection)
        .where(Objection.id == objection.id, Objection.status == "open")
        .values(
            status="upheld" if upheld else "dismissed",
            open_key=None,
            answer=reason,
            answered_by_id=principal.person_id,
            answered_at=now,
        )
        .execution_options(synchronize_session=False)
    )
    if done.rowcount != 1:
        raise InvalidTransition("该异议已答复")
    db.session.refresh(objection)
    if upheld:
        results = dict(campaign.results or {})
        for category in results.get("categories", []):
            for entry in category["entries"]:
                if entry["candidate_id"] == objection.candidate_id:
                    entry["removed"] = True
                    entry["removed_reason"] = reason
        campaign.results = honour(results, campaigns.quotas_of(campaign), campaign.tie_rule)
    candidate = db.session.get(Candidate, objection.candidate_id)
    campaigns.audit(
        campaign,
        principal,
        "answer_objection",
        {"objection_id": objection.id, "upheld": upheld, "reason": reason},
    )
    notify(
        objection.objector_id,
        "objection_answered",
        {
            "title": campaign.title,
            "candidate": candidate.person.name,
            "result": "异议成立" if upheld else "异议不成立",
            "reason": reason,
            "at": now.astimezone(clock.SHANGHAI).strftime("%Y-%m-%d %H:%M"),
        },
        page=OBJECTION_PAGE,
    )
    return objection


def objections_of_campaign(campaign: Campaign) -> list[dict[str, Any]]:
    """Every objection of a campaign, with the objector named (committee only)."""
    cand_person = db.aliased(Person)
    rows = db.session.execute(
        db.select(Objection, Person, cand_person.name)
        .join(Person, Person.id == Objection.objector_id)
        .join(Candidate, Candidate.id == Objection.candidate_id)
        .join(cand_person, cand_person.id == Candidate.person_id)
        .where(Objection.campaign_id == campaign.id)
        .order_by(Objection.id)
    ).all()
    return [
        {
            **objection_for_objector(o),
            "candidate_name": name,
            "content_check": o.content_check,
            "objector": {"id": p.id, "employee_no": p.employee_no, "name": p.name},
        }
        for o, p, name in rows
    ]


def objection_for_objector(o: Objection) -> dict[str, Any]:
    """An objection as its author sees it (no one else's identity in it)."""
    return {
        "id": o.id,
        "campaign_id": o.campaign_id,
        "candidate_id": o.candidate_id,
        "reason": o.reason,
        "status": o.status,
        "answer": o.answer,
        "answered_at": o.answered_at,
        "created_at": o.created_at,
    }


def my_objections(principal: Principal) -> Any:
    """The select statement of the caller's objections, newest first."""
    person = principal.require_bound()
    return (
        db.select(Objection).where(Objection.objector_id == person.id).order_by(Objection.id.desc())
    )
