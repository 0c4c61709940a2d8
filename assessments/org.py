"""The organisation the assessment needs: a unit's kind (区队 / 机关科室 / 班组 under a 区队),
who scores for an office and who leads a team, and which offices 包保 which teams. All set by
the committee of the mine. The caller commits."""

from __future__ import annotations

from accounts.principal import Principal
from assessments import access
from assessments.errors import InvalidTemplate, NotAnOffice, NotATeam, PersonNotFound
from models import Patronage, Person, Unit, UnitDuty, db
from models.unit_of_work import insert_once


def set_kind(principal: Principal, unit_id: int, kind: str, parent_id: int | None) -> Unit:
    """Make a unit a team, an office, a 班组 of a team (parent_id) or other."""
    me = access.committee(principal)
    unit = access.mine_unit(me.mine_id, unit_id)
    if kind == "group":
        if parent_id is None or parent_id == unit.id:
            raise NotATeam(errors={"parent_id": ["班组须指定所属区队"]})
        parent = access.mine_unit(me.mine_id, parent_id)
        if parent.kind != "team":
            raise NotATeam(errors={"parent_id": ["所属单位不是区队"]})
    else:
        parent_id = None
    if unit.kind == "team" and kind != "team":
        has_groups = db.session.scalar(
            db.select(db.func.count()).select_from(Unit).where(Unit.parent_id == unit.id)
        )
        if has_groups:
            raise InvalidTemplate("该区队下还有班组，不能改为其他类型")
    unit.kind = kind
    unit.parent_id = parent_id
    db.session.flush()
    return unit


def grant_duty(principal: Principal, unit_id: int, employee_no: str, duty: str) -> UnitDuty:
    """Make a person scoring staff of an office, or leader of a team or 班组."""
    me = access.committee(principal)
    unit = access.mine_unit(me.mine_id, unit_id)
    if duty == "scorer" and unit.kind != "office":
        raise NotAnOffice()
    if duty == "leader" and unit.kind not in ("team", "group"):
        raise NotATeam()
    person = db.session.scalar(
        db.select(Person).where(
            Person.mine_id == me.mine_id,
            Person.employee_no == employee_no.strip(),
            Person.left_at.is_(None),
        )
    )
    if person is None:
        raise PersonNotFound(errors={"employee_no": ["花名册中没有这个工号"]})
    existing = db.session.scalar(
        db.select(UnitDuty).where(
            UnitDuty.unit_id == unit.id, UnitDuty.person_id == person.id, UnitDuty.duty == duty
        )
    )
    if existing is not None:
        return existing
    row = UnitDuty(unit_id=unit.id, person_id=person.id, duty=duty, granted_by_id=me.id)
    if not insert_once(row):  # granted at the same instant by someone else: the same result
        return db.session.scalar(
            db.select(UnitDuty).where(
                UnitDuty.unit_id == unit.id,
                UnitDuty.person_id == person.id,
                UnitDuty.duty == duty,
            )
        )
    return row


def revoke_duty(principal: Principal, duty_id: int) -> None:
    me = access.committee(principal)
    row = db.session.get(UnitDuty, duty_id)
    if row is None:
        return
    access.mine_unit(me.mine_id, row.unit_id)
    db.session.delete(row)
    db.session.flush()


def link(principal: Principal, office_id: int, team_id: int) -> Patronage:
    """The office 包保 the team (idempotent)."""
    me = access.committee(principal)
    if access.mine_unit(me.mine_id, office_id).kind != "office":
        raise NotAnOffice()
    if access.mine_unit(me.mine_id, team_id).kind != "team":
        raise NotATeam()
    stmt = db.select(Patronage).where(
        Patronage.office_id == office_id, Patronage.team_id == team_id
    )
    existing = db.session.scalar(stmt)
    if existing is not None:
        return existing
    row = Patronage(office_id=office_id, team_id=team_id)
    if not insert_once(row):
        return db.session.scalar(stmt)
    return row


def unlink(principal: Principal, office_id: int, team_id: int) -> int:
    me = access.committee(principal)
    access.mine_unit(me.mine_id, office_id)
    result = db.session.execute(
        db.delete(Patronage)
        .where(Patronage.office_id == office_id, Patronage.team_id == team_id)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount


def teams(mine_id: int) -> list[Unit]:
    return list(
        db.session.scalars(
            db.select(Unit).where(Unit.mine_id == mine_id, Unit.kind == "team").order_by(Unit.id)
        )
    )


def offices(mine_id: int) -> list[Unit]:
    return list(
        db.session.scalars(
            db.select(Unit).where(Unit.mine_id == mine_id, Unit.kind == "office").order_by(Unit.id)
        )
    )
