"""Zones (党员责任区), their responsible-member history, patrols and 三违 stops.

Services take the caller's Principal and plain arguments; the caller's unit of work commits.
Nothing crosses mines: every person, unit and zone named is looked up within the caller's mine,
and one from another mine is "not found".
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import select, update

from accounts.principal import Principal
from clock import local_day
from domain_errors import InvalidInput
from media import content_check
from models import (
    VIOLATION_KINDS,
    Patrol,
    Person,
    Unit,
    Upload,
    Violation,
    Zone,
    ZoneHolder,
    ZonePhoto,
    db,
    utcnow,
)
from people import MAX_ID
from zones.errors import (
    BeforeZone,
    InFuture,
    InvalidDates,
    NotOnChecklist,
    NotPartyMember,
    NotZoneManager,
    NotZoneMember,
    OffenderRequired,
    OtherMine,
    PhotoNotUsable,
    TooMany,
    ViolationNotFound,
    ZoneEnded,
    ZoneNotFound,
)

MAX_PHOTOS = 9
MAX_DEPUTIES = 5
MAX_CHECKLIST = 30
# A patrol time this far ahead of the server's clock is a typo, not a clock skew.
FUTURE_SKEW = timedelta(minutes=10)


# -- lookups within the caller's mine ------------------------------------------------------


def person_in_mine(mine_id: int, person_id: int, field: str) -> Person:
    """A roster person of the mine who has not left; InvalidInput on `field` otherwise."""
    person = db.session.get(Person, person_id) if 0 < person_id <= MAX_ID else None
    if person is None or person.mine_id != mine_id or person.left_at is not None:
        raise OtherMine(errors={field: ["本矿在册人员中没有此人"]})
    return person


def unit_in_mine(mine_id: int, unit_id: int) -> Unit:
    unit = db.session.get(Unit, unit_id) if 0 < unit_id <= MAX_ID else None
    if unit is None or unit.mine_id != mine_id:
        raise OtherMine(errors={"unit_id": ["本矿没有此区队"]})
    return unit


def manages_unit(p: Principal, unit: Unit) -> bool:
    """The secretary of the 区队's branch, or the committee of its mine."""
    return p.manages_branch(unit.branch_id, unit.mine_id)


def is_active(zone: Zone, on: date | None = None) -> bool:
    day = on or local_day(utcnow())
    return zone.starts_on <= day and (zone.ends_on is None or day <= zone.ends_on)


def get_zone(p: Principal, zone_id: int) -> Zone:
    """A zone of the caller's mine (every bound employee may see one: they scan its placard)."""
    person = p.require_bound()
    zone = db.session.get(Zone, zone_id) if 0 < zone_id <= MAX_ID else None
    if zone is None or zone.mine_id != person.mine_id:
        raise ZoneNotFound()
    return zone


def zone_relations(p: Principal, zone: Zone) -> set[str]:
    rel: set[str] = set()
    if p.person_id is not None:
        if zone.member_id == p.person_id:
            rel.add("member")
        if p.person_id in (zone.deputy_ids or []):
            rel.add("deputy")
    if zone.unit.branch_id is not None and zone.unit.branch_id in p.secretary_of:
        rel.add("secretary")
    if zone.mine_id in p.committee_of:
        rel.add("committee")
    return rel


# -- zones -----------------------------------------------------------------------------------


def _party_member(mine_id: int, person_id: int, field: str) -> Person:
    person = person_in_mine(mine_id, person_id, field)
    if not person.is_party_member:
        raise NotPartyMember(errors={field: ["须是党员"]})
    return person


def _deputies(mine_id: int, ids: list[int] | None, member_id: int) -> list[int]:
    out = sorted(set(ids or []) - {member_id})
    if len(out) > MAX_DEPUTIES:
        raise TooMany(errors={"deputy_ids": [f"最多 {MAX_DEPUTIES} 名协管党员"]})
    for pid in out:
        _party_member(mine_id, pid, "deputy_ids")
    return out


def _checklist(items: list[str] | None) -> list[str]:
    out: list[str] = []
    for item in items or []:
        text = item.strip()
        if text and text not in out:
            out.append(text)
    if len(out) > MAX_CHECKLIST:
        raise TooMany(errors={"checklist": [f"最多 {MAX_CHECKLIST} 项"]})
    return out


def create_zone(p: Principal, data: dict[str, Any]) -> Zone:
    """Define a zone of a 区队 the caller manages (its branch's secretary, or the committee)."""
    actor = p.require("secretary", "committee")
    unit = unit_in_mine(actor.mine_id, data["unit_id"])
    if not manages_unit(p, unit):
        raise NotZoneManager()
    member = _party_member(actor.mine_id, data["member_id"], "member_id")
    starts_on = data.get("starts_on") or local_day(utcnow())
    ends_on = data.get("ends_on")
    if ends_on is not None and ends_on < starts_on:
        raise InvalidDates(errors={"ends_on": ["结束日期不能早于开始日期"]})
    now = utcnow()
    zone = Zone(
        mine_id=actor.mine_id,
        unit_id=unit.id,
        name=data["name"].strip(),
        place=data["place"].strip(),
        equipment=(data.get("equipment") or "").strip() or None,
        people_covered=(data.get("people_covered") or "").strip() or None,
        member_id=member.id,
        deputy_ids=_deputies(actor.mine_id, data.get("deputy_ids"), member.id),
        checklist=_checklist(data.get("checklist")),
        patrols_per_week=data.get("patrols_per_week") or 0,
        starts_on=starts_on,
        ends_on=ends_on,
        created_by_id=actor.id,
        created_at=now,
        updated_at=now,
    )
    db.session.add(zone)
    db.session.flush()
    db.session.add(ZoneHolder(zone_id=zone.id, member_id=member.id, since=now, by_id=actor.id))
    db.session.flush()
    return zone


def update_zone(p: Principal, zone_id: int, data: dict[str, Any]) -> Zone:
    """Edit a zone (same managers); a new responsible member closes the last one's stretch."""
    actor = p.require("secretary", "committee")
    zone = get_zone(p, zone_id)
    if not zone_relations(p, zone) & {"secretary", "committee"}:
        raise NotZoneManager()
    for field in ("name", "place"):
        if data.get(field) is not None:
            setattr(zone, field, data[field].strip())
    for field in ("equipment", "people_covered"):
        if field in data:
            setattr(zone, field, (data[field] or "").strip() or None)
    if "checklist" in data:
        zone.checklist = _checklist(data["checklist"])
    if data.get("patrols_per_week") is not None:
        zone.patrols_per_week = data["patrols_per_week"]
    if "ends_on" in data:
        if data["ends_on"] is not None and data["ends_on"] < zone.starts_on:
            raise InvalidDates(errors={"ends_on": ["结束日期不能早于开始日期"]})
        zone.ends_on = data["ends_on"]
    new_member = data.get("member_id")
    if new_member is not None and new_member != zone.member_id:
        member = _party_member(zone.mine_id, new_member, "member_id")
        db.session.flush()  # the edits above, before the hand-over refreshes the row
        _hand_over(zone, member, actor)
        zone.deputy_ids = [d for d in (zone.deputy_ids or []) if d != member.id]
    if "deputy_ids" in data:
        zone.deputy_ids = _deputies(zone.mine_id, data["deputy_ids"], zone.member_id)
    zone.updated_at = utcnow()
    db.session.flush()
    return zone


def _hand_over(zone: Zone, member: Person, actor: Person) -> None:
    """One responsible member at a time: the change is a conditional UPDATE on the member the
    caller saw, and the stretches of the history meet without overlap."""
    old = zone.member_id
    now = utcnow()
    result = db.session.execute(
        update(Zone)
        .where(Zone.id == zone.id, Zone.member_id == old)
        .values(member_id=member.id, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        from zones.errors import InvalidTransition

        raise InvalidTransition("责任区负责人刚被他人更换，请刷新后再试")
    db.session.execute(
        update(ZoneHolder)
        .where(ZoneHolder.zone_id == zone.id, ZoneHolder.until.is_(None))
        .values(until=now)
        .execution_options(synchronize_session=False)
    )
    db.session.add(ZoneHolder(zone_id=zone.id, member_id=member.id, since=now, by_id=actor.id))
    db.session.flush()
    db.session.refresh(zone)


def holders(zone_id: int) -> list[ZoneHolder]:
    return list(
        db.session.scalars(
            select(ZoneHolder)
            .where(ZoneHolder.zone_id == zone_id)
            .order_by(ZoneHolder.since, ZoneHolder.id)
        )
    )


def require_active(zone: Zone) -> None:
    if not is_active(zone):
        raise ZoneEnded()


# -- photos ----------------------------------------------------------------------------------


def attach_photos(
    owner_id: int,
    photo_ids: list[int] | None,
    *,
    stage: str,
    danger_id: int | None = None,
    patrol_id: int | None = None,
) -> int:
    """Attach the caller's own unused uploads (from POST /uploads) to a danger or a patrol.

    The uploads become purpose "danger" (so the sweep of unattached wish photos leaves them)
    in one conditional UPDATE; zone_photos' unique upload_id keeps a photo on one record."""
    ids = sorted(set(photo_ids or []))
    if not ids:
        return 0
    if len(ids) > MAX_PHOTOS:
        raise TooMany(errors={"photo_ids": [f"最多 {MAX_PHOTOS} 张照片"]})
    moved = db.session.execute(
        update(Upload)
        .where(
            Upload.id.in_(ids),
            Upload.owner_id == owner_id,
            Upload.purpose == "wish",
            Upload.wish_id.is_(None),
            Upload.check_status != "risky",
        )
        .values(purpose="danger")
        .execution_options(synchronize_session=False)
    )
    if moved.rowcount != len(ids):
        raise PhotoNotUsable()
    for upload_id in ids:
        db.session.add(
            ZonePhoto(upload_id=upload_id, danger_id=danger_id, patrol_id=patrol_id, stage=stage)
        )
    db.session.flush()
    return len(ids)


def photos_of(*, danger_id: int | None = None, patrol_id: int | None = None) -> list[Any]:
    """Rows (upload, stage) attached to a danger or a patrol, oldest first."""
    stmt = select(Upload, ZonePhoto.stage).join(ZonePhoto, ZonePhoto.upload_id == Upload.id)
    if danger_id is not None:
        stmt = stmt.where(ZonePhoto.danger_id == danger_id)
    else:
        stmt = stmt.where(ZonePhoto.patrol_id == patrol_id)
    return list(db.session.execute(stmt.order_by(Upload.id)).all())


# -- patrols ---------------------------------------------------------------------------------


def record_patrol(
    p: Principal,
    zone_id: int,
    patrolled_at: datetime,
    checked: list[str] | None,
    findings: str | None,
    photo_ids: list[int] | None = None,
) -> Patrol:
    """The zone's responsible member (or a deputy) records a patrol of it."""
    person = p.require_bound()
    zone = get_zone(p, zone_id)
    if not zone_relations(p, zone) & {"member", "deputy"}:
        raise NotZoneMember()
    require_active(zone)
    now = utcnow()
    if patrolled_at > now + FUTURE_SKEW:
        raise InFuture(errors={"patrolled_at": ["巡查时间不能晚于现在"]})
    if local_day(patrolled_at) < zone.starts_on:
        raise BeforeZone(errors={"patrolled_at": ["巡查时间早于责任区设立日期"]})
    items = _checklist(checked)
    unknown = [i for i in items if i not in (zone.checklist or [])]
    if unknown:
        raise NotOnChecklist(
            errors={"checked": [f"不在本责任区的检查清单中：{'、'.join(unknown)}"]}
        )
    text = (findings or "").strip() or None
    if text:
        content_check.require_publishable(person.id, text)
    patrol = Patrol(
        zone_id=zone.id,
        member_id=person.id,
        patrolled_at=patrolled_at,
        checked=items,
        findings=text,
        created_at=now,
    )
    db.session.add(patrol)
    db.session.flush()
    attach_photos(person.id, photo_ids, stage="patrol", patrol_id=patrol.id)
    return patrol


def week_start(day: date) -> date:
    """The Monday of a Shanghai calendar week."""
    return day - timedelta(days=day.weekday())


@dataclass(frozen=True)
class PatrolCompliance:
    zone: Zone
    required: int
    done: int

    @property
    def missed(self) -> int:
        return max(0, self.required - self.done)


def managed_zones(p: Principal):
    """A select of the zones the caller manages (branch secretary's 区队, committee's mine)."""
    person = p.require("secretary", "committee")
    stmt = select(Zone).join(Unit, Unit.id == Zone.unit_id).where(Zone.mine_id == person.mine_id)
    if person.mine_id not in p.committee_of:
        stmt = stmt.where(Unit.branch_id.in_(list(p.secretary_of) or [-1]))
    return stmt


def patrol_compliance(p: Principal, week_of: date) -> list[PatrolCompliance]:
    """For each managed zone active that week: patrols required, patrols done (Mon–Sun)."""
    from clock import day_bounds

    monday = week_start(week_of)
    sunday = monday + timedelta(days=6)
    start, _ = day_bounds(monday)
    _, end = day_bounds(sunday)
    zones = db.session.scalars(
        managed_zones(p)
        .where(Zone.starts_on <= sunday, (Zone.ends_on.is_(None)) | (Zone.ends_on >= monday))
        .order_by(Zone.unit_id, Zone.id)
    ).all()
    if not zones:
        return []
    counts = dict(
        db.session.execute(
            select(Patrol.zone_id, db.func.count())
            .where(
                Patrol.zone_id.in_([z.id for z in zones]),
                Patrol.patrolled_at >= start,
                Patrol.patrolled_at < end,
            )
            .group_by(Patrol.zone_id)
        ).all()
    )
    return [PatrolCompliance(z, z.patrols_per_week, counts.get(z.id, 0)) for z in zones]


# -- 三违 stops ------------------------------------------------------------------------------


def record_violation(p: Principal, data: dict[str, Any], points: int = 0) -> Violation:
    """A party member records a 三违 stop (who, which rule, what was done); it raises a points
    request of `points` for them, for another committee member to approve."""
    person = p.require("member", "secretary", "committee")
    if data["kind"] not in VIOLATION_KINDS:
        raise InvalidInput(errors={"kind": ["只能是违章指挥、违章作业或违反劳动纪律"]})
    zone = get_zone(p, data["zone_id"]) if data.get("zone_id") else None
    offender = None
    if data.get("offender_id"):
        offender = person_in_mine(person.mine_id, data["offender_id"], "offender_id")
    name = offender.name if offender else (data.get("offender_name") or "").strip()
    if not name:
        raise OffenderRequired(errors={"offender_name": ["请填写违章人员"]})
    unit_id = zone.unit_id if zone else (offender.unit_id if offender else person.unit_id)
    occurred_at = data.get("occurred_at") or utcnow()
    if occurred_at > utcnow() + FUTURE_SKEW:
        raise InFuture(errors={"occurred_at": ["时间不能晚于现在"]})
    violation = Violation(
        mine_id=person.mine_id,
        unit_id=unit_id,
        zone_id=zone.id if zone else None,
        recorded_by_id=person.id,
        offender_id=offender.id if offender else None,
        offender_name=name,
        kind=data["kind"],
        rule=data["rule"].strip(),
        action_taken=data["action_taken"].strip(),
        occurred_at=occurred_at,
    )
    db.session.add(violation)
    db.session.flush()
    from zones import awards

    awards.propose(person, points, f"制止三违（记录 #{violation.id}）", person.id)
    return violation


def violations_visible(p: Principal):
    """A select of the 三违 records the caller may see: all of the mine for the committee (the
    safety office), their own records for the member who wrote them, nothing else."""
    person = p.require_bound()
    stmt = select(Violation).where(Violation.mine_id == person.mine_id)
    if person.mine_id not in p.committee_of:
        stmt = stmt.where(Violation.recorded_by_id == person.id)
    return stmt.order_by(Violation.occurred_at.desc(), Violation.id.desc())


def get_violation(p: Principal, violation_id: int) -> Violation:
    if not 0 < violation_id <= MAX_ID:
        raise ViolationNotFound()
    row = db.session.scalar(violations_visible(p).where(Violation.id == violation_id))
    if row is None:
        raise ViolationNotFound()
    return row
