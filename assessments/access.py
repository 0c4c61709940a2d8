"""Who may do what in the assessment: the committee of the mine, an office's scoring staff
(duty `scorer`), a team's leader (duty `leader`) and the team's own people."""

from __future__ import annotations

from accounts.principal import Principal
from assessments.errors import UnitNotFound
from models import Person, Unit, UnitDuty, db


def committee(principal: Principal) -> Person:
    """The caller if committee of their mine (RoleRequired otherwise)."""
    return principal.require("committee")


def is_committee(principal: Principal) -> bool:
    person = principal.person
    return person is not None and person.mine_id in principal.committee_of


def duty_units(person_id: int | None, duty: str) -> set[int]:
    """The units a person holds a duty for."""
    if person_id is None:
        return set()
    return set(
        db.session.scalars(
            db.select(UnitDuty.unit_id).where(
                UnitDuty.person_id == person_id, UnitDuty.duty == duty
            )
        )
    )


def team_of(person: Person | None) -> int | None:
    """The 区队 a person works in: their unit if it is a team, its parent if a 班组."""
    if person is None:
        return None
    unit = db.session.get(Unit, person.unit_id)
    if unit is None:
        return None
    if unit.kind == "team":
        return unit.id
    if unit.kind == "group" and unit.parent_id is not None:
        parent = db.session.get(Unit, unit.parent_id)
        if parent is not None and parent.kind == "team":
            return parent.id
    return None


def led_teams(person_id: int | None) -> set[int]:
    """The teams a person leads (a 班组长 leads the 班组; the team is its parent)."""
    units = duty_units(person_id, "leader")
    if not units:
        return set()
    rows = db.session.execute(
        db.select(Unit.id, Unit.kind, Unit.parent_id).where(Unit.id.in_(sorted(units)))
    ).all()
    return {uid for uid, kind, _ in rows if kind == "team"}


def led_units(person_id: int | None) -> set[int]:
    """Every unit a person leads: 区队 and 班组 alike."""
    return duty_units(person_id, "leader")


def scoring_units(person_id: int | None) -> set[int]:
    """The units a person scores for: the offices they are scoring staff of, and the 区队 they
    lead or score for (a 区队 scores the parent-scored items of its own 班组)."""
    if person_id is None:
        return set()
    units = duty_units(person_id, "scorer") | led_teams(person_id)
    return units


def in_unit(person: Person | None, unit_id: int) -> bool:
    """The person works in the unit (or, for a 区队, in one of its 班组)."""
    if person is None:
        return False
    return person.unit_id == unit_id or team_of(person) == unit_id


def mine_unit(mine_id: int, unit_id: int) -> Unit:
    unit = db.session.get(Unit, unit_id)
    if unit is None or unit.mine_id != mine_id:
        raise UnitNotFound()
    return unit
