"""Hidden dangers (隐患): report → assign (fixer, deadline by level) → fixed (with a photo) →
verified or reopened; the overdue escalation.

Every status change is one conditional UPDATE (`WHERE id = ? AND status = <the status just
checked>`), so of two verifiers at the same instant exactly one wins and the other gets 409.
The caller's unit of work commits; notifications go through the outbox in the same transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update

from accounts.principal import Principal
from clock import local_time
from media import content_check
from models import (
    DANGER_LEVELS,
    Danger,
    DangerEvent,
    Person,
    RoleGrant,
    Unit,
    db,
    utcnow,
)
from notifications import notify
from people import MAX_ID
from zones import awards, services
from zones.errors import (
    DangerNotFound,
    DeadlinePassed,
    EmptyReport,
    InvalidLevel,
    InvalidTransition,
    NotAssigner,
    NotFixer,
    NotVerifier,
    OwnFix,
    PhotoRequired,
    PlaceRequired,
    ReasonRequired,
)

LEVEL_NAMES = {"general": "一般", "serious": "较大", "major": "重大"}
DETAIL_PAGE = "pages/zones/danger?id={id}"
# Which step moves which status where.
MOVES = {
    "assign": ({"reported", "assigned"}, "assigned"),
    "fix": ({"assigned"}, "fixed"),
    "accept": ({"fixed"}, "verified"),
    "reopen": ({"fixed"}, "assigned"),
}


# -- who is who --------------------------------------------------------------------------------


def relations(p: Principal, danger: Danger) -> set[str]:
    """reporter, fixer, zone_member (the zone's responsible member now), secretary, committee."""
    rel: set[str] = set()
    pid = p.person_id
    if pid is not None:
        if danger.reporter_id == pid:
            rel.add("reporter")
        if danger.fixer_id == pid:
            rel.add("fixer")
        if danger.zone is not None and danger.zone.member_id == pid:
            rel.add("zone_member")
    if danger.unit.branch_id is not None and danger.unit.branch_id in p.secretary_of:
        rel.add("secretary")
    if danger.mine_id in p.committee_of:
        rel.add("committee")
    return rel


def sees_reporter(p: Principal, danger: Danger) -> bool:
    """An anonymous report's reporter is known to the committee and to the reporter only (the
    privacy of objections); a named one to everyone who sees the danger."""
    if not danger.anonymous:
        return True
    return bool(relations(p, danger) & {"reporter", "committee"})


def get_visible(p: Principal, danger_id: int) -> Danger:
    """The danger if the caller is one of its people; 404 otherwise (never a hint)."""
    p.require_bound()
    danger = db.session.get(Danger, danger_id) if 0 < danger_id <= MAX_ID else None
    if danger is None or not relations(p, danger):
        raise DangerNotFound()
    return danger


def is_overdue(danger: Danger, now: datetime | None = None) -> bool:
    now = now or utcnow()
    return danger.status == "assigned" and danger.deadline is not None and danger.deadline < now


# -- the one place a status changes -----------------------------------------------------------


def _move(
    danger: Danger,
    action: str,
    actor_id: int | None,
    *,
    note: str | None = None,
    values: dict[str, Any] | None = None,
    where: tuple = (),
    now: datetime | None = None,
) -> None:
    sources, target = MOVES[action]
    if danger.status not in sources:
        raise InvalidTransition()
    now = now or utcnow()
    from_status = danger.status
    result = db.session.execute(
        update(Danger)
        .where(Danger.id == danger.id, Danger.status == from_status, *where)
        .values(status=target, updated_at=now, **(values or {}))
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        db.session.refresh(danger)
        raise InvalidTransition("隐患状态刚被他人更新，请刷新后再试")
    db.session.add(
        DangerEvent(
            danger_id=danger.id,
            action=action,
            from_status=from_status,
            to_status=target,
            actor_id=actor_id,
            note=note[:500] if note else None,
            at=now,
        )
    )
    db.session.flush()
    db.session.refresh(danger)


def _title(danger: Danger) -> str:
    where = danger.zone.name if danger.zone is not None else (danger.place or "")
    return f"{where}：{danger.description or '（见照片）'}"


# -- report -------------------------------------------------------------------------------------


def report_danger(
    p: Principal,
    *,
    level: str,
    description: str | None = None,
    zone_id: int | None = None,
    place: str | None = None,
    photo_ids: list[int] | None = None,
    anonymous: bool = False,
) -> Danger:
    """Any bound employee reports a danger in a zone (from a scanned placard) or a free place."""
    person = p.require_bound()
    if level not in DANGER_LEVELS:
        raise InvalidLevel(
            errors={"level": ["只能是 general（一般）、serious（较大）、major（重大）"]}
        )
    text = (description or "").strip() or None
    if text is None and not photo_ids:
        raise EmptyReport()
    zone = None
    if zone_id is not None:
        zone = services.get_zone(p, zone_id)
        services.require_active(zone)
    place_ = (place or "").strip() or None
    if zone is None and place_ is None:
        raise PlaceRequired(errors={"place": ["请选择责任区或填写地点"]})
    verdict = content_check.require_publishable(person.id, text, place_)
    now = utcnow()
    danger = Danger(
        mine_id=person.mine_id,
        unit_id=zone.unit_id if zone else person.unit_id,
        zone_id=zone.id if zone else None,
        place=place_,
        reporter_id=person.id,
        anonymous=bool(anonymous),
        description=text,
        level=level,
        status="reported",
        content_check=verdict,
        created_at=now,
        updated_at=now,
    )
    db.session.add(danger)
    db.session.flush()
    db.session.add(
        DangerEvent(
            danger_id=danger.id,
            action="report",
            from_status=None,
            to_status="reported",
            actor_id=person.id,
            at=now,
        )
    )
    services.attach_photos(person.id, photo_ids, stage="report", danger_id=danger.id)
    db.session.refresh(danger)
    data = {"title": _title(danger), "level": LEVEL_NAMES[level], "at": local_time(now)}
    page = DETAIL_PAGE.format(id=danger.id)
    told = {person.id}
    for pid in [zone.member_id] if zone else []:
        if pid not in told:
            notify(pid, "danger_reported", data, page)
            told.add(pid)
    for pid in _secretaries_of_unit(danger.unit):
        if pid not in told:
            notify(pid, "danger_reported", data, page)
            told.add(pid)
    return danger


def _secretaries_of_unit(unit: Unit) -> list[int]:
    if unit.branch_id is None:
        return []
    return list(
        db.session.scalars(
            select(RoleGrant.person_id)
            .join(Person, Person.id == RoleGrant.person_id)
            .where(
                RoleGrant.role == "secretary",
                RoleGrant.branch_id == unit.branch_id,
                Person.left_at.is_(None),
            )
            .distinct()
        )
    )


def _committee_of(mine_id: int) -> list[int]:
    return list(
        db.session.scalars(
            select(RoleGrant.person_id)
            .join(Person, Person.id == RoleGrant.person_id)
            .where(
                RoleGrant.role == "committee",
                Person.mine_id == mine_id,
                Person.left_at.is_(None),
            )
            .distinct()
        )
    )


# -- assign, fix, verify -------------------------------------------------------------------------


def default_deadline(level: str, days_by_level: dict[str, int], now: datetime) -> datetime:
    return now + timedelta(days=days_by_level[level])


def assign_danger(
    p: Principal,
    danger_id: int,
    fixer_id: int,
    days_by_level: dict[str, int],
    deadline: datetime | None = None,
) -> Danger:
    """The branch secretary or the zone's member names who fixes it and by when (by default the
    level's days: ZONE_DANGER_DAYS_*); assigning again re-assigns."""
    actor = p.require_bound()
    danger = get_visible(p, danger_id)
    if not relations(p, danger) & {"secretary", "zone_member"}:
        raise NotAssigner()
    fixer = services.person_in_mine(danger.mine_id, fixer_id, "fixer_id")
    now = utcnow()
    if deadline is None:
        deadline = default_deadline(danger.level, days_by_level, now)
    elif deadline <= now:
        raise DeadlinePassed(errors={"deadline": ["整改期限须晚于现在"]})
    _move(
        danger,
        "assign",
        actor.id,
        note=fixer.name,
        values={
            "fixer_id": fixer.id,
            "assigned_by_id": actor.id,
            "assigned_at": now,
            "deadline": deadline,
            "overdue_at": None,
        },
        now=now,
    )
    notify(
        fixer.id,
        "danger_assigned",
        {
            "title": _title(danger),
            "level": LEVEL_NAMES[danger.level],
            "deadline": local_time(deadline),
        },
        DETAIL_PAGE.format(id=danger.id),
    )
    return danger


def fix_danger(p: Principal, danger_id: int, note: str | None, photo_ids: list[int]) -> Danger:
    """The assigned fixer reports it fixed, with at least one photo of the fix."""
    person = p.require_bound()
    danger = get_visible(p, danger_id)
    if danger.status == "assigned" and danger.fixer_id != person.id:
        raise NotFixer()
    if not photo_ids:
        raise PhotoRequired(errors={"photo_ids": ["请上传整改后的照片"]})
    text = (note or "").strip() or None
    if text:
        content_check.require_publishable(person.id, text)
    now = utcnow()
    _move(
        danger,
        "fix",
        person.id,
        note=text,
        values={"fix_note": text, "fixed_at": now},
        where=(Danger.fixer_id == person.id,),
        now=now,
    )
    services.attach_photos(person.id, photo_ids, stage="fix", danger_id=danger.id)
    data = {"title": _title(danger), "name": person.name, "at": local_time(now)}
    page = DETAIL_PAGE.format(id=danger.id)
    for pid in {danger.reporter_id, danger.zone.member_id if danger.zone else None} - {
        None,
        person.id,
    }:
        notify(pid, "danger_fixed", data, page)
    return danger


def verify_danger(
    p: Principal,
    danger_id: int,
    accept: bool,
    note: str | None,
    days_by_level: dict[str, int],
    points: int = 0,
) -> Danger:
    """The reporter or the zone's member accepts the fix or reopens it — never the fixer. An
    accepted fix of a named report raises a points request of `points` for its reporter."""
    person = p.require_bound()
    danger = get_visible(p, danger_id)
    rel = relations(p, danger)
    if danger.fixer_id == person.id:
        raise OwnFix()
    if not rel & {"reporter", "zone_member"}:
        raise NotVerifier()
    text = (note or "").strip() or None
    now = utcnow()
    if accept:
        _move(
            danger,
            "accept",
            person.id,
            note=text,
            values={"verified_by_id": person.id, "verified_at": now},
            now=now,
        )
        if not danger.anonymous:
            awards.propose(
                danger.reporter,
                points,
                f"发现隐患并经验收（隐患 #{danger.id}，{LEVEL_NAMES[danger.level]}）",
                person.id,
            )
    else:
        if text is None:
            raise ReasonRequired(errors={"note": ["退回整改请说明原因"]})
        _move(
            danger,
            "reopen",
            person.id,
            note=text,
            values={
                "reopen_count": Danger.reopen_count + 1,
                "fixed_at": None,
                "deadline": default_deadline(danger.level, days_by_level, now),
                "overdue_at": None,
            },
            now=now,
        )
        if danger.fixer_id is not None:
            notify(
                danger.fixer_id,
                "danger_assigned",
                {
                    "title": _title(danger),
                    "level": LEVEL_NAMES[danger.level],
                    "deadline": local_time(danger.deadline),
                },
                DETAIL_PAGE.format(id=danger.id),
            )
    return danger


def events_of(danger_id: int) -> list[DangerEvent]:
    return list(
        db.session.scalars(
            select(DangerEvent)
            .where(DangerEvent.danger_id == danger_id)
            .order_by(DangerEvent.at, DangerEvent.id)
        )
    )


# -- overdue escalation ---------------------------------------------------------------------------


@dataclass(frozen=True)
class OverdueRun:
    marked: int
    notified: int


def mark_overdue(now: datetime | None = None) -> OverdueRun:
    """Mark assigned dangers past their deadline as overdue (once each: a conditional UPDATE on
    overdue_at IS NULL) and tell the 区队's branch secretaries and the mine's committee."""
    now = now or utcnow()
    candidates = db.session.scalars(
        select(Danger)
        .where(
            Danger.status == "assigned",
            Danger.deadline < now,
            Danger.overdue_at.is_(None),
        )
        .order_by(Danger.id)
        .limit(500)
    ).all()
    marked = notified = 0
    for danger in candidates:
        result = db.session.execute(
            update(Danger)
            .where(Danger.id == danger.id, Danger.status == "assigned", Danger.overdue_at.is_(None))
            .values(overdue_at=now)
            .execution_options(synchronize_session=False)
        )
        if result.rowcount != 1:
            continue
        marked += 1
        db.session.add(
            DangerEvent(
                danger_id=danger.id,
                action="overdue",
                from_status="assigned",
                to_status="assigned",
                actor_id=None,
                at=now,
            )
        )
        data = {
            "title": _title(danger),
            "level": LEVEL_NAMES[danger.level],
            "deadline": local_time(danger.deadline),
            "unit": danger.unit.name,
        }
        page = DETAIL_PAGE.format(id=danger.id)
        for pid in dict.fromkeys(_secretaries_of_unit(danger.unit) + _committee_of(danger.mine_id)):
            notify(pid, "danger_overdue", data, page)
            notified += 1
    db.session.flush()
    return OverdueRun(marked, notified)


def board_counts(p: Principal) -> list[dict[str, Any]]:
    """The danger board: counts by 区队, level and state (open / overdue / fixed / verified) of
    the dangers the caller manages."""
    from zones import queries

    now = utcnow()
    rows: dict[tuple[int, str], dict[str, Any]] = {}
    for d in db.session.scalars(queries.managed_dangers(p)):
        key = (d.unit_id, d.level)
        row = rows.setdefault(
            key,
            {
                "unit_id": d.unit_id,
                "unit": d.unit.name,
                "level": d.level,
                "open": 0,
                "overdue": 0,
                "fixed": 0,
                "verified": 0,
            },
        )
        if d.status == "verified":
            row["verified"] += 1
        elif d.status == "fixed":
            row["fixed"] += 1
        elif is_overdue(d, now):
            row["overdue"] += 1
        else:
            row["open"] += 1
    return sorted(rows.values(), key=lambda r: (r["unit"], DANGER_LEVELS.index(r["level"])))


def monthly_trend(p: Principal, year: int) -> list[dict[str, Any]]:
    """Per Shanghai month of `year`: dangers reported, and dangers verified, of what the caller
    manages (the console's trend chart)."""
    from clock import local, month_bounds
    from zones import queries

    start, _ = month_bounds(f"{year:04d}-01")
    _, end = month_bounds(f"{year:04d}-12")
    months = [{"month": f"{year:04d}-{m:02d}", "reported": 0, "verified": 0} for m in range(1, 13)]
    stmt = queries.managed_dangers(p).where(
        ((Danger.created_at >= start) & (Danger.created_at < end))
        | ((Danger.verified_at >= start) & (Danger.verified_at < end))
    )
    for d in db.session.scalars(stmt):
        if start <= d.created_at < end:
            months[local(d.created_at).month - 1]["reported"] += 1
        if d.verified_at is not None and start <= d.verified_at < end:
            months[local(d.verified_at).month - 1]["verified"] += 1
    return months
