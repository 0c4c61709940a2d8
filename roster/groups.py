"""The roster's 班组, 单位类别 and 职务 columns: unit kinds, 班组 under 区队, and their leaders.

A person keeps their 单位 (the 区队) as `unit_id`; the 班组 column sets `group_id`, a unit of
kind "group" whose parent is that 区队. Everything keyed on a person's unit (branches covering
units, pairings, zones, votes, the assessment's `team_of`) is unchanged by groups.

Unit names are unique in a mine, and HR names 班组 per 区队 ("一班" under several 区队), so a new
班组 is stored under its 区队's name ("综采一队" + "一班" → "综采一队一班") unless it already starts
with it; an existing 班组 of the 区队 is found by either spelling.

Kinds: the 单位类别 column sets the kind of a unit that is still "other" (or new); a unit the
committee made a 区队 or an office keeps its kind (another kind in the file is a row error). A
unit with a 班组 or a 区队长 becomes a 区队 if it was "other"; under an office it is a row error.

Leaders (UnitDuty "leader"): a 班组长 row makes the person leader of their 班组, a 区队长 row
leader of their 区队. A person whose 班组 changes (or whose 区队 changes) loses the old group's
leader duty; with a 职务 column, a row that no longer says 班组长 loses it too (区队长 duties,
which the committee also grants by hand, are only added by the file and end when the person
moves to another 单位 or leaves). Leavers lose every duty (`drop_duties_of`).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from models import Person, Unit, UnitDuty, db
from models.unit_of_work import insert_once
from roster.columns import UNIT_KIND_LABELS
from roster.rows import RosterRow, RowProblems

LEADER = "leader"


def group_name(unit: str, group: str) -> str:
    """The stored name of a 班组 of a unit: prefixed with the unit's name unless it has it."""
    return group if group.startswith(unit) else unit + group


@dataclass
class OrgPlan:
    """What the file does to units and leader duties; names, so the preview can show it."""

    kinds: dict[str, str] = field(default_factory=dict)  # unit name → its kind after import
    kind_changes: list[dict[str, Any]] = field(default_factory=list)
    group_of: dict[int, str] = field(default_factory=dict)  # row number → 班组 unit name
    new_groups: dict[str, str] = field(default_factory=dict)  # 班组 name → its unit's name
    grants: list[tuple[int, str]] = field(default_factory=list)  # (row number, unit name)
    revokes: list[tuple[int, int]] = field(default_factory=list)  # (person id, unit id)
    leaders: list[dict[str, Any]] = field(default_factory=list)  # for the report


def _unit_rows(rows: list[RosterRow]) -> dict[str, list[RosterRow]]:
    out: dict[str, list[RosterRow]] = defaultdict(list)
    for row in rows:
        out[row.unit].append(row)
    return out


def plan_kinds(
    rows: list[RosterRow], units: dict[str, Unit], problems: RowProblems, plan: OrgPlan
) -> None:
    """Each unit's kind after the import; conflicts are row errors."""
    for name, unit_rows in _unit_rows(rows).items():
        unit = units.get(name)
        current = unit.kind if unit is not None else None
        base = current or "other"
        wanted: tuple[str, int] | None = None
        for row in unit_rows:
            if not row.unit_kind:
                continue
            if wanted is not None and wanted[0] != row.unit_kind:
                problems.error(
                    row.number,
                    row.employee_no,
                    "unit_kind",
                    f"单位「{name}」在第 {wanted[1]} 行的单位类别是"
                    f"{UNIT_KIND_LABELS[wanted[0]]}，本行是{UNIT_KIND_LABELS[row.unit_kind]}",
                )
                continue
            wanted = wanted or (row.unit_kind, row.number)
            if base in ("team", "office", "group") and row.unit_kind != base:
                problems.error(
                    row.number,
                    row.employee_no,
                    "unit_kind",
                    f"单位「{name}」在系统中是{UNIT_KIND_LABELS[base]}，"
                    f"不能在花名册中改为{UNIT_KIND_LABELS[row.unit_kind]}"
                    "（单位类别由党委在考核设置中修改）",
                )
        target = wanted[0] if wanted is not None and base == "other" else base
        for row in unit_rows:
            needs = "group" if row.group else ("role" if row.role == "team_leader" else "")
            if not needs:
                continue
            if target == "office":
                problems.error(
                    row.number,
                    row.employee_no,
                    "group" if needs == "group" else "role",
                    f"单位「{name}」是机关科室，"
                    + ("机关科室下不能有班组" if needs == "group" else "不能有区队长"),
                )
            elif target == "group":
                parent = ""
                if unit is not None and unit.parent_id is not None:
                    parent = next(
                        (f"（属于「{u.name}」）" for u in units.values() if u.id == unit.parent_id),
                        "",
                    )
                problems.error(
                    row.number,
                    row.employee_no,
                    "group" if needs == "group" else "role",
                    f"单位「{name}」本身是班组{parent}，"
                    + ("班组下不能再有班组" if needs == "group" else "不能有区队长")
                    + "；请在单位一栏填写区队",
                )
            else:
                target = "team"
        plan.kinds[name] = target
        if target != (current or "other"):
            plan.kind_changes.append({"unit": name, "from": current or "", "to": target})


def plan_groups(
    rows: list[RosterRow], units: dict[str, Unit], problems: RowProblems, plan: OrgPlan
) -> None:
    """The 班组 unit of each row that names one: found under its unit, or to be created."""
    children: dict[int, dict[str, Unit]] = defaultdict(dict)
    for u in units.values():
        if u.kind == "group" and u.parent_id is not None:
            children[u.parent_id][u.name] = u
    file_units = {r.unit for r in rows}
    for row in rows:
        if not row.group or problems.has_error(row.number):
            continue
        unit = units.get(row.unit)
        name = group_name(row.unit, row.group)
        mine = children.get(unit.id, {}) if unit is not None else {}
        found = mine.get(row.group) or mine.get(name)
        if found is not None:
            plan.group_of[row.number] = found.name
            continue
        taken = units.get(name)
        if name in file_units or taken is not None:
            what = (
                f"已有{UNIT_KIND_LABELS.get(taken.kind, '')}「{name}」"
                if taken is not None
                else f"表中有单位「{name}」"
            )
            problems.error(
                row.number,
                row.employee_no,
                "group",
                f"班组「{row.group}」按区队命名为「{name}」，但{what}；单位名称全矿唯一，"
                "请换一个班组名称",
            )
            continue
        if len(name) > 100:
            problems.error(row.number, row.employee_no, "group", "班组名称不能超过 100 个字符")
            continue
        plan.group_of[row.number] = name
        plan.new_groups.setdefault(name, row.unit)


def leader_duties(people: list[Person]) -> dict[int, list[UnitDuty]]:
    """The leader duties of these people (person id → duties)."""
    ids = sorted(p.id for p in people)
    out: dict[int, list[UnitDuty]] = defaultdict(list)
    for i in range(0, len(ids), 5000):  # PostgreSQL takes at most 65,535 parameters
        for duty in db.session.scalars(
            db.select(UnitDuty)
            .where(UnitDuty.person_id.in_(ids[i : i + 5000]), UnitDuty.duty == LEADER)
            .order_by(UnitDuty.id)
        ):
            out[duty.person_id].append(duty)
    return out


def plan_leaders(
    rows: list[RosterRow],
    person_of: dict[int, Person],
    leaving: list[Person],
    units: dict[str, Unit],
    *,
    has_group: bool,
    has_role: bool,
    plan: OrgPlan,
) -> None:
    """Leader duties to grant and to end: 班组长 / 区队长 rows, people who moved, leavers."""
    by_id = {u.id: u for u in units.values()}
    duties = leader_duties(list(person_of.values()) + leaving)
    for row in rows:
        person = person_of.get(row.number)
        group = plan.group_of.get(row.number, "")
        held = duties.get(person.id, []) if person is not None else []
        keep: set[int] = set()
        for duty in held:
            unit = by_id.get(duty.unit_id)
            if unit is None:
                continue
            if unit.kind == "group":
                moved_team = unit.parent_id != (units[row.unit].id if row.unit in units else 0)
                if moved_team or (has_group and unit.name != group):
                    continue  # moved to another 班组 (or 区队)
                if has_role and row.role != "group_leader":
                    continue  # no longer 班组长
                keep.add(unit.id)
            elif unit.name == row.unit:
                keep.add(unit.id)  # a 区队长 who stays (the committee's grant is kept)
            elif unit.kind != "team":
                keep.add(unit.id)  # a leader duty on something else: not the roster's
        for duty in held:
            if duty.unit_id not in keep:
                plan.revokes.append((duty.person_id, duty.unit_id))
                plan.leaders.append(
                    _entry(row, by_id[duty.unit_id].name, by_id[duty.unit_id].kind, "revoked")
                )
        held_names = {by_id[d.unit_id].name for d in held if d.unit_id in keep}
        target = group if row.role == "group_leader" else ""
        if row.role == "team_leader":
            target = row.unit
        if target and target not in held_names:
            plan.grants.append((row.number, target))
            kind = "group" if row.role == "group_leader" else "team"
            plan.leaders.append(_entry(row, target, kind, "granted"))
    for person in leaving:
        for duty in duties.get(person.id, []):
            unit = by_id.get(duty.unit_id)
            plan.leaders.append(
                {
                    "row": None,
                    "employee_no": person.employee_no,
                    "name": person.name,
                    "unit": unit.name if unit else "",
                    "duty": "group_leader" if unit and unit.kind == "group" else "team_leader",
                    "change": "revoked",
                }
            )


def _entry(row: RosterRow, unit: str, kind: str, change: str) -> dict[str, Any]:
    return {
        "row": row.number,
        "employee_no": row.employee_no,
        "name": row.name,
        "unit": unit,
        "duty": "group_leader" if kind == "group" else "team_leader",
        "change": change,
    }


def apply_duties(
    plan: OrgPlan, person_by_row: dict[int, Person], units: dict[str, Unit], actor_id: int | None
) -> None:
    """End and grant the planned leader duties (the caller commits)."""
    for person_id, unit_id in plan.revokes:
        db.session.execute(
            db.delete(UnitDuty)
            .where(
                UnitDuty.person_id == person_id,
                UnitDuty.unit_id == unit_id,
                UnitDuty.duty == LEADER,
            )
            .execution_options(synchronize_session=False)
        )
    for number, unit_name in plan.grants:
        duty = UnitDuty(
            unit_id=units[unit_name].id,
            person_id=person_by_row[number].id,
            duty=LEADER,
            granted_by_id=actor_id,
        )
        insert_once(duty)  # False: granted by hand at the same instant, the same result


def drop_duties_of(person_ids: set[int]) -> int:
    """A leaver's duties end (leader of a 区队 or 班组, scorer of an office); returns how many."""
    if not person_ids:
        return 0
    result = db.session.execute(
        db.delete(UnitDuty)
        .where(UnitDuty.person_id.in_(sorted(person_ids)))
        .execution_options(synchronize_session=False)
    )
    return result.rowcount or 0


def count_duties_of(person_id: int) -> int:
    return db.session.scalar(
        db.select(db.func.count()).select_from(UnitDuty).where(UnitDuty.person_id == person_id)
    )
