"""Heart-to-heart talk records: logging, the 7-day edit window, corrections, who may read them,
and the access log of every read."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import or_
from sqlalchemy.exc import IntegrityError

from accounts.principal import Principal
from domain_errors import Forbidden, NotFound
from models import Pairing, Person, Talk, TalkAccess, Wish, db, utcnow
from pairings import duties
from pairings.compliance import flagged_on_day, sync_monthly_award
from pairings.errors import (
    AlreadyCorrected,
    NotPaired,
    NotTalkAuthor,
    PersonNotFound,
    TalkInFuture,
    TalkLocked,
)
from pairings.months import day_bounds, local, month_of
from pairings.people import branches_of, get_person, lock_people
from pairings.settings import setting
from wishes.services import submit_wish

# A phone's clock may run a little ahead of the server's.
CLOCK_SKEW = timedelta(minutes=5)


@dataclass
class TalkContent:
    """What a talk record says; the same for a new record, an edit and a correction."""

    talked_at: datetime
    mode: str
    topics: str
    place: str = ""
    concerns: str = ""
    follow_up: str = ""


def edit_window() -> timedelta:
    return timedelta(days=setting("TALK_EDIT_DAYS"))


def editable_until(talk: Talk) -> datetime:
    """When the record locks."""
    return talk.created_at + edit_window()


def covering_pairing(member_id: int, employee_id: int, talked_at: datetime) -> Pairing | None:
    """The pairing of member and employee that ran on the (Shanghai) day of the talk."""
    day_start, day_end = day_bounds(local(talked_at).date())
    return db.session.scalar(
        db.select(Pairing)
        .where(
            Pairing.member_id == member_id,
            Pairing.employee_id == employee_id,
            Pairing.started_at < day_end,
            or_(Pairing.ended_at.is_(None), Pairing.ended_at >= day_start),
        )
        .order_by(Pairing.started_at.desc())
        .limit(1)
    )


def _check_time(talked_at: datetime, now: datetime) -> None:
    if talked_at > now + CLOCK_SKEW:
        raise TalkInFuture(errors={"talked_at": ["谈心时间不能晚于现在"]})


def _resolve(
    principal: Principal, employee: Person, member_id: int | None, talked_at: datetime
) -> tuple[Person, Pairing | None, int]:
    """(who held the talk, the pairing it counts for, the branch whose secretary sees it)."""
    actor = principal.require("member", "secretary")
    secretary_of = set(principal.secretary_of)
    if member_id is None or member_id == actor.id:
        pairing = covering_pairing(actor.id, employee.id, talked_at)
        if pairing is not None:
            return actor, pairing, pairing.branch_id
        # A secretary's own talk with an employee of the branch is kept; it counts for no one.
        mine = branches_of(employee) & secretary_of
        if mine:
            return actor, None, min(mine)
        raise NotPaired()
    # A secretary logging a talk that one of the branch's members held (members without the app).
    member = get_person(member_id, actor.mine_id)
    if member is None or member.branch_id not in secretary_of:
        raise PersonNotFound(errors={"member_id": ["不是本支部的党员"]})
    pairing = covering_pairing(member.id, employee.id, talked_at)
    if pairing is None:
        raise NotPaired("该党员当天与该职工没有结对")
    return member, pairing, pairing.branch_id


def log_talk(
    principal: Principal,
    employee_id: int,
    content: TalkContent,
    member_id: int | None = None,
    now: datetime | None = None,
) -> Talk:
    """Record a talk held by the caller (or, for a secretary, by a member of the branch)."""
    now = now or utcnow()
    actor = principal.require("member", "secretary")
    employee = get_person(employee_id, actor.mine_id)
    if employee is None:
        raise PersonNotFound(errors={"employee_id": ["花名册中没有这名职工"]})
    _check_time(content.talked_at, now)
    holder, pairing, branch_id = _resolve(principal, employee, member_id, content.talked_at)
    lock_people(holder.id)  # the member's month count and points move together
    talk = Talk(
        mine_id=actor.mine_id,
        branch_id=branch_id,
        member_id=holder.id,
        employee_id=employee.id,
        author_id=actor.id,
        pairing_id=pairing.id if pairing else None,
        created_at=now,
        updated_at=now,
        care_flagged=flagged_on_day(employee.id, content.talked_at),
        **_fields(content),
    )
    db.session.add(talk)
    db.session.flush()
    sync_monthly_award(holder.id, talk.month, actor.id)
    duties.close_by_talk(talk, actor.id, now)
    return talk


def _fields(content: TalkContent) -> dict:
    return {
        "talked_at": content.talked_at,
        "month": month_of(content.talked_at),
        "mode": content.mode,
        "place": content.place or "",
        "topics": content.topics,
        "concerns": content.concerns or "",
        "follow_up": content.follow_up or "",
    }


def edit_talk(
    principal: Principal, talk_id: int, content: TalkContent, now: datetime | None = None
) -> Talk:
    """Change a record: its author only, within the edit window; the employee stays the same."""
    now = now or utcnow()
    talk = visible_talk(principal, talk_id)
    if talk.author_id != principal.person_id:
        raise NotTalkAuthor()
    _check_time(content.talked_at, now)
    lock_people(talk.member_id)
    db.session.refresh(talk)
    if talk.corrected_by_id is not None:
        raise AlreadyCorrected()
    if now >= editable_until(talk):
        raise TalkLocked()
    pairing = covering_pairing(talk.member_id, talk.employee_id, content.talked_at)
    if pairing is None and talk.pairing_id is not None:
        # It was a paired talk: the new date must still fall within the pairing.
        raise NotPaired("修改后的谈心时间不在结对期间内")
    old_month = talk.month
    for k, v in _fields(content).items():
        setattr(talk, k, v)
    talk.pairing_id = pairing.id if pairing else None
    talk.care_flagged = flagged_on_day(talk.employee_id, content.talked_at)
    talk.updated_at = now
    db.session.flush()
    for month in dict.fromkeys([old_month, talk.month]):
        sync_monthly_award(talk.member_id, month, principal.person_id)
    return talk


def correct_talk(
    principal: Principal, talk_id: int, content: TalkContent, now: datetime | None = None
) -> Talk:
    """A new record that replaces a (locked) one; the old stays, marked as corrected."""
    now = now or utcnow()
    old = visible_talk(principal, talk_id)
    if old.author_id != principal.person_id and old.branch_id not in principal.secretary_of:
        raise Forbidden("只有记录人或本支部书记可以更正谈心记录")
    if old.corrected_by_id is not None:
        raise AlreadyCorrected()
    member_id = None if old.member_id == principal.person_id else old.member_id
    try:
        with db.session.begin_nested():
            new = log_talk(principal, old.employee_id, content, member_id=member_id, now=now)
            new.corrects_id = old.id
            db.session.flush()
            # Only the first correction wins; the unique corrects_id is the last line.
            claimed = db.session.execute(
                db.update(Talk)
                .where(Talk.id == old.id, Talk.corrected_by_id.is_(None))
                .values(corrected_by_id=new.id)
                .execution_options(synchronize_session=False)
            ).rowcount
            if claimed != 1:
                raise AlreadyCorrected()
    except IntegrityError as exc:
        raise AlreadyCorrected() from exc
    db.session.refresh(old)
    sync_monthly_award(old.member_id, old.month, principal.person_id)
    return new


# --- who may read ---------------------------------------------------------------------------


def can_read(principal: Principal, talk: Talk) -> bool:
    """The author, the member who held it, the branch secretary, committee of the mine."""
    pid = principal.person_id
    return pid is not None and (
        talk.author_id == pid
        or talk.member_id == pid
        or talk.branch_id in principal.secretary_of
        or talk.mine_id in principal.committee_of
    )


def readable_clause(principal: Principal):
    """The same rule as can_read, as a WHERE condition."""
    pid = principal.person_id or 0
    conds = [Talk.author_id == pid, Talk.member_id == pid]
    if principal.secretary_of:
        conds.append(Talk.branch_id.in_(principal.secretary_of))
    if principal.committee_of:
        conds.append(Talk.mine_id.in_(principal.committee_of))
    return or_(*conds)


def visible_talk(principal: Principal, talk_id: int) -> Talk:
    """A talk the caller may read; 404 (not 403) otherwise, so ids reveal nothing."""
    talk = db.session.get(Talk, talk_id)
    if talk is None or not can_read(principal, talk):
        raise NotFound()
    return talk


def wish_from_talk(
    principal: Principal, talk_id: int, title: str, content: str, category: str
) -> Wish:
    """Turn a concern raised in a talk into a micro-wish on the employee's behalf, linked to it."""
    talk = visible_talk(principal, talk_id)
    pid = principal.person_id
    if pid not in (talk.member_id, talk.author_id) and talk.branch_id not in principal.secretary_of:
        raise Forbidden("只有谈心的党员或支部书记可以代职工发布心愿")
    return submit_wish(
        principal.require_bound(),
        title,
        content,
        category,
        on_behalf_of=talk.employee,
        source_talk_id=talk.id,
    )


def talks_query(
    principal: Principal,
    month: str,
    *,
    branch_id: int | None = None,
    member_id: int | None = None,
    employee_id: int | None = None,
    include_corrected: bool = True,
):
    """A select of the month's talks the caller may read, newest first."""
    stmt = db.select(Talk).where(readable_clause(principal), Talk.month == month)
    if branch_id is not None:
        stmt = stmt.where(Talk.branch_id == branch_id)
    if member_id is not None:
        stmt = stmt.where(Talk.member_id == member_id)
    if employee_id is not None:
        stmt = stmt.where(Talk.employee_id == employee_id)
    if not include_corrected:
        stmt = stmt.where(Talk.corrected_by_id.is_(None))
    return stmt.order_by(Talk.talked_at.desc(), Talk.id.desc())


def record_reads(
    principal: Principal, talks: list[Talk], action: str, ip: str | None = None
) -> None:
    """Write one access-log row per talk read (in the caller's transaction)."""
    if not talks or principal.person_id is None:
        return
    now = utcnow()
    db.session.execute(
        db.insert(TalkAccess),
        [
            {
                "mine_id": t.mine_id,
                "talk_id": t.id,
                "viewer_id": principal.person_id,
                "action": action,
                "ip": (ip or "")[:64] or None,
                "at": now,
            }
            for t in talks
        ],
    )


def access_log_query(
    principal: Principal, talk_id: int | None = None, viewer_id: int | None = None
):
    """A select of the access log of the committee's mine, newest first."""
    principal.require("committee")
    stmt = db.select(TalkAccess).where(TalkAccess.mine_id.in_(principal.committee_of))
    if talk_id is not None:
        stmt = stmt.where(TalkAccess.talk_id == talk_id)
    if viewer_id is not None:
        stmt = stmt.where(TalkAccess.viewer_id == viewer_id)
    return stmt.order_by(TalkAccess.at.desc(), TalkAccess.id.desc())


def people_names(ids: set[int]) -> dict[int, Person]:
    """People by id, in one query."""
    if not ids:
        return {}
    return {p.id: p for p in db.session.scalars(db.select(Person).where(Person.id.in_(ids)))}


__all__ = [
    "TalkContent",
    "access_log_query",
    "can_read",
    "correct_talk",
    "edit_talk",
    "editable_until",
    "log_talk",
    "record_reads",
    "talks_query",
    "visible_talk",
]
