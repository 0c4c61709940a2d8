"""Micro-wish operations: post, review, claim, release, fulfil, confirm, withdraw, close, expire.

Every status change is one conditional UPDATE (`WHERE id = ? AND status = <the status we
checked>`), so of two racing requests exactly one wins and the other sees the new status; each
change writes a WishEvent and its notifications in the same transaction. The caller commits.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select, update

from accounts.principal import Principal
from clock import local_time
from domain_errors import Forbidden, InvalidInput
from media import content_check
from models import (
    WISH_CATEGORIES,
    Person,
    RoleGrant,
    Upload,
    Wish,
    WishEvent,
    db,
    utcnow,
)
from models.unit_of_work import committed
from notifications import notify
from people import MAX_ID
from points import ledger
from wishes import states
from wishes.errors import (
    AlreadyClaimed,
    ClaimExpired,
    ClaimLimit,
    InvalidTransition,
    NoBranch,
    NotClaimer,
    NotPartyMember,
    NotReviewer,
    NotWisher,
    OwnWish,
    PhotoNotUsable,
    PhotoRequired,
    ReasonRequired,
    ReleaseLimit,
    WishNotFound,
)
from wishes.settings import settings

TITLE_MAX = 60
CONTENT_MAX = 1000
NOTE_MAX = 1000
REASON_MAX = 500
MAX_PHOTOS = 9
DETAIL_PAGE = "pages/wishes/detail?id={id}"


# -- who is who --------------------------------------------------------------------------


def relations(p: Principal, wish: Wish) -> set[str]:
    """How the caller relates to a wish: wisher, author, claimer, secretary, committee."""
    rel: set[str] = set()
    pid = p.person_id
    if pid is not None:
        if wish.wisher_id == pid:
            rel.add("wisher")
        if wish.author_id == pid:
            rel.add("author")
        if wish.claimer_id == pid:
            rel.add("claimer")
    if wish.branch_id in p.secretary_of:
        rel.add("secretary")
    if wish.mine_id in p.committee_of:
        rel.add("committee")
    return rel


def sees_identity(p: Principal, wish: Wish) -> bool:
    """Name and phone of the wisher: the claimer of the wish's own branch, the branch
    secretary, committee (and the wisher or whoever posted for them). A claimer from another
    branch of the mine sees the wisher masked (else claiming would hand any member every
    wisher's phone): the wisher, who sees the claimer's phone, makes contact."""
    rel = relations(p, wish)
    if rel == {"claimer"} and p.person is not None and p.person.branch_id != wish.branch_id:
        return False
    return bool(rel)


def get_visible(p: Principal, wish_id: int) -> Wish:
    """The wish if the caller may see it; WishNotFound (404) otherwise, never a hint."""
    person = p.require_bound()
    wish = db.session.get(Wish, wish_id) if 0 < wish_id <= MAX_ID else None
    if wish is None:
        raise WishNotFound()
    if relations(p, wish):
        return wish
    if wish.mine_id == person.mine_id and wish.status in states.PUBLIC_STATUSES:
        return wish
    raise WishNotFound()


# -- validation --------------------------------------------------------------------------


def _text(value: str | None, field: str, max_len: int, *, required: bool = True) -> str | None:
    text = (value or "").strip()
    if "\x00" in text:
        raise InvalidInput(errors={field: ["包含无效字符"]})
    if not text:
        if required:
            raise InvalidInput(errors={field: ["不能为空"]})
        return None
    if len(text) > max_len:
        raise InvalidInput(errors={field: [f"不能超过 {max_len} 个字"]})
    return text


def _reason(value: str | None) -> str:
    text = (value or "").replace("\x00", "").strip()
    if not text:
        raise ReasonRequired()
    if len(text) > REASON_MAX:
        raise InvalidInput(errors={"reason": [f"不能超过 {REASON_MAX} 个字"]})
    return text


# -- the one place a status changes ------------------------------------------------------


def _apply(
    wish: Wish,
    action: str,
    actor_id: int | None,
    *,
    reason: str | None = None,
    values: dict[str, Any] | None = None,
    where: tuple = (),
    now: datetime | None = None,
) -> WishEvent:
    """Move the wish by `action` if it is still in the status just checked; record the event."""
    t = states.check(action, wish.status)
    now = now or utcnow()
    from_status = wish.status
    result = db.session.execute(
        update(Wish)
        .where(Wish.id == wish.id, Wish.status == from_status, *where)
        .values(status=t.target, updated_at=now, **(values or {}))
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        db.session.refresh(wish)
        if action == "claim" and wish.status in ("claimed", "fulfilled", "completed"):
            raise AlreadyClaimed()
        if wish.status != from_status:
            raise InvalidTransition()
        raise NotClaimer()  # same status, so an extra condition (the claimer) failed
    event = WishEvent(
        wish_id=wish.id,
        action=action,
        from_status=from_status,
        to_status=t.target,
        actor_id=actor_id,
        reason=reason,
        at=now,
    )
    db.session.add(event)
    db.session.flush()
    db.session.refresh(wish)
    return event


# -- posting -----------------------------------------------------------------------------


def submit_wish(
    author: Person,
    title: str,
    content: str,
    category: str,
    *,
    on_behalf_of: Person | None = None,
    source_talk_id: int | None = None,
) -> Wish:
    """Post a wish for review; a member or secretary may post for an employee (from a talk)."""
    wisher = on_behalf_of or author
    if on_behalf_of is not None and on_behalf_of.id != author.id:
        if wisher.mine_id != author.mine_id:
            raise Forbidden("只能为本矿职工代发心愿")
        manages = db.session.scalar(
            select(func.count())
            .select_from(RoleGrant)
            .where(
                RoleGrant.person_id == author.id,
                (RoleGrant.role == "committee")
                | ((RoleGrant.role == "secretary") & (RoleGrant.branch_id == _branch_of(wisher))),
            )
        )
        if not (author.is_party_member or manages):
            raise Forbidden("只有党员或支部书记可以代职工发布心愿")
    title_ = _text(title, "title", TITLE_MAX)
    content_ = _text(content, "content", CONTENT_MAX)
    if category not in WISH_CATEGORIES:
        raise InvalidInput(errors={"category": ["不支持的心愿类别"]})
    branch_id = _branch_of(wisher)
    if branch_id is None:
        raise NoBranch()
    verdict = content_check.require_publishable(author.id, title_, content_)
    now = utcnow()
    wish = Wish(
        mine_id=wisher.mine_id,
        branch_id=branch_id,
        wisher_id=wisher.id,
        author_id=author.id,
        source_talk_id=source_talk_id,
        title=title_,
        content=content_,
        category=category,
        status="pending_review",
        content_check=verdict,
        created_at=now,
        updated_at=now,
    )
    db.session.add(wish)
    db.session.flush()
    db.session.add(
        WishEvent(
            wish_id=wish.id,
            action="submit",
            from_status=None,
            to_status="pending_review",
            actor_id=author.id,
            reason="代职工发布" if wisher.id != author.id else None,
            at=now,
        )
    )
    for secretary_id in _branch_secretaries(branch_id):
        notify(
            secretary_id,
            "wish_submitted",
            {"title": title_, "name": wisher.name, "at": local_time(now)},
            DETAIL_PAGE.format(id=wish.id),
        )
    db.session.flush()
    return wish


def _branch_of(person: Person) -> int | None:
    if person.branch_id is not None:
        return person.branch_id
    return person.unit.branch_id if person.unit is not None else None


def _branch_secretaries(branch_id: int) -> list[int]:
    return list(
        db.session.scalars(
            select(RoleGrant.person_id)
            .where(RoleGrant.role == "secretary", RoleGrant.branch_id == branch_id)
            .distinct()
        )
    )


# -- review and close (the branch secretary) -----------------------------------------------


def review_wish(p: Principal, wish_id: int, approve: bool, reason: str | None) -> Wish:
    """Approve (publish to the pool) or reject with a reason; the wisher's branch secretary."""
    reviewer = p.require_bound()
    wish = get_visible(p, wish_id)
    if "secretary" not in relations(p, wish):
        raise NotReviewer()
    states.check("approve" if approve else "reject", wish.status)
    now = utcnow()
    if approve:
        note = (reason or "").replace("\x00", "").strip()[:REASON_MAX] or None
        values: dict[str, Any] = {"reviewed_by_id": reviewer.id, "reviewed_at": now}
        if wish.content_check == "unchecked":
            # WeChat could not say when it was posted: ask again before it goes public, on
            # behalf of the secretary, the user active now (WeChat answers 61010 for a user
            # who has not opened the app in two hours). Still unchecked: the mark stays.
            verdict = content_check.require_publishable(reviewer.id, wish.title, wish.content)
            values["content_check"] = verdict
            if verdict == "unchecked":
                unchecked = "微信内容安全检测未能完成，由书记人工审核通过"
                note = f"{note}（{unchecked}）"[:REASON_MAX] if note else unchecked
        _apply(wish, "approve", reviewer.id, reason=note, values=values, now=now)
        result = "已通过"
    else:
        why = _reason(reason)
        _apply(
            wish,
            "reject",
            reviewer.id,
            reason=why,
            values={"reviewed_by_id": reviewer.id, "reviewed_at": now, "reject_reason": why},
            now=now,
        )
        result = "未通过"
    notify(
        wish.wisher_id,
        "wish_reviewed",
        {
            "title": wish.title,
            "result": result,
            "reason": wish.reject_reason or "",
            "at": local_time(now),
        },
        DETAIL_PAGE.format(id=wish.id),
    )
    return wish


def close_wish(p: Principal, wish_id: int, reason: str | None) -> Wish:
    """Close a wish that cannot go on (the branch secretary or committee), with a reason."""
    actor = p.require_bound()
    wish = get_visible(p, wish_id)
    if not relations(p, wish) & {"secretary", "committee"}:
        raise Forbidden("只有支部书记或党委可以关闭心愿")
    states.check("close", wish.status)
    why = _reason(reason)
    claimer_id = wish.claimer_id
    _apply(wish, "close", actor.id, reason=why, values={"closed_reason": why})
    data = {"title": wish.title, "reason": why, "at": local_time(utcnow())}
    page = DETAIL_PAGE.format(id=wish.id)
    notify(wish.wisher_id, "wish_closed", data, page)
    if claimer_id is not None:
        notify(claimer_id, "wish_closed", data, page)
    return wish


# -- claims ------------------------------------------------------------------------------


def claim_wish(p: Principal, wish_id: int, *, now: datetime | None = None) -> Wish:
    """Claim an open wish for the calling party member: one winner, a cap on open claims."""
    member = p.require_bound()
    if not member.is_party_member:
        raise NotPartyMember()
    wish = get_visible(p, wish_id)
    if wish.status in ("claimed", "fulfilled", "completed"):
        raise AlreadyClaimed()
    states.check("claim", wish.status)
    if member.id == wish.wisher_id:
        raise OwnWish()
    # Serialise this member's own claims (row lock on their roster row) so the cap holds when
    # they tap several wishes at once; other members are not blocked by it.
    db.session.execute(select(Person.id).where(Person.id == member.id).with_for_update())
    open_claims = db.session.scalar(
        select(func.count())
        .select_from(Wish)
        .where(Wish.claimer_id == member.id, Wish.status == "claimed")
    )
    config = settings()
    limit = config.claim_limit
    if open_claims >= limit:
        raise ClaimLimit(f"您认领且未完成的心愿已达上限（{limit} 个），请先完成已认领的心愿")
    now = now or utcnow()
    # Claim, read the phone, give back, repeat: releases are counted (under the same lock).
    days = config.release_days
    released = db.session.scalar(
        select(func.count())
        .select_from(WishEvent)
        .where(
            WishEvent.actor_id == member.id,
            WishEvent.action == "release",
            WishEvent.at > now - timedelta(days=days),
        )
    )
    if released >= config.release_limit:
        raise ReleaseLimit(f"您 {days} 天内退回的心愿已达 {released} 个，暂时不能认领新的心愿")
    deadline = now + timedelta(days=config.claim_days)
    _apply(
        wish,
        "claim",
        member.id,
        values={
            "claimer_id": member.id,
            "claimed_at": now,
            "claim_deadline": deadline,
            "reminded_at": None,
        },
        now=now,
    )
    notify(
        wish.wisher_id,
        "wish_claimed",
        {"title": wish.title, "name": member.name, "at": local_time(now)},
        DETAIL_PAGE.format(id=wish.id),
    )
    return wish


_UNCLAIM = {"claimer_id": None, "claimed_at": None, "claim_deadline": None, "reminded_at": None}


def release_wish(p: Principal, wish_id: int, reason: str | None) -> Wish:
    """The claimer gives the wish back to the pool, with a reason."""
    member = p.require_bound()
    wish = get_visible(p, wish_id)
    states.check("release", wish.status)
    if wish.claimer_id != member.id:
        raise NotClaimer()
    why = _reason(reason)
    _apply(
        wish,
        "release",
        member.id,
        reason=why,
        values=_UNCLAIM,
        where=(Wish.claimer_id == member.id,),
    )
    return wish


def fulfil_wish(p: Principal, wish_id: int, note: str | None, photo_ids: list[int]) -> Wish:
    """The claimer marks the wish fulfilled (点亮) with a note and photos as proof."""
    member = p.require_bound()
    wish = get_visible(p, wish_id)
    states.check("fulfil", wish.status)
    if wish.claimer_id != member.id:
        raise NotClaimer()
    now = utcnow()
    if wish.claim_deadline is not None and wish.claim_deadline <= now:
        raise ClaimExpired()  # the expiry job may not have run yet; the claim is over all the same
    note_ = _text(note, "note", NOTE_MAX)
    ids = sorted(set(photo_ids or []))
    if not ids:
        raise PhotoRequired()
    if len(ids) > MAX_PHOTOS:
        raise InvalidInput(errors={"photo_ids": [f"最多 {MAX_PHOTOS} 张照片"]})
    content_check.require_publishable(member.id, note_)
    _apply(
        wish,
        "fulfil",
        member.id,
        values={"fulfil_note": note_, "fulfilled_at": now},
        where=(Wish.claimer_id == member.id, Wish.claim_deadline > now),
        now=now,
    )
    attached = db.session.execute(
        update(Upload)
        .where(
            Upload.id.in_(ids),
            Upload.owner_id == member.id,
            Upload.wish_id.is_(None),
            Upload.purpose == "wish",
            Upload.check_status != "risky",
        )
        .values(wish_id=wish.id)
        .execution_options(synchronize_session=False)
    )
    if attached.rowcount != len(ids):
        raise PhotoNotUsable()
    notify(
        wish.wisher_id,
        "wish_fulfilled",
        {"title": wish.title, "name": member.name, "note": note_, "at": local_time(now)},
        DETAIL_PAGE.format(id=wish.id),
    )
    return wish


# -- the wisher ---------------------------------------------------------------------------


def _acts_for_wisher(p: Principal, wish: Wish) -> bool:
    rel = relations(p, wish)
    if "wisher" in rel:
        return True
    # Posted on an employee's behalf (they may have no app): whoever posted it acts for them,
    # unless that is also the claimer, who must not confirm their own work.
    return "author" in rel and wish.author_id != wish.wisher_id and "claimer" not in rel


def confirm_wish(p: Principal, wish_id: int, rating: int, thanks: str | None) -> Wish:
    """The wisher confirms fulfilment with a rating and thanks; the claimer earns points."""
    person = p.require_bound()
    wish = get_visible(p, wish_id)
    states.check("confirm", wish.status)
    if not _acts_for_wisher(p, wish):
        raise NotWisher()
    if not isinstance(rating, int) or not 1 <= rating <= 5:
        raise InvalidInput(errors={"rating": ["评分为 1 到 5"]})
    thanks_ = _text(thanks, "thanks", REASON_MAX, required=False)
    content_check.require_publishable(person.id, thanks_)
    now = utcnow()
    _apply(
        wish,
        "confirm",
        person.id,
        values={"rating": rating, "thanks": thanks_, "completed_at": now},
        now=now,
    )
    claimer_id = wish.claimer_id
    ledger.award(
        claimer_id,
        None,  # the points of the mine's rulebook (WISH_COMPLETED_POINTS by default)
        kind="wish_completed",
        reason=f"认领的心愿「{wish.title}」已圆梦",
        ref=f"wish:{wish.id}",
        actor_person_id=person.id,
    )
    notify(
        claimer_id,
        "wish_confirmed",
        {
            "title": wish.title,
            "rating": str(rating),
            "thanks": thanks_ or "",
            "at": local_time(now),
        },
        DETAIL_PAGE.format(id=wish.id),
    )
    return wish


def withdraw_wish(p: Principal, wish_id: int, reason: str | None = None) -> Wish:
    """The wisher takes the wish back before anyone claims it."""
    person = p.require_bound()
    wish = get_visible(p, wish_id)
    states.check("withdraw", wish.status)
    if not _acts_for_wisher(p, wish):
        raise NotWisher()
    note = (reason or "").replace("\x00", "").strip()[:REASON_MAX] or None
    _apply(wish, "withdraw", person.id, reason=note)
    return wish


# -- deadlines (scheduled) ------------------------------------------------------------------


@dataclass
class DeadlineRun:
    expired: int = 0
    reminded: int = 0


def due_for_expiry(now: datetime, limit: int = 500) -> list[int]:
    """Ids of claimed wishes past their deadline."""
    return list(
        db.session.scalars(
            select(Wish.id)
            .where(Wish.status == "claimed", Wish.claim_deadline <= now)
            .order_by(Wish.claim_deadline)
            .limit(limit)
        )
    )


def expire_claim(wish_id: int, now: datetime) -> bool:
    """Return a wish whose claim ran out to the pool and tell the claimer; False if it moved."""
    wish = db.session.get(Wish, wish_id)
    if wish is None or wish.status != "claimed" or wish.claim_deadline is None:
        return False
    if wish.claim_deadline > now:
        return False
    claimer_id = wish.claimer_id
    try:
        _apply(
            wish,
            "expire",
            None,
            reason="认领超过期限未完成，心愿回到待认领",
            values=_UNCLAIM,
            where=(Wish.claim_deadline <= now, Wish.claimer_id == claimer_id),
            now=now,
        )
    except (InvalidTransition, NotClaimer):
        return False  # fulfilled or released meanwhile
    notify(
        claimer_id,
        "claim_expired",
        {"title": wish.title, "at": local_time(now)},
        DETAIL_PAGE.format(id=wish.id),
    )
    return True


def due_for_reminder(now: datetime, limit: int = 500) -> list[int]:
    """Ids of claimed wishes whose deadline is near and whose claimer was not yet reminded."""
    horizon = now + timedelta(days=settings().remind_days)
    return list(
        db.session.scalars(
            select(Wish.id)
            .where(
                Wish.status == "claimed",
                Wish.reminded_at.is_(None),
                Wish.claim_deadline > now,
                Wish.claim_deadline <= horizon,
            )
            .order_by(Wish.claim_deadline)
            .limit(limit)
        )
    )


def remind_claim(wish_id: int, now: datetime) -> bool:
    """Tell the claimer their deadline is near, once per claim (a conditional UPDATE)."""
    wish = db.session.get(Wish, wish_id)
    if wish is None or wish.claimer_id is None:
        return False
    claimer_id = wish.claimer_id
    done = db.session.execute(
        update(Wish)
        .where(
            Wish.id == wish_id,
            Wish.status == "claimed",
            Wish.claimer_id == claimer_id,
            Wish.reminded_at.is_(None),
        )
        .values(reminded_at=now)
        .execution_options(synchronize_session=False)
    )
    if done.rowcount != 1:
        return False
    notify(
        claimer_id,
        "claim_deadline_near",
        {"title": wish.title, "deadline": local_time(wish.claim_deadline)},
        DETAIL_PAGE.format(id=wish.id),
    )
    return True


def run_claim_deadlines(now: datetime | None = None) -> DeadlineRun:
    """Expire overdue claims and remind claimers whose deadline is near (a batch for the job
    and the CLI): each wish is its own unit of work, committed before the next."""
    now = now or utcnow()
    run = DeadlineRun()
    for wish_id in due_for_expiry(now):
        run.expired += int(committed(expire_claim, wish_id, now))
    for wish_id in due_for_reminder(now):
        run.reminded += int(committed(remind_claim, wish_id, now))
    return run


# -- people who leave the mine (called by the roster) -----------------------------------------

CLAIMER_LEFT = "认领的党员已离职，心愿回到待认领，等待其他党员认领"
WISHER_LEFT = "心愿人已离职"


def return_claims_of_leavers(person_ids: set[int], now: datetime | None = None) -> list[Wish]:
    """Put the open claims of people who left back in the pool and tell each wisher."""
    now = now or utcnow()
    wishes = db.session.scalars(
        select(Wish)
        .where(Wish.status == "claimed", Wish.claimer_id.in_(sorted(person_ids) or [0]))
        .order_by(Wish.id)
    ).all()
    returned = []
    for wish in wishes:
        claimer_id = wish.claimer_id
        try:
            _apply(
                wish,
                "release",
                None,
                reason=CLAIMER_LEFT,
                values=_UNCLAIM,
                where=(Wish.claimer_id == claimer_id,),
                now=now,
            )
        except (InvalidTransition, NotClaimer):
            continue  # fulfilled or released meanwhile
        notify(
            wish.wisher_id,
            "claim_returned",
            {"title": wish.title, "reason": CLAIMER_LEFT, "at": local_time(now)},
            DETAIL_PAGE.format(id=wish.id),
        )
        returned.append(wish)
    return returned


def close_wishes_of_leavers(person_ids: set[int], now: datetime | None = None) -> list[Wish]:
    """Close the unclaimed wishes (待审核/待认领) of people who left: nobody can be helped or
    confirm any more. Claimed ones stay with their claimer and the branch secretary."""
    now = now or utcnow()
    wishes = db.session.scalars(
        select(Wish)
        .where(
            Wish.status.in_(("pending_review", "open")),
            Wish.wisher_id.in_(sorted(person_ids) or [0]),
        )
        .order_by(Wish.id)
    ).all()
    closed = []
    for wish in wishes:
        try:
            _apply(
                wish,
                "close",
                None,
                reason=WISHER_LEFT,
                values={"closed_reason": WISHER_LEFT},
                now=now,
            )
        except InvalidTransition:
            continue
        closed.append(wish)
    return closed


# -- reading -------------------------------------------------------------------------------


def history(wish_id: int) -> list[WishEvent]:
    """Every transition of a wish, oldest first."""
    return list(
        db.session.scalars(
            select(WishEvent).where(WishEvent.wish_id == wish_id).order_by(WishEvent.id)
        )
    )


def photos_of(wish_id: int) -> list[Upload]:
    """The fulfilment photos of a wish."""
    return list(
        db.session.scalars(select(Upload).where(Upload.wish_id == wish_id).order_by(Upload.id))
    )
