"""Nominations (推荐): during a campaign's nomination window the branch secretaries nominate
party members of their branch to a category, with the story (事迹, content-checked) and a photo;
the committee accepts a nomination into the candidate list or declines it with a reason the
secretary sees. One live nomination per person per category per campaign (a unique constraint);
a branch may be capped; the nominee is told.

The window is the campaign status "nominating" (draft → nominating → open), with its end date;
every nomination write takes the campaign row FOR UPDATE, so the per-branch cap and the window
hold against racing secretaries, and the unique constraint is the last line for the rest."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from accounts.principal import Principal
from media import content_check
from models import Branch, Campaign, Candidate, Nomination, Person, db
from models.unit_of_work import insert_once
from models.votes import CATEGORY_NAMES
from notifications import notify
from votes import campaigns, clock
from votes.errors import (
    CampaignNotFound,
    CandidateExists,
    CategoryNotInCampaign,
    DeclineReasonRequired,
    InvalidNominationWindow,
    InvalidTransition,
    NominationCapReached,
    NominationDecided,
    NominationExists,
    NominationNotFound,
    NominationsClosed,
    NomineeLeft,
    NotPartyMember,
    NotYourBranch,
)
from votes.share import photo_url_of

NOMINATION_PAGE = "pages/vote/nominations"
# Statuses that count against the branch's cap (withdrawn ones free their place).
LIVE = ("pending", "accepted", "declined")


def open_window(
    campaign: Campaign, principal: Principal, ends_at: datetime, cap: int | None
) -> Campaign:
    """Start the nomination window of a draft campaign (or move its end / cap while it runs)."""
    principal.require("committee")
    campaigns._lock(campaign)
    now = clock.now()
    if not now < ends_at <= campaign.ends_at:
        raise InvalidNominationWindow(errors={"ends_at": [InvalidNominationWindow.message]})
    if campaign.status == "draft":
        campaigns._transition(
            campaign,
            ("draft",),
            "nominating",
            nominations_start_at=now,
            nominations_end_at=ends_at,
            nomination_cap=cap,
        )
    elif campaign.status == "nominating":
        campaign.nominations_end_at = ends_at
        campaign.nomination_cap = cap
    else:
        raise InvalidTransition("只有草稿或推荐中的评选可以设置推荐时间")
    campaigns.audit(
        campaign, principal, "nominations", {"ends_at": ends_at.isoformat(), "cap": cap}
    )
    return campaign


def window_open(campaign: Campaign, now: datetime | None = None) -> bool:
    now = now or clock.now()
    return (
        campaign.status == "nominating"
        and campaign.nominations_end_at is not None
        and now < campaign.nominations_end_at
    )


def nominating_campaigns(principal: Principal) -> list[Campaign]:
    """The caller's mine's campaigns in their nomination window (for secretaries)."""
    person = principal.require("secretary", "committee")
    return list(
        db.session.scalars(
            db.select(Campaign)
            .where(Campaign.mine_id == person.mine_id, Campaign.status == "nominating")
            .order_by(Campaign.id.desc())
        )
    )


def _campaign_for_nominator(campaign_id: int, principal: Principal) -> Campaign:
    person = principal.require("secretary", "committee")
    campaign = db.session.get(Campaign, campaign_id)
    if campaign is None or campaign.mine_id != person.mine_id or campaign.status == "draft":
        raise CampaignNotFound()
    return campaign


def nominate(
    campaign_id: int,
    principal: Principal,
    person_id: int,
    category: str,
    story: str,
) -> Nomination:
    """A secretary nominates a party member of their branch, or of a 区队 their branch covers
    (content-checked story); the nomination counts for that branch."""
    secretary = principal.require("secretary")
    campaign = _campaign_for_nominator(campaign_id, principal)
    nominee = db.session.get(Person, person_id)
    _check_nominee(campaign, principal, nominee, category)
    # WeChat's check before any row lock is taken (a slow answer must not hold the campaign).
    verdict = content_check.require_publishable(secretary.id, story)
    campaigns._lock(campaign)
    if not window_open(campaign):
        raise NominationsClosed()
    _check_nominee(campaign, principal, nominee, category)
    branch_id = nominating_branch(principal, nominee)
    _check_cap(campaign, branch_id)
    nomination = Nomination(
        campaign_id=campaign.id,
        person_id=nominee.id,
        category=category,
        branch_id=branch_id,
        unit_id=nominee.unit_id,
        nominated_by_id=secretary.id,
        story=story,
        content_check=verdict,
        status="pending",
        live_key=1,
    )
    if not insert_once(nomination):
        raise NominationExists()
    campaigns.audit(
        campaign,
        principal,
        "nominate",
        {"nomination_id": nomination.id, "person_id": nominee.id, "category": category},
    )
    notify(
        nominee.id,
        "nominated",
        {
            "campaign": campaign.title,
            "category": CATEGORY_NAMES[category],
            "name": secretary.name,
        },
        NOMINATION_PAGE,
    )
    return nomination


def _check_nominee(
    campaign: Campaign, principal: Principal, nominee: Person | None, category: str
) -> None:
    """The nominee's rules: in this mine, still here, a party member, of the secretary's branch,
    in a category of the campaign, not nominated or standing there already."""
    if not window_open(campaign):
        raise NominationsClosed()
    if category not in campaign.categories:
        raise CategoryNotInCampaign(
            errors={"category": [f"可选：{', '.join(campaign.categories)}"]}
        )
    if nominee is None or nominee.mine_id != campaign.mine_id:
        from accounts.errors import UnknownPerson

        raise UnknownPerson()
    if nominee.left_at is not None:
        raise NomineeLeft()
    if not nominee.is_party_member:
        raise NotPartyMember()
    if nominating_branch(principal, nominee) is None:
        raise NotYourBranch()
    taken = db.session.scalar(
        db.select(Nomination.id).where(
            Nomination.campaign_id == campaign.id,
            Nomination.person_id == nominee.id,
            Nomination.category == category,
            Nomination.live_key.is_not(None),
        )
    )
    if taken is not None:
        raise NominationExists()
    standing = db.session.scalar(
        db.select(Candidate.id).where(
            Candidate.campaign_id == campaign.id,
            Candidate.person_id == nominee.id,
            Candidate.category == category,
        )
    )
    if standing is not None:
        raise CandidateExists()


def nominating_branch(principal: Principal, nominee: Person) -> int | None:
    """The caller's branch that may nominate this member: the member's own branch, or the
    branch of the 区队 they work in (a member may also be nominated where they work)."""
    mine = set(principal.secretary_of or [])
    unit_branch = nominee.unit.branch_id if nominee.unit else None
    for branch_id in (nominee.branch_id, unit_branch):
        if branch_id is not None and branch_id in mine:
            return branch_id
    return None


def _check_cap(campaign: Campaign, branch_id: int | None) -> None:
    if campaign.nomination_cap is None:
        return
    used = db.session.scalar(
        db.select(db.func.count())
        .select_from(Nomination)
        .where(
            Nomination.campaign_id == campaign.id,
            Nomination.branch_id == branch_id,
            Nomination.status.in_(LIVE),
        )
    )
    if used >= campaign.nomination_cap:
        raise NominationCapReached(f"本支部最多推荐 {campaign.nomination_cap} 人次，名额已用完")


def nomination_for(nomination_id: int, principal: Principal) -> Nomination:
    """A nomination the caller may see: the committee of its mine, the secretaries of its
    branch; 404 otherwise."""
    person = principal.require_bound()
    nomination = db.session.get(Nomination, nomination_id)
    if nomination is None:
        raise NominationNotFound()
    campaign = nomination.campaign
    if campaign.mine_id != person.mine_id:
        raise NominationNotFound()
    if campaign.mine_id in principal.committee_of or nomination.branch_id in (
        principal.secretary_of or []
    ):
        return nomination
    raise NominationNotFound()


def withdraw(nomination_id: int, principal: Principal) -> Nomination:
    """The branch's secretary withdraws a pending nomination before the window ends."""
    principal.require("secretary")
    nomination = nomination_for(nomination_id, principal)
    if nomination.branch_id not in principal.secretary_of:
        raise NominationNotFound()
    campaign = nomination.campaign
    campaigns._lock(campaign)
    db.session.refresh(nomination)
    if nomination.status != "pending":
        raise NominationDecided()
    if not window_open(campaign):
        raise NominationsClosed("推荐已截止，不能再撤回")
    nomination.status = "withdrawn"
    nomination.live_key = None
    nomination.withdrawn_at = clock.now()
    campaigns.audit(campaign, principal, "withdraw_nomination", {"nomination_id": nomination.id})
    return nomination


def set_photo(nomination: Nomination, principal: Principal, name: str) -> Nomination:
    """A pending nomination's photo (a stored, image-checked candidate photo's name)."""
    if nomination.branch_id not in principal.secretary_of:
        raise NominationNotFound()
    if nomination.status != "pending":
        raise NominationDecided()
    nomination.photo = name
    return nomination


def review(
    nomination_id: int, principal: Principal, accept: bool, reason: str | None
) -> Nomination:
    """The committee accepts a pending nomination (it becomes a candidate with its story and
    photo) or declines it with a reason the secretary sees."""
    committee = principal.require("committee")
    nomination = nomination_for(nomination_id, principal)
    if nomination.campaign.mine_id not in principal.committee_of:
        raise NominationNotFound()
    campaign = nomination.campaign
    campaigns._lock(campaign)
    db.session.refresh(nomination)
    if nomination.status != "pending":
        raise NominationDecided()
    why = (reason or "").strip()
    if not accept and not why:
        # A rule across fields, which no schema states: a reason of its own.
        raise DeclineReasonRequired(errors={"reason": [DeclineReasonRequired.message]})
    if accept:
        nominee = nomination.person
        if nominee.left_at is not None:
            raise NomineeLeft()
        candidate = campaigns.add_candidate(
            campaign, principal, nominee.employee_no, nomination.category, nomination.story
        )
        candidate.photo = nomination.photo
        nomination.candidate_id = candidate.id
        nomination.status = "accepted"
    else:
        nomination.status = "declined"
        nomination.decline_reason = why[:255]
    nomination.decided_by_id = committee.id
    nomination.decided_at = clock.now()
    campaigns.audit(
        campaign,
        principal,
        "review_nomination",
        {"nomination_id": nomination.id, "accept": accept, "reason": why or None},
    )
    told = {
        "campaign": campaign.title,
        "category": CATEGORY_NAMES[nomination.category],
        "name": nomination.person.name,
        "result": "已采纳" if accept else "未采纳",
        "reason": why,
    }
    for person_id in dict.fromkeys((nomination.person_id, nomination.nominated_by_id)):
        notify(person_id, "nomination_reviewed", told, NOMINATION_PAGE)
    return nomination


def nominations_of(campaign_id: int, principal: Principal, status: str | None = None) -> Any:
    """The campaign's nominations the caller may see (the committee: all; a secretary: their
    branches'), newest first: the select statement."""
    person = principal.require("secretary", "committee")
    campaign = db.session.get(Campaign, campaign_id)
    if campaign is None or campaign.mine_id != person.mine_id:
        raise CampaignNotFound()
    if campaign.status == "draft" and campaign.mine_id not in principal.committee_of:
        raise CampaignNotFound()
    stmt = (
        db.select(Nomination)
        .where(Nomination.campaign_id == campaign.id)
        .options(db.joinedload(Nomination.person).joinedload(Person.unit))
        .order_by(Nomination.id.desc())
    )
    if campaign.mine_id not in principal.committee_of:
        stmt = stmt.where(Nomination.branch_id.in_(principal.secretary_of or [-1]))
    if status:
        stmt = stmt.where(Nomination.status == status)
    return stmt


def branch_counts(campaign: Campaign) -> list[dict[str, Any]]:
    """Per branch: nominated (not withdrawn), accepted, declined, pending; with the cap."""
    rows = db.session.execute(
        db.select(Nomination.branch_id, Nomination.status, db.func.count())
        .where(Nomination.campaign_id == campaign.id)
        .group_by(Nomination.branch_id, Nomination.status)
    ).all()
    names = dict(
        db.session.execute(
            db.select(Branch.id, Branch.name).where(Branch.mine_id == campaign.mine_id)
        ).all()
    )
    out: dict[int, dict[str, Any]] = {}
    for branch_id, status, n in rows:
        entry = out.setdefault(
            branch_id,
            {
                "branch_id": branch_id,
                "branch": names.get(branch_id, ""),
                "nominated": 0,
                "pending": 0,
                "accepted": 0,
                "declined": 0,
                "withdrawn": 0,
            },
        )
        entry[status] = n
        if status in LIVE:
            entry["nominated"] += n
    for entry in out.values():
        entry["cap"] = campaign.nomination_cap
    return sorted(out.values(), key=lambda e: (-e["nominated"], e["branch"]))


def nomination_out(n: Nomination) -> dict[str, Any]:
    """A nomination as the API and console show it (never a phone number)."""
    person = n.person
    return {
        "id": n.id,
        "campaign_id": n.campaign_id,
        "person_id": n.person_id,
        "name": person.name,
        "employee_no": person.employee_no,
        "unit": person.unit.name if person.unit else "",
        "branch_id": n.branch_id,
        "category": n.category,
        "category_name": CATEGORY_NAMES.get(n.category, n.category),
        "story": n.story,
        "photo_url": photo_url_of(n.photo),
        "status": n.status,
        "decline_reason": n.decline_reason,
        "candidate_id": n.candidate_id,
        "created_at": n.created_at,
        "decided_at": n.decided_at,
    }
