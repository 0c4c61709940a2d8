"""我为职工办实事: what a branch does for workers (what, for whom, status), optionally a
fulfilled wish recorded as a deed; when a deed is done, the party member who did it earns the
rulebook's deed points (ref deed:<id>, capped per the rule)."""

from __future__ import annotations

from accounts.principal import Principal
from media import content_check
from meetings.errors import (
    DeedNotFound,
    InvalidMeeting,
    NotMeetingManager,
    WishAlreadyLinked,
    WishNotFulfilled,
)
from models import DEED_STATUSES, Branch, Deed, Person, Wish, db, utcnow
from points.ledger import award


def record(
    principal: Principal,
    branch_id: int,
    title: str,
    beneficiary: str,
    status: str = "planned",
    wish_id: int | None = None,
    doer_id: int | None = None,
) -> Deed:
    """A branch's secretary (or the committee) records a deed; a linked wish must be one of
    the mine's wishes that came true (fulfilled or confirmed), and is linked once."""
    author = principal.require("secretary", "committee")
    branch = db.session.get(Branch, branch_id)
    if branch is None or not principal.manages_branch(branch.id, branch.mine_id):
        raise NotMeetingManager()
    if status not in DEED_STATUSES:
        raise InvalidMeeting(errors={"status": ["状态为 planned、doing 或 done"]})
    content_check.require_publishable(author.id, title, beneficiary)
    if wish_id is not None:
        wish = db.session.get(Wish, wish_id)
        if wish is None or wish.mine_id != branch.mine_id:
            raise WishNotFulfilled()
        if wish.status not in ("fulfilled", "completed"):
            raise WishNotFulfilled()
        if db.session.scalar(db.select(Deed.id).where(Deed.wish_id == wish_id)):
            raise WishAlreadyLinked()
        doer_id = doer_id or wish.claimer_id
    if doer_id is not None:
        doer = db.session.get(Person, doer_id)
        if doer is None or doer.mine_id != branch.mine_id:
            raise InvalidMeeting(errors={"doer_id": ["承办党员须是本矿人员"]})
    deed = Deed(
        mine_id=branch.mine_id,
        branch_id=branch.id,
        title=title.strip(),
        beneficiary=beneficiary.strip(),
        status="planned",
        wish_id=wish_id,
        doer_id=doer_id,
        created_by_id=author.id,
        created_at=utcnow(),
    )
    db.session.add(deed)
    db.session.flush()
    if status != "planned":
        set_status(principal, deed.id, status)
    return deed


def set_status(principal: Principal, deed_id: int, status: str) -> Deed:
    """Move a deed along; the first time it is done its doer (a party member) is credited."""
    principal.require("secretary", "committee")
    deed = db.session.get(Deed, deed_id)
    if deed is None or not principal.manages_branch(deed.branch_id, deed.mine_id):
        raise DeedNotFound()
    if status not in DEED_STATUSES:
        raise InvalidMeeting(errors={"status": ["状态为 planned、doing 或 done"]})
    deed.status = status
    if status == "done" and deed.done_at is None:
        deed.done_at = utcnow()
        doer = db.session.get(Person, deed.doer_id) if deed.doer_id else None
        if doer is not None and doer.is_party_member and doer.id != principal.person_id:
            award(
                doer.id,
                None,
                "deed_done",
                f"我为职工办实事：{deed.title}",
                ref=f"deed:{deed.id}",
                actor_person_id=principal.person_id,
            )
    db.session.flush()
    return deed


def listed(principal: Principal, branch_id: int | None = None) -> list[Deed]:
    viewer = principal.require("secretary", "committee")
    stmt = db.select(Deed).where(Deed.mine_id == viewer.mine_id)
    if viewer.mine_id not in principal.committee_of:
        stmt = stmt.where(Deed.branch_id.in_(principal.secretary_of or [-1]))
    if branch_id is not None:
        stmt = stmt.where(Deed.branch_id == branch_id)
    return list(db.session.scalars(stmt.order_by(Deed.created_at.desc(), Deed.id.desc())))
