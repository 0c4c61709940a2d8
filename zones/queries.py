"""What both doors read about zones and dangers: the managed lists (selects), a caller's own
lists, and the rows they show (reporter hidden on anonymous reports, phone tails only)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Select, func, or_, select

from accounts.principal import Principal
from models import Danger, Patrol, Unit, Violation, Zone, db, utcnow
from zones import dangers, services


def phone_tail(phone: str | None) -> str:
    """The last four digits of a phone: never the whole number on a placard or a list."""
    digits = "".join(c for c in (phone or "") if c.isdigit())
    return digits[-4:]


def managed_dangers(
    p: Principal,
    *,
    status: str | None = None,
    level: str | None = None,
    unit_id: int | None = None,
    overdue: bool | None = None,
) -> Select:
    """Dangers of the 区队 the caller's branches cover (secretary) or of the mine (committee)."""
    person = p.require("secretary", "committee")
    stmt = (
        select(Danger).join(Unit, Unit.id == Danger.unit_id).where(Danger.mine_id == person.mine_id)
    )
    if person.mine_id not in p.committee_of:
        stmt = stmt.where(Unit.branch_id.in_(list(p.secretary_of) or [-1]))
    if status:
        stmt = stmt.where(Danger.status == status)
    if level:
        stmt = stmt.where(Danger.level == level)
    if unit_id:
        stmt = stmt.where(Danger.unit_id == unit_id)
    if overdue:
        stmt = stmt.where(Danger.status == "assigned", Danger.deadline < utcnow())
    return stmt.order_by(Danger.created_at.desc(), Danger.id.desc())


def my_dangers(p: Principal, role: str = "reported") -> Select:
    """Dangers I reported, I am to fix, or in the zones I am responsible for."""
    person = p.require_bound()
    if role == "fixing":
        cond = Danger.fixer_id == person.id
    elif role == "zones":
        cond = Danger.zone_id.in_(select(Zone.id).where(Zone.member_id == person.id))
    else:
        cond = Danger.reporter_id == person.id
    return select(Danger).where(cond).order_by(Danger.created_at.desc(), Danger.id.desc())


def my_zones(p: Principal) -> Select:
    person = p.require_bound()
    return (
        select(Zone)
        .where(or_(Zone.member_id == person.id))
        .order_by(Zone.starts_on.desc(), Zone.id.desc())
    )


def person_ref(person) -> dict[str, Any] | None:
    if person is None:
        return None
    return {"id": person.id, "name": person.name}


def zone_row(zone: Zone) -> dict[str, Any]:
    return {
        "id": zone.id,
        "name": zone.name,
        "place": zone.place,
        "unit_id": zone.unit_id,
        "unit": zone.unit.name,
        "equipment": zone.equipment,
        "people_covered": zone.people_covered,
        "member": {
            "id": zone.member.id,
            "name": zone.member.name,
            "phone_tail": phone_tail(zone.member.phone),
        },
        "deputy_ids": list(zone.deputy_ids or []),
        "checklist": list(zone.checklist or []),
        "patrols_per_week": zone.patrols_per_week,
        "starts_on": zone.starts_on,
        "ends_on": zone.ends_on,
        "active": services.is_active(zone),
    }


def danger_row(p: Principal, danger: Danger, photo_url=None) -> dict[str, Any]:
    """A danger as the caller may see it; `photo_url(upload)` links the photos they may see."""
    now = utcnow()
    photos = []
    for upload, stage in services.photos_of(danger_id=danger.id):
        if upload.check_status == "risky":
            continue
        visible = upload.check_status == "pass" or upload.owner_id == p.person_id
        visible = visible or bool(dangers.relations(p, danger) & {"secretary", "committee"})
        if visible:
            photos.append(
                {"id": upload.id, "stage": stage, "url": photo_url(upload) if photo_url else None}
            )
    return {
        "id": danger.id,
        "zone_id": danger.zone_id,
        "zone": danger.zone.name if danger.zone is not None else None,
        "place": danger.place,
        "unit_id": danger.unit_id,
        "unit": danger.unit.name,
        "description": danger.description,
        "level": danger.level,
        "status": danger.status,
        "overdue": dangers.is_overdue(danger, now),
        "anonymous": danger.anonymous,
        "reporter": person_ref(danger.reporter) if dangers.sees_reporter(p, danger) else None,
        "fixer": person_ref(danger.fixer),
        "deadline": danger.deadline,
        "fix_note": danger.fix_note,
        "fixed_at": danger.fixed_at,
        "verified_at": danger.verified_at,
        "reopen_count": danger.reopen_count,
        "created_at": danger.created_at,
        "photos": photos,
    }


def violation_row(v: Violation) -> dict[str, Any]:
    return {
        "id": v.id,
        "zone_id": v.zone_id,
        "unit_id": v.unit_id,
        "unit": v.unit.name,
        "recorded_by": person_ref(v.recorded_by),
        "offender_id": v.offender_id,
        "offender_name": v.offender_name,
        "kind": v.kind,
        "rule": v.rule,
        "action_taken": v.action_taken,
        "occurred_at": v.occurred_at,
        "created_at": v.created_at,
    }


def all_rows(stmt: Select) -> list[Any]:
    return list(db.session.scalars(stmt))


def safety_records(
    mine_id: int, person_ids: list[int], since: datetime
) -> dict[int, dict[str, int]]:
    """Each person's verified safety deeds since a time, for the 安全生产监督员 category's
    candidates: hidden dangers they reported that were fixed and verified (anonymous reports
    not counted: counting them would name the reporter), 三违 they stopped, patrols they made."""
    out = {pid: {"dangers": 0, "violations": 0, "patrols": 0} for pid in person_ids}
    if not person_ids:
        return out
    counts = (
        (
            "dangers",
            select(Danger.reporter_id, func.count())
            .where(
                Danger.mine_id == mine_id,
                Danger.reporter_id.in_(person_ids),
                Danger.status == "verified",
                Danger.anonymous.is_(False),
                Danger.verified_at >= since,
            )
            .group_by(Danger.reporter_id),
        ),
        (
            "violations",
            select(Violation.recorded_by_id, func.count())
            .where(
                Violation.mine_id == mine_id,
                Violation.recorded_by_id.in_(person_ids),
                Violation.occurred_at >= since,
            )
            .group_by(Violation.recorded_by_id),
        ),
        (
            "patrols",
            select(Patrol.member_id, func.count())
            .join(Zone, Zone.id == Patrol.zone_id)
            .where(
                Zone.mine_id == mine_id,
                Patrol.member_id.in_(person_ids),
                Patrol.patrolled_at >= since,
            )
            .group_by(Patrol.member_id),
        ),
    )
    for key, stmt in counts:
        for person_id, n in db.session.execute(stmt):
            out[person_id][key] = int(n)
    return out
