"""必访必谈: events in an employee's life that call for a visit (住院、工伤、丧亲、家庭困难、
退休) or a talk (受挫、违章违纪、受处分、矛盾纠纷、受表彰、苗头性问题、岗位变动), and the duty
each creates.

Recording an event assigns its duty to the employee's paired member, else to the branch
secretary, due a number of days after the event (the kind's default or the mine's own); the
assignee is notified. The duty closes when the assignee's talk with the employee on or after the
event's day is logged (a visit needs a meeting in person), by itself or by naming the talk. Open
duties past their time are overdue: the secretary's home page and the committee's roll-up show
them, and a periodic job sends one overdue notice per duty to the assignee and the secretaries.

Who may read an event: the recorder, the assignee, the branch's secretary and the committee of
the mine — the same tiers as talk records; never the employee.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import or_

from accounts.principal import Principal
from clock import local_time
from domain_errors import NotFound
from models import (
    CARE_EVENT_KINDS,
    CareEvent,
    CareEventDue,
    Pairing,
    Person,
    RoleGrant,
    Talk,
    db,
    utcnow,
)
from notifications import notify
from pairings.errors import (
    DutyClosed,
    EventForLeaver,
    EventInFuture,
    NotDutyAssignee,
    NotInBranch,
    PersonNotFound,
    TalkDoesNotClose,
)
from pairings.months import day_bounds, today
from pairings.people import branches_of, get_person, unit_branch_id

KIND_LABELS = {
    "hospitalized": "住院",
    "injured": "工伤",
    "bereaved": "直系亲属去世",
    "family_hardship": "家庭困难",
    "retiring": "退休",
    "setback": "工作生活受挫",
    "violation": "违章违纪",
    "disciplined": "受到处分",
    "dispute": "矛盾纠纷",
    "praised": "受到表彰",
    "warning_sign": "出现苗头性问题",
    "post_change": "岗位变动",
}
FAMILY_LABELS = {"visit": "必访", "talk": "必谈"}
# A visit is a meeting in person; a phone call or a WeChat message is not one.
IN_PERSON_MODES = ("face_to_face", "talk_room", "heart_station", "home_visit")
PAGE = "pages/pairings/duties"


def family_of(kind: str) -> str:
    return CARE_EVENT_KINDS[kind][0]


def due_days(mine_id: int) -> dict[str, int]:
    """Each kind's due time in days for a mine (its own setting, else the default)."""
    own = dict(
        db.session.execute(
            db.select(CareEventDue.kind, CareEventDue.due_days).where(
                CareEventDue.mine_id == mine_id
            )
        ).all()
    )
    return {k: own.get(k, days) for k, (_, days) in CARE_EVENT_KINDS.items()}


def set_due_days(principal: Principal, kind: str, days: int) -> dict[str, int]:
    """A committee member sets the mine's due time for one kind (applies to events recorded
    from now on)."""
    actor = principal.require("committee")
    row = db.session.scalar(
        db.select(CareEventDue).where(
            CareEventDue.mine_id == actor.mine_id, CareEventDue.kind == kind
        )
    )
    if row is None:
        row = CareEventDue(mine_id=actor.mine_id, kind=kind)
        db.session.add(row)
    row.due_days, row.set_by_id, row.set_at = days, actor.id, utcnow()
    db.session.flush()
    return due_days(actor.mine_id)


def secretaries_of(branch_id: int) -> list[int]:
    """The branch's secretaries still on the roster, by id."""
    return list(
        db.session.scalars(
            db.select(RoleGrant.person_id)
            .join(Person, Person.id == RoleGrant.person_id)
            .where(
                RoleGrant.role == "secretary",
                RoleGrant.branch_id == branch_id,
                Person.left_at.is_(None),
            )
            .distinct()
            .order_by(RoleGrant.person_id)
        )
    )


def _home_branch(employee: Person) -> int | None:
    return unit_branch_id(employee) or employee.branch_id


def record_event(
    principal: Principal,
    employee_id: int,
    kind: str,
    occurred_on: date,
    note: str = "",
    now: datetime | None = None,
) -> CareEvent:
    """Record an event of an employee (the branch secretary, or the employee's paired member)
    and assign its duty."""
    now = now or utcnow()
    actor = principal.require("member", "secretary")
    employee = get_person(employee_id, actor.mine_id)
    if employee is None:
        raise PersonNotFound(errors={"employee_id": ["花名册中没有这名职工"]})
    pairing = db.session.scalar(
        db.select(Pairing).where(Pairing.employee_id == employee.id, Pairing.active.is_(True))
    )
    is_secretary = bool(branches_of(employee) & set(principal.secretary_of))
    if not is_secretary and (pairing is None or pairing.member_id != actor.id):
        raise PersonNotFound(errors={"employee_id": ["只能为本支部或与你结对的职工登记"]})
    if employee.left_at is not None:
        raise EventForLeaver(errors={"employee_id": [f"{employee.name} 已离职"]})
    if occurred_on > today(now):
        raise EventInFuture(errors={"occurred_on": ["事件日期不能晚于今天"]})
    branch_id = pairing.branch_id if pairing else _home_branch(employee)
    if branch_id is None:
        raise NotInBranch(errors={"employee_id": ["该职工所在单位没有对应的党支部"]})
    if pairing is not None:
        assignee_id = pairing.member_id
    elif branch_id in principal.secretary_of:
        assignee_id = actor.id
    else:
        secretaries = secretaries_of(branch_id)
        if not secretaries:
            raise NotInBranch(errors={"employee_id": ["该职工所在支部没有书记，无法指派"]})
        assignee_id = secretaries[0]
    days = due_days(actor.mine_id)[kind]
    _, due_at = day_bounds(occurred_on + timedelta(days=days))
    event = CareEvent(
        mine_id=actor.mine_id,
        branch_id=branch_id,
        employee_id=employee.id,
        kind=kind,
        family=family_of(kind),
        occurred_on=occurred_on,
        note=(note or "").strip(),
        recorded_by_id=actor.id,
        recorded_at=now,
        assignee_id=assignee_id,
        due_at=due_at,
    )
    db.session.add(event)
    db.session.flush()
    notify(
        assignee_id,
        "care_duty_assigned",
        {
            "name": employee.name,
            "event": KIND_LABELS[kind],
            "duty": FAMILY_LABELS[event.family],
            "deadline": local_time(due_at - timedelta(minutes=1)),
        },
        f"{PAGE}?id={event.id}",
    )
    return event


def _qualifies(event: CareEvent, talk: Talk) -> bool:
    day_start, _ = day_bounds(event.occurred_on)
    return (
        talk.employee_id == event.employee_id
        and talk.member_id == event.assignee_id
        and talk.corrected_by_id is None
        and _aware(talk.talked_at) >= day_start
        and (event.family == "talk" or talk.mode in IN_PERSON_MODES)
    )


def _aware(at: datetime) -> datetime:
    # An aggregate or a SQLite read may bring the stored naive UTC value back as it is.
    return at if at.tzinfo is not None else at.replace(tzinfo=UTC)


def _close(event: CareEvent, talk: Talk, by_id: int, now: datetime) -> bool:
    """Close an open duty with a talk; False when another request closed it first."""
    closed = db.session.execute(
        db.update(CareEvent)
        .where(CareEvent.id == event.id, CareEvent.closed_at.is_(None))
        .values(closed_at=now, closed_by_id=by_id, closing_talk_id=talk.id)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.refresh(event)
    return closed == 1


def close_by_talk(talk: Talk, by_id: int, now: datetime | None = None) -> list[int]:
    """Close the open duties a newly logged talk fulfils (called by talks.log_talk)."""
    now = now or utcnow()
    events = db.session.scalars(
        db.select(CareEvent).where(
            CareEvent.employee_id == talk.employee_id,
            CareEvent.assignee_id == talk.member_id,
            CareEvent.closed_at.is_(None),
        )
    ).all()
    return [e.id for e in events if _qualifies(e, talk) and _close(e, talk, by_id, now)]


def close_duty(
    principal: Principal, event_id: int, talk_id: int, now: datetime | None = None
) -> CareEvent:
    """The assignee closes a duty by naming the visit or talk that fulfilled it."""
    now = now or utcnow()
    event = visible_event(principal, event_id)
    if event.assignee_id != principal.person_id:
        raise NotDutyAssignee()
    if event.closed_at is not None:
        if event.closing_talk_id == talk_id:
            return event  # a retry
        raise DutyClosed()
    talk = db.session.get(Talk, talk_id)
    if talk is None or talk.mine_id != event.mine_id:
        raise NotFound(errors={"talk_id": ["没有这条谈心记录"]})
    if not _qualifies(event, talk):
        raise TalkDoesNotClose(
            errors={
                "talk_id": [
                    "须为指派人在事件当天或之后与该职工的谈心"
                    + ("（必访须当面）" if event.family == "visit" else "")
                ]
            }
        )
    if not _close(event, talk, principal.person_id, now):
        if event.closing_talk_id != talk.id:
            raise DutyClosed()
    return event


# --- who may read ---------------------------------------------------------------------------


def readable_clause(principal: Principal):
    pid = principal.person_id or 0
    conds = [CareEvent.assignee_id == pid, CareEvent.recorded_by_id == pid]
    if principal.secretary_of:
        conds.append(CareEvent.branch_id.in_(principal.secretary_of))
    if principal.committee_of:
        conds.append(CareEvent.mine_id.in_(principal.committee_of))
    return or_(*conds)


def visible_event(principal: Principal, event_id: int) -> CareEvent:
    """An event the caller may read; 404 otherwise."""
    event = db.session.get(CareEvent, event_id)
    if event is None or not db.session.scalar(
        db.select(CareEvent.id).where(CareEvent.id == event_id, readable_clause(principal))
    ):
        raise NotFound()
    return event


def events_query(
    principal: Principal,
    status: str = "open",
    branch_id: int | None = None,
    assignee_id: int | None = None,
    now: datetime | None = None,
):
    """A select of the events the caller may read: open / overdue / closed / all."""
    now = now or utcnow()
    stmt = db.select(CareEvent).where(readable_clause(principal))
    if status == "open":
        stmt = stmt.where(CareEvent.closed_at.is_(None))
    elif status == "overdue":
        stmt = stmt.where(CareEvent.closed_at.is_(None), CareEvent.due_at < now)
    elif status == "closed":
        stmt = stmt.where(CareEvent.closed_at.is_not(None))
    if branch_id is not None:
        stmt = stmt.where(CareEvent.branch_id == branch_id)
    if assignee_id is not None:
        stmt = stmt.where(CareEvent.assignee_id == assignee_id)
    return stmt.order_by(CareEvent.due_at, CareEvent.id)


def status_of(event: CareEvent, now: datetime | None = None) -> str:
    if event.closed_at is not None:
        return "closed"
    return "overdue" if _aware(event.due_at) < (now or utcnow()) else "open"


def due_day(event: CareEvent) -> date:
    """The last (Shanghai) day to do the duty: due_at is the midnight that ends it."""
    return today(_aware(event.due_at) - timedelta(microseconds=1))


def overdue_by_branch(mine_id: int, now: datetime | None = None) -> dict[int, int]:
    """Open duties past their time, per branch of a mine (the committee's roll-up)."""
    rows = db.session.execute(
        db.select(CareEvent.branch_id, db.func.count())
        .where(
            CareEvent.mine_id == mine_id,
            CareEvent.closed_at.is_(None),
            CareEvent.due_at < (now or utcnow()),
        )
        .group_by(CareEvent.branch_id)
    ).all()
    return {b: int(n) for b, n in rows}


# --- the overdue notices ------------------------------------------------------------------------


@dataclass
class OverdueRun:
    overdue: int = 0
    notified: list[int] = field(default_factory=list)


def notify_overdue(now: datetime | None = None) -> OverdueRun:
    """One notice per overdue duty, to the assignee and the branch's secretaries; a duty is
    claimed by a conditional update first, so two runs at once send it once."""
    now = now or utcnow()
    events = db.session.scalars(
        db.select(CareEvent)
        .where(
            CareEvent.closed_at.is_(None),
            CareEvent.due_at < now,
            CareEvent.overdue_notified_at.is_(None),
        )
        .order_by(CareEvent.id)
    ).all()
    run = OverdueRun(overdue=len(events))
    for event in events:
        claimed = db.session.execute(
            db.update(CareEvent)
            .where(CareEvent.id == event.id, CareEvent.overdue_notified_at.is_(None))
            .values(overdue_notified_at=now)
            .execution_options(synchronize_session=False)
        ).rowcount
        if claimed != 1:
            continue
        data = {
            "name": event.employee.name,
            "event": KIND_LABELS[event.kind],
            "duty": FAMILY_LABELS[event.family],
            "deadline": local_time(_aware(event.due_at) - timedelta(minutes=1)),
            "assignee": event.assignee.name,
        }
        for pid in dict.fromkeys([event.assignee_id, *secretaries_of(event.branch_id)]):
            notify(pid, "care_duty_overdue", data, f"{PAGE}?id={event.id}")
        run.notified.append(event.id)
    db.session.flush()
    return run


def open_duties_count(p: Principal, now: datetime) -> int | None:
    """待办: open 必访必谈 duties assigned to the caller (None: never assigned one)."""
    if p.person_id is None:
        return None
    counts = db.session.execute(
        db.select(CareEvent.closed_at.is_(None), db.func.count())
        .where(CareEvent.assignee_id == p.person_id)
        .group_by(CareEvent.closed_at.is_(None))
    ).all()
    if not counts:
        return None
    return sum(int(n) for is_open, n in counts if is_open)
