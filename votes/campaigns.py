"""Campaigns: the committee's set-up and status changes, and what voters may see of them."""

from __future__ import annotations

import copy
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from accounts.principal import Principal
from domain_errors import DomainError, InvalidInput
from models import Campaign, CampaignAudit, Candidate, Person, db
from models.votes import CATEGORY_KEYS, CATEGORY_NAMES, LiveMark
from votes import clock, live
from votes.errors import (
    CampaignLocked,
    CampaignNotFound,
    CandidateExists,
    CandidateNotFound,
    CategoryNotInCampaign,
    InvalidCampaign,
    InvalidTransition,
    NoCandidates,
    NoticePending,
    NoTieToDecide,
    NotPartyMember,
    TiePickInvalid,
    TieUndecided,
)

DEFAULT_RULES = {
    "per_candidate_per_day": 1,
    "per_category_per_day": 3,
    "hide_tallies": False,
    "revote_other_days": True,
    "remind_non_voters": False,
    "tie_rule": "committee",
    "allow_self_vote": False,
}
DEFAULT_QUOTA = 1
# Seen by the committee only: the set-up and the branches' nomination window (推荐).
HIDDEN_STATUSES = ("draft", "nominating")
NOTICE_DAYS = (1, 30)
DEFAULT_WEIGHTS = {"votes": 0.5, "points": 0.5}
# Fields the committee may still change once voting has started.
EDITABLE_WHILE_LIVE = {
    "title",
    "description",
    "ends_at",
    "hide_tallies",
    "remind_non_voters",
    "tie_rule",
    "quotas",
    "notice_days",
}


# Called with the campaign inside the publishing transaction, after its status is "published":
# what other domains derive from published results (the honour roll) registers here at init, so
# votes never imports them.
_ON_PUBLISH: list[Callable[[Campaign], None]] = []


def on_publish(fn: Callable[[Campaign], None]) -> None:
    """Register a function to run when a campaign's results are published (idempotent)."""
    if fn not in _ON_PUBLISH:
        _ON_PUBLISH.append(fn)


def audit(campaign: Campaign, principal: Principal | None, action: str, detail: Any = None) -> None:
    db.session.add(
        CampaignAudit(
            campaign_id=campaign.id,
            actor_id=principal.person_id if principal else None,
            action=action,
            detail=detail,
        )
    )


def visible_campaign(campaign_id: int, principal: Principal) -> Campaign:
    """A campaign of the caller's mine; drafts only for the committee; 404 otherwise."""
    campaign = db.session.get(Campaign, campaign_id)
    person = principal.require_bound()
    if campaign is None or campaign.mine_id != person.mine_id:
        raise CampaignNotFound()
    if campaign.status in HIDDEN_STATUSES and campaign.mine_id not in principal.committee_of:
        raise CampaignNotFound()
    return campaign


@dataclass(frozen=True)
class BoardState:
    """What a leaderboard read needs of the campaign row (not the whole row: it is read on
    every refresh)."""

    id: int
    mine_id: int
    status: str
    hide_tallies: bool
    tallies_stale: bool
    config_version: int


_BOARD_STATE = db.select(
    Campaign.id,
    Campaign.mine_id,
    Campaign.status,
    Campaign.hide_tallies,
    Campaign.tallies_stale.label("tallies_stale"),
    Campaign.config_version,
).where(Campaign.id == db.bindparam("campaign_id"))


# The board states this process read, campaign id -> (monotonic time read, state or None when
# there is no such campaign). A leaderboard is polled by every open page: see board_state().
_board_states: dict[int, tuple[float, BoardState | None]] = {}


def board_state(campaign_id: int, max_age: float = 0.0) -> BoardState | None:
    """The campaign's board state as the database last said, at most `max_age` seconds old in
    this process (0: read now). Readers compare it with the config version Redis holds, so a
    committee change pushed to Redis is seen at once; only one whose push failed (Redis behind
    the database) or a stale mark set while Redis was unreachable waits out `max_age`."""
    now = time.monotonic()
    cached = _board_states.get(campaign_id)
    if cached is not None and now - cached[0] < max_age:
        return cached[1]
    row = db.session.connection().execute(_BOARD_STATE, {"campaign_id": campaign_id}).first()
    state = (
        None
        if row is None
        else BoardState(
            row.id,
            row.mine_id,
            row.status,
            bool(row.hide_tallies),
            bool(row.tallies_stale),
            int(row.config_version or 0),
        )
    )
    if len(_board_states) > 1000:  # campaigns are few; never let a scan of ids grow it
        _board_states.clear()
    _board_states[campaign_id] = (now, state)
    return state


def forget_board_state(campaign_id: int | None = None) -> None:
    """Drop this process's copy (one campaign's, or all)."""
    if campaign_id is None:
        _board_states.clear()
    else:
        _board_states.pop(campaign_id, None)


def visible_board_state(campaign_id: int, principal: Principal, max_age: float = 0.0) -> BoardState:
    """visible_campaign's answer (404 the same way) for a leaderboard read, in one Core query
    (or none, within `max_age`: board_state)."""
    person = principal.require_view()
    state = board_state(campaign_id, max_age)
    if state is None or state.mine_id != person.mine_id:
        raise CampaignNotFound()
    if state.status in HIDDEN_STATUSES and state.mine_id not in principal.committee_of:
        raise CampaignNotFound()
    return state


def managed_campaign(campaign_id: int, principal: Principal, *, lock: bool = False) -> Campaign:
    """A campaign the caller runs (committee of its mine); 404 otherwise."""
    stmt = db.select(Campaign).where(Campaign.id == campaign_id)
    if lock:
        stmt = stmt.with_for_update()
    campaign = db.session.scalar(stmt)
    if campaign is None or campaign.mine_id not in principal.committee_of:
        raise CampaignNotFound()
    return campaign


def list_campaigns(principal: Principal) -> Any:
    """The select statement of campaigns the caller may see, newest first."""
    person = principal.require_bound()
    stmt = db.select(Campaign).where(Campaign.mine_id == person.mine_id)
    if person.mine_id not in principal.committee_of:
        stmt = stmt.where(Campaign.status.not_in(HIDDEN_STATUSES))
    return stmt.order_by(Campaign.starts_at.desc(), Campaign.id.desc())


def _validate(values: dict[str, Any]) -> None:
    errors: dict[str, list[str]] = {}
    starts, ends = values.get("starts_at"), values.get("ends_at")
    if starts is not None and ends is not None and ends <= starts:
        errors["ends_at"] = ["结束时间必须晚于开始时间"]
    cats = values.get("categories")
    if cats is not None:
        if not cats or any(c not in CATEGORY_KEYS for c in cats) or len(set(cats)) != len(cats):
            errors["categories"] = ["请从六个类别中选择，不可重复"]
    if values.get("weight_votes", 0) + values.get("weight_points", 0) <= 0 and (
        "weight_votes" in values or "weight_points" in values
    ):
        errors["weights"] = ["票数与积分的权重不能都为 0"]
    quotas = values.get("quotas")
    if quotas is not None:
        allowed = set(values.get("categories") or CATEGORY_KEYS)
        if any(k not in allowed or not 1 <= int(n) <= 100 for k, n in quotas.items()):
            errors["quotas"] = ["名额须为本次评选的类别，每类 1 至 100 名"]
    if errors:  # rules across fields, which no schema states: a reason of their own
        raise InvalidCampaign(errors=errors)


def _flatten(data: dict[str, Any]) -> dict[str, Any]:
    """API shape (rules{}, weights{}) to column values."""
    values = {k: v for k, v in data.items() if k not in ("rules", "weights")}
    values.update(data.get("rules") or {})
    weights = data.get("weights") or {}
    if "votes" in weights:
        values["weight_votes"] = weights["votes"]
    if "points" in weights:
        values["weight_points"] = weights["points"]
    return values


def create_campaign(principal: Principal, data: dict[str, Any]) -> Campaign:
    """A new draft campaign of the committee member's mine."""
    person = principal.require("committee")
    values = {
        **DEFAULT_RULES,
        "weight_votes": DEFAULT_WEIGHTS["votes"],
        "weight_points": DEFAULT_WEIGHTS["points"],
        "categories": list(CATEGORY_KEYS),
        "quotas": {},
        **_flatten(data),
    }
    values["categories"] = list(dict.fromkeys(values["categories"]))
    _validate(values)
    campaign = Campaign(mine_id=person.mine_id, status="draft", created_by_id=person.id, **values)
    db.session.add(campaign)
    db.session.flush()
    db.session.add(LiveMark(campaign_id=campaign.id, stale=False, repairs=0))
    audit(campaign, principal, "create", {"title": campaign.title})
    return campaign


def update_campaign(campaign: Campaign, principal: Principal, data: dict[str, Any]) -> Campaign:
    """Edit a campaign: anything while a draft, only title/description/end/visibility/quotas
    later, nothing once 公示 has started."""
    values = _flatten(data)
    _lock(campaign)
    if campaign.status in ("notice", "published"):
        raise CampaignLocked("结果已公示或公布，不能再修改")
    if campaign.status not in HIDDEN_STATUSES:
        locked = set(values) - EDITABLE_WHILE_LIVE
        if locked:
            raise CampaignLocked(errors={k: ["投票开始后不能修改"] for k in sorted(locked)})
    if "categories" in values:
        used = {c.category for c in campaign.candidates}
        if used - set(values["categories"]):
            raise CampaignLocked("请先移除该类别的候选人", errors={"categories": sorted(used)})
    merged = {
        "starts_at": campaign.starts_at,
        "ends_at": campaign.ends_at,
        "weight_votes": campaign.weight_votes,
        "weight_points": campaign.weight_points,
        "categories": campaign.categories,
        **values,
    }
    if "quotas" in values or "categories" in values:
        merged["quotas"] = values.get("quotas", campaign.quotas or {})
    _validate(merged)
    for key, value in values.items():
        setattr(campaign, key, value)
    audit(campaign, principal, "edit", _jsonable(values))
    _changed(campaign)
    return campaign


def _jsonable(values: dict[str, Any]) -> dict[str, Any]:
    return {k: v.isoformat() if isinstance(v, datetime) else v for k, v in values.items()}


def add_candidate(
    campaign: Campaign, principal: Principal, employee_no: str, category: str, story: str
) -> Candidate:
    """Nominate a party member of the campaign's mine in one of its categories."""
    _lock(campaign)
    if campaign.status not in ("draft", "nominating", "open"):
        raise CampaignLocked("投票已结束，不能再添加候选人")
    if category not in campaign.categories:
        raise CategoryNotInCampaign(
            errors={"category": [f"可选：{', '.join(campaign.categories)}"]}
        )
    person = db.session.scalar(
        db.select(Person).where(
            Person.mine_id == campaign.mine_id, Person.employee_no == employee_no
        )
    )
    if person is None or person.left_at is not None:  # nobody who left the mine
        from accounts.errors import UnknownPerson

        raise UnknownPerson()
    if not person.is_party_member:
        raise NotPartyMember()
    exists = db.session.scalar(
        db.select(Candidate.id).where(
            Candidate.campaign_id == campaign.id,
            Candidate.person_id == person.id,
            Candidate.category == category,
        )
    )
    if exists is not None:
        raise CandidateExists()
    candidate = Candidate(
        campaign_id=campaign.id, person_id=person.id, category=category, story=story
    )
    db.session.add(candidate)
    db.session.flush()
    audit(
        campaign, principal, "add_candidate", {"candidate_id": candidate.id, "category": category}
    )
    _changed(campaign)
    return candidate


def campaign_candidate(campaign: Campaign, candidate_id: int) -> Candidate:
    candidate = db.session.get(Candidate, candidate_id)
    if candidate is None or candidate.campaign_id != campaign.id:
        raise CandidateNotFound()
    return candidate


def active_candidates(campaign_id: int, category: str | None = None) -> list[Candidate]:
    """The campaign's candidates that are not withdrawn, with person and unit loaded."""
    from models import Person

    stmt = (
        db.select(Candidate)
        .where(Candidate.campaign_id == campaign_id, Candidate.withdrawn_at.is_(None))
        .options(db.joinedload(Candidate.person).joinedload(Person.unit))
        .order_by(Candidate.id)
    )
    if category is not None:
        stmt = stmt.where(Candidate.category == category)
    return list(db.session.scalars(stmt))


def update_candidate(
    campaign: Campaign, candidate: Candidate, principal: Principal, story: str
) -> Candidate:
    """Edit a candidate's story (事迹)."""
    if campaign.status == "published":
        raise CampaignLocked("结果已公布，不能再修改")
    candidate.story = story
    audit(campaign, principal, "edit_candidate", {"candidate_id": candidate.id})
    return candidate


def remove_candidate(campaign: Campaign, candidate: Candidate, principal: Principal) -> None:
    """Remove a candidate before voting starts."""
    _lock(campaign)
    if campaign.status not in HIDDEN_STATUSES:
        raise CampaignLocked("投票开始后不能移除候选人")
    audit(campaign, principal, "remove_candidate", {"candidate_id": candidate.id})
    db.session.delete(candidate)
    db.session.flush()
    _changed(campaign)


def _lock(campaign: Campaign) -> None:
    """Take the campaign row FOR UPDATE: waits for every ballot transaction holding the gate's
    key-share lock, and holds new ones off until this change commits (votes/__init__.py)."""
    db.session.execute(
        db.select(Campaign.id).where(Campaign.id == campaign.id).with_for_update()
    ).all()
    db.session.refresh(campaign)


def _changed(campaign: Campaign) -> None:
    """A committee change Redis must learn: a new config version, pushed after the commit."""
    db.session.execute(
        db.update(Campaign)
        .where(Campaign.id == campaign.id)
        .values(config_version=Campaign.config_version + 1)
        .execution_options(synchronize_session=False)
    )
    live.push_after_commit(campaign.id)


def _transition(campaign: Campaign, sources: tuple[str, ...], target: str, **values: Any) -> None:
    """Move the status with a conditional UPDATE, so two racing clicks change it once."""
    done = db.session.execute(
        db.update(Campaign)
        .where(Campaign.id == campaign.id, Campaign.status.in_(sources))
        .values(status=target, **values)
        .execution_options(synchronize_session=False)
    )
    if done.rowcount != 1:
        raise InvalidTransition()
    _changed(campaign)
    db.session.refresh(campaign)


def open_campaign(campaign: Campaign, principal: Principal) -> Campaign:
    """Start (or resume) voting; it counts only between starts_at and ends_at."""
    _lock(campaign)
    if not active_candidates(campaign.id):
        raise NoCandidates()
    if campaign.ends_at <= clock.now():
        raise InvalidTransition("结束时间已过，请先修改结束时间")
    _transition(campaign, ("draft", "nominating", "closed"), "open", opened_at=clock.now())
    audit(campaign, principal, "open")
    return campaign


def close_campaign(campaign: Campaign, principal: Principal) -> Campaign:
    """Stop voting: once this commits no ballot is accepted, and every ballot accepted before
    it is committed (the gate)."""
    _lock(campaign)
    _transition(campaign, ("open",), "closed", closed_at=clock.now())
    audit(campaign, principal, "close")
    return campaign


def start_notice(campaign: Campaign, principal: Principal, days: int | None = None) -> Campaign:
    """Start 公示 after close: the results are computed and frozen now, and the provisional
    winners (名额 per category) are shown to every bound employee of the mine for `days`."""
    from votes.results import compute_results, honour

    _lock(campaign)
    days = days or campaign.notice_days or 5
    if not NOTICE_DAYS[0] <= days <= NOTICE_DAYS[1]:
        raise InvalidInput(errors={"days": [f"公示期为 {NOTICE_DAYS[0]} 至 {NOTICE_DAYS[1]} 天"]})
    if campaign.status != "closed":
        raise InvalidTransition("请先结束投票再开始公示")
    now = clock.now()
    results = honour(
        compute_results(campaign, frozen_at=now), quotas_of(campaign), campaign.tie_rule
    )
    _transition(
        campaign,
        ("closed",),
        "notice",
        notice_starts_at=now,
        notice_ends_at=now + timedelta(days=days),
        notice_days=days,
        results=results,
    )
    audit(campaign, principal, "notice", {"days": days})
    return campaign


def publish_blocker(campaign: Campaign, now: datetime | None = None) -> DomainError | None:
    """Why the results cannot be published now (the error publishing would raise), or None:
    the console greys its button out with the same words."""
    from models import Objection
    from votes.results import undecided_ties

    if campaign.status == "closed":
        return NoticePending("请先进行评选结果公示")
    if campaign.status != "notice":
        return InvalidTransition()
    if campaign.notice_ends_at is not None and (now or clock.now()) < campaign.notice_ends_at:
        return NoticePending("公示期尚未结束")
    open_objections = db.session.scalar(
        db.select(db.func.count())
        .select_from(Objection)
        .where(Objection.campaign_id == campaign.id, Objection.status == "open")
    )
    if open_objections:
        return NoticePending(f"还有 {open_objections} 条异议未答复")
    undecided = undecided_ties(campaign.results)
    if undecided:
        names = "、".join(CATEGORY_NAMES.get(k, k) for k in undecided)
        return TieUndecided(f"{names}名额末位并列，请评选委员会先决定并填写理由")
    return None


def publish_campaign(campaign: Campaign, principal: Principal) -> Campaign:
    """Publish the results frozen at 公示, once the period has ended and every objection is
    answered (409 notice_pending otherwise)."""
    _lock(campaign)
    now = clock.now()
    blocker = publish_blocker(campaign, now)
    if blocker is not None:
        raise blocker
    _transition(campaign, ("notice",), "published", published_at=now)
    audit(campaign, principal, "publish")
    for fn in _ON_PUBLISH:
        fn(campaign)
    return campaign


def decide_tie(
    campaign: Campaign, principal: Principal, category: str, chosen: list[int], reason: str
) -> Campaign:
    """The committee decides a tie at the 名额 boundary during 公示 (tie rule "committee"):
    which of the tied candidates take the places left, with a reason kept in the results, the
    export and the audit. Decided again, the later decision replaces the earlier one."""
    from votes.results import honour

    _lock(campaign)
    person = principal.require("committee")
    if campaign.status != "notice":
        raise InvalidTransition("只能在公示期间决定并列名次")
    why = (reason or "").strip()
    if not why:
        raise InvalidInput(errors={"reason": ["请填写决定理由"]})
    results = copy.deepcopy(campaign.results or {})
    group = next((c for c in results.get("categories", []) if c["key"] == category), None)
    tie = (group or {}).get("tie")
    if not tie or tie["rule"] != "committee":
        raise NoTieToDecide()
    picked = sorted(set(chosen))
    if len(picked) != tie["places"] or not set(picked) <= set(tie["candidates"]):
        raise TiePickInvalid(
            message=f"请从并列的候选人中选出 {tie['places']} 人",
            errors={"candidate_ids": [f"请从并列的候选人中选出 {tie['places']} 人"]},
        )
    tie["decision"] = {
        "chosen": picked,
        "reason": why[:255],
        "by_id": person.id,
        "by": person.name,
        "at": clock.now().isoformat(),
    }
    campaign.results = honour(results, quotas_of(campaign), campaign.tie_rule)
    audit(
        campaign, principal, "decide_tie", {"category": category, "chosen": picked, "reason": why}
    )
    return campaign


def withdraw_person(person_id: int, reason: str) -> int:
    """Withdraw a person's candidacies in every campaign not yet in 公示 or published (they
    left the mine): no longer shown, voted for or honoured; their ballots stay on record.

    Runs in the caller's transaction; Redis learns it after that commits. Returns how many
    candidacies were withdrawn."""
    rows = withdrawable_candidacies(person_id)
    now = clock.now()
    withdrawn = 0
    for candidate in rows:
        campaign = candidate.campaign
        _lock(campaign)  # waits for ballots in flight; re-read the status under the lock
        if campaign.status not in ("draft", "nominating", "open", "closed"):
            continue
        candidate.withdrawn_at = now
        candidate.withdraw_reason = reason[:255]
        audit(
            campaign, None, "withdraw_candidate", {"candidate_id": candidate.id, "reason": reason}
        )
        _changed(campaign)
        withdrawn += 1
    db.session.flush()
    return withdrawn


def withdrawable_candidacies(person_id: int) -> list[Candidate]:
    """A person's candidacies still standing in campaigns not yet in 公示 or published."""
    return list(
        db.session.scalars(
            db.select(Candidate)
            .join(Campaign, Campaign.id == Candidate.campaign_id)
            .where(
                Candidate.person_id == person_id,
                Candidate.withdrawn_at.is_(None),
                Campaign.status.in_(("draft", "nominating", "open", "closed")),
            )
            .order_by(Candidate.campaign_id)
        )
    )


def quotas_of(campaign: Campaign) -> dict[str, int]:
    """名额 per category: how many are honoured (DEFAULT_QUOTA where the committee set none)."""
    set_ = campaign.quotas or {}
    return {k: int(set_.get(k, DEFAULT_QUOTA)) for k in campaign.categories}


def category_list(campaign: Campaign) -> list[dict[str, str]]:
    return [{"key": k, "name": CATEGORY_NAMES[k]} for k in campaign.categories]


def rules_of(campaign: Campaign) -> dict[str, Any]:
    return {
        "per_candidate_per_day": campaign.per_candidate_per_day,
        "per_category_per_day": campaign.per_category_per_day,
        "hide_tallies": campaign.hide_tallies,
        "revote_other_days": campaign.revote_other_days,
        "remind_non_voters": campaign.remind_non_voters,
        "tie_rule": campaign.tie_rule,
        "allow_self_vote": bool(campaign.allow_self_vote),
    }


def weights_of(campaign: Campaign) -> dict[str, float]:
    return {"votes": campaign.weight_votes, "points": campaign.weight_points}


def tallies_visible(status: str, hide: bool, principal: Principal, mine_id: int) -> bool:
    """Hidden tallies stay hidden from voters until voting closes; the committee always sees."""
    if not hide or status in ("closed", "notice", "published"):
        return True
    return mine_id in principal.committee_of
