"""What the committee's pages read about campaigns: the filtered list, valid ballots per
campaign, candidates, party members to nominate, photos named in the audit, the mine's counts and
the answered objections. Plain arguments in, selects or rows out."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select
from sqlalchemy.orm import joinedload

from accounts.principal import Principal
from inputs import contains
from models import Ballot, Campaign, CampaignAudit, Candidate, Objection, Person, db
from models.people import PARTY_STATUSES
from votes import campaigns


def campaign_list(principal: Principal, status: str = "", q: str = "") -> Select:
    """The campaigns the caller may see, of one status and with `q` in the title if given."""
    stmt = campaigns.list_campaigns(principal)
    if status:
        stmt = stmt.where(Campaign.status == status)
    if q:
        stmt = stmt.where(contains(Campaign.title, q))
    return stmt


def valid_ballots(campaign_ids: list[int]) -> dict[int, int]:
    """campaign id → how many ballots count (not voided)."""
    return dict(
        db.session.execute(
            db.select(Ballot.campaign_id, db.func.count())
            .where(Ballot.campaign_id.in_(campaign_ids or [0]), Ballot.voided_at.is_(None))
            .group_by(Ballot.campaign_id)
        ).all()
    )


def candidates_of(campaign_id: int) -> list[Candidate]:
    """The campaign's candidates by category, with their person and unit loaded."""
    return list(
        db.session.scalars(
            db.select(Candidate)
            .where(Candidate.campaign_id == campaign_id)
            .options(joinedload(Candidate.person).joinedload(Person.unit))
            .order_by(Candidate.category, Candidate.id)
        ).all()
    )


def campaign(campaign_id: int) -> Campaign | None:
    """A campaign by id (the caller has checked who may see it)."""
    return db.session.get(Campaign, campaign_id)


def party_members(mine_id: int, q: str = "", limit: int = 20) -> list[Person]:
    """Party members of the mine whose name or employee number holds `q`, for a picker."""
    stmt = (
        db.select(Person)
        .where(Person.mine_id == mine_id, Person.political_status.in_(PARTY_STATUSES))
        .options(joinedload(Person.unit))
        .order_by(Person.employee_no)
        .limit(limit)
    )
    if q:
        stmt = stmt.where(contains(Person.name, q) | contains(Person.employee_no, q))
    return list(db.session.scalars(stmt))


def audited_photos(campaign_id: int) -> dict[int, str]:
    """candidate id → the last photo the audit names for them (a withdrawn one included)."""
    names: dict[int, str] = {}
    for detail in db.session.scalars(
        db.select(CampaignAudit.detail)
        .where(CampaignAudit.campaign_id == campaign_id, CampaignAudit.action == "photo")
        .order_by(CampaignAudit.id)
    ):
        if isinstance(detail, dict) and detail.get("photo"):
            names[int(detail["candidate_id"])] = str(detail["photo"])
    return names


def status_counts(mine_id: int) -> dict[str, int]:
    """status → how many campaigns of the mine."""
    return dict(
        db.session.execute(
            db.select(Campaign.status, db.func.count())
            .where(Campaign.mine_id == mine_id)
            .group_by(Campaign.status)
        ).all()
    )


def running(mine_id: int, limit: int = 5) -> list[Campaign]:
    """Campaigns of the mine that are open or closed (not yet in 公示), soonest end first."""
    return list(
        db.session.scalars(
            db.select(Campaign)
            .where(Campaign.mine_id == mine_id, Campaign.status.in_(("open", "closed")))
            .order_by(Campaign.ends_at)
            .limit(limit)
        ).all()
    )


def answered_objections(mine_id: int, status: str = "", q: str = "") -> Select:
    """Rows (objection, campaign title, nominee's name, objector, answerer) of the mine's
    answered objections, of one outcome and matching `q` if given."""
    objector, answerer, nominee = (db.aliased(Person) for _ in range(3))
    stmt: Any = (
        db.select(Objection, Campaign.title, nominee.name, objector, answerer)
        .join(Campaign, Campaign.id == Objection.campaign_id)
        .join(Candidate, Candidate.id == Objection.candidate_id)
        .join(nominee, nominee.id == Candidate.person_id)
        .join(objector, objector.id == Objection.objector_id)
        .outerjoin(answerer, answerer.id == Objection.answered_by_id)
        .where(Campaign.mine_id == mine_id, Objection.answered_at.is_not(None))
    )
    if status:
        stmt = stmt.where(Objection.status == status)
    if q:
        stmt = stmt.where(
            contains(nominee.name, q) | contains(answerer.name, q) | contains(Campaign.title, q)
        )
    return stmt


def live_repairs(campaign_id: int) -> dict[str, Any]:
    """The reconciler's record of a campaign: {count, last_at, note} (the console's
    "自动校正 N 次")."""
    from models.votes import LiveMark

    mark = db.session.get(LiveMark, campaign_id)
    if mark is None:
        return {"count": 0, "last_at": None, "note": None}
    return {"count": mark.repairs, "last_at": mark.last_repair_at, "note": mark.last_repair_note}


# -- 待办 counts (registered with notifications.todo in votes.init_app) --------------------------


def objections_to_answer_count(principal: Principal, now: Any) -> int | None:
    """Open objections in the campaigns of the committee member's mines (None: not committee)."""
    if not principal.committee_of:
        return None
    return int(
        db.session.scalar(
            db.select(db.func.count())
            .select_from(Objection)
            .join(Campaign, Campaign.id == Objection.campaign_id)
            .where(Campaign.mine_id.in_(principal.committee_of), Objection.status == "open")
        )
        or 0
    )


def nominations_of(campaign_id: int) -> list[Any]:
    """A campaign's nominations, withdrawn ones last, newest first, with nominee and unit."""
    from models import Nomination

    return list(
        db.session.scalars(
            db.select(Nomination)
            .where(Nomination.campaign_id == campaign_id)
            .options(joinedload(Nomination.person).joinedload(Person.unit))
            .order_by((Nomination.status == "withdrawn"), Nomination.id.desc())
        )
    )


def turnout(mine_id: int, limit: int = 12) -> list[dict[str, Any]]:
    """Voting turnout of the mine's latest campaigns that opened (not drafts), oldest first:
    the people who cast a ballot that stands (not voided) against the mine's people on the
    roster now (every employee may vote; the rate is capped at 100 % for voters who left)."""
    campaigns = list(
        db.session.scalars(
            db.select(Campaign)
            .where(Campaign.mine_id == mine_id, Campaign.status != "draft")
            .order_by(Campaign.starts_at.desc(), Campaign.id.desc())
            .limit(limit)
        )
    )[::-1]
    if not campaigns:
        return []
    voters = dict(
        db.session.execute(
            db.select(Ballot.campaign_id, db.func.count(db.distinct(Ballot.voter_id)))
            .where(Ballot.campaign_id.in_([c.id for c in campaigns]), Ballot.voided_at.is_(None))
            .group_by(Ballot.campaign_id)
        ).all()
    )
    eligible = int(
        db.session.scalar(
            db.select(db.func.count(Person.id)).where(
                Person.mine_id == mine_id, Person.left_at.is_(None)
            )
        )
        or 0
    )
    return [
        {
            "campaign_id": c.id,
            "title": c.title,
            "status": c.status,
            "starts_at": c.starts_at,
            "voters": int(voters.get(c.id, 0)),
            "eligible": eligible,
            "rate": min(1.0, round(voters.get(c.id, 0) / eligible, 4)) if eligible else None,
        }
        for c in campaigns
    ]
