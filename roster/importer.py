"""The roster import and its preview: what the file would change, and then doing exactly that.

`preview_roster` reads the file and compares it with the mine's roster without writing anything
(not to the database, not to Redis). `import_roster` computes the same plan under a lock on the
mine and applies it: all rows or none. Both return a `RosterReport` that the API, the CLI and
the console render. The caller commits.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from dataclasses import asdict, dataclass, field
from typing import Any

from models import Account, Branch, Mine, Pairing, Person, RoleGrant, Unit, Wish, db, utcnow
from models.people import PARTY_STATUSES
from roster import groups, leavers, transfers
from roster.errors import MineRequired, RosterChanged, RosterInvalid
from roster.reading import RosterTable, read_roster
from roster.rows import RosterRow, RowProblems, parse_rows

FIELDS = ("employee_no", "name", "phone", "unit", "group", "branch", "political_status")
FIELDS += ("is_cadre",)


@dataclass
class RosterReport:
    """What an import did, or a preview (dry run) would do."""

    dry_run: bool
    mark_missing_as_left: bool
    sheet: str | None
    header_row: int
    columns: dict[str, str]
    ignored_columns: list[str]
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    left: int = 0
    branches_created: int = 0
    units_created: int = 0
    groups_created: int = 0
    new: list[dict[str, Any]] = field(default_factory=list)
    changes: list[dict[str, Any]] = field(default_factory=list)
    missing: list[dict[str, Any]] = field(default_factory=list)
    transfers: list[dict[str, Any]] = field(default_factory=list)
    pairing_reviews: list[dict[str, Any]] = field(default_factory=list)
    # 班组 to create ({unit, group}), unit kinds the file sets ({unit, from, to}) and leader
    # duties granted or ended ({row, employee_no, name, unit, duty, change}).
    new_groups: list[dict[str, Any]] = field(default_factory=list)
    unit_kinds: list[dict[str, Any]] = field(default_factory=list)
    leaders: list[dict[str, Any]] = field(default_factory=list)
    errors: list[dict[str, Any]] = field(default_factory=list)
    warnings: list[dict[str, Any]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    def as_dict(self) -> dict[str, Any]:
        return asdict(self) | {"ok": self.ok}

    def digest(self) -> str:
        """A fingerprint of what the import would write (not of whether it is a dry run): a
        confirmation after a preview carries it, so the import writes exactly what was shown."""
        plan = {k: v for k, v in self.as_dict().items() if k != "dry_run"}
        text = json.dumps(plan, sort_keys=True, ensure_ascii=False, default=str)
        return hashlib.sha256(text.encode()).hexdigest()


@dataclass
class _Plan:
    report: RosterReport
    rows: list[RosterRow]
    person_of: dict[int, Person]  # row number → the existing person it updates
    covering: dict[str, str]  # unit name → the branch that covers it
    leavers: list[Person]
    org: groups.OrgPlan


def _where(table: RosterTable) -> dict[str, Any]:
    return {"sheet": table.sheet, "header_row": table.header_row}


class _Roster:
    """The mine's roster as it is: people, units and branches, looked up by name and number."""

    def __init__(self, mine: Mine) -> None:
        # populate_existing: under the import lock, what another import just committed counts.
        self.people = list(
            db.session.scalars(
                db.select(Person)
                .where(Person.mine_id == mine.id)
                .execution_options(populate_existing=True)
            )
        )
        self.by_no = {p.employee_no: p for p in self.people}
        self.by_name_phone: dict[tuple[str, str], list[Person]] = defaultdict(list)
        for p in self.people:
            self.by_name_phone[(p.name, p.phone)].append(p)
        self.units = {
            u.name: u for u in db.session.scalars(db.select(Unit).where(Unit.mine_id == mine.id))
        }
        self.branches = {
            b.name: b
            for b in db.session.scalars(db.select(Branch).where(Branch.mine_id == mine.id))
        }
        self.unit_name = {u.id: u.name for u in self.units.values()}
        self.unit_name[0] = ""
        self.branch_name = {b.id: b.name for b in self.branches.values()}

    def values_of(self, p: Person) -> dict[str, Any]:
        return {
            "employee_no": p.employee_no,
            "name": p.name,
            "phone": p.phone,
            "unit": self.unit_name.get(p.unit_id, ""),
            "group": self.unit_name.get(p.group_id or 0, ""),
            "branch": self.branch_name.get(p.branch_id, "") if p.branch_id else "",
            "political_status": p.political_status,
            "is_cadre": p.is_cadre,
        }

    def brief(self, p: Person) -> dict[str, Any]:
        v = self.values_of(p)
        return {"person_id": p.id, **{k: v[k] for k in ("employee_no", "name", "unit", "branch")}}


def _match_people(rows: list[RosterRow], roster: _Roster, problems: RowProblems) -> dict:
    """Which existing person each row is (by 工号, or by 原工号 when HR renumbered someone)."""
    # People the file renumbers (their 工号 is some row's 原工号): their old number may be
    # handed on to someone else in the same file.
    renumbered = {
        roster.by_no[r.previous_employee_no].id: r.number
        for r in rows
        if r.previous_employee_no in roster.by_no
    }
    person_of: dict[int, Person] = {}
    claimed: dict[int, int] = {}  # person id → the row that is them
    for row in rows:
        before = roster.by_no.get(row.previous_employee_no) if row.previous_employee_no else None
        current = roster.by_no.get(row.employee_no)
        if current is not None and renumbered.get(current.id, row.number) != row.number:
            current = None  # another row renumbers them: this 工号 is handed on
        if before is not None and current is not None and current is not before:
            problems.error(
                row.number,
                row.employee_no,
                "employee_no",
                f"工号 {row.employee_no} 已属于 {current.name}，不能把原工号 "
                f"{row.previous_employee_no}（{before.name}）改为该工号",
            )
            continue
        person = before or current
        if person is None:
            continue
        if person.id in claimed:
            problems.error(
                row.number,
                row.employee_no,
                "previous_employee_no" if before is not None else "employee_no",
                f"与第 {claimed[person.id]} 行是同一人（{person.name}，原工号 "
                f"{person.employee_no}）",
            )
            continue
        claimed[person.id] = row.number
        person_of[row.number] = person
    for row in rows:
        if row.number in person_of or problems.has_error(row.number):
            continue
        for other in roster.by_name_phone.get((row.name, row.phone), []):
            where = (
                f"（第 {claimed[other.id]} 行）"
                if other.id in claimed
                else f"；如果是工号变更，请在「原工号」列填写 {other.employee_no}"
            )
            state = "已离职的" if other.left_at is not None else "已有的"
            problems.error(
                row.number,
                row.employee_no,
                "employee_no",
                f"与花名册中{state} {other.name}（工号 {other.employee_no}）"
                f"姓名、手机号相同{where}",
            )
            break
    return person_of


def _resolve_branches(rows: list[RosterRow], roster: _Roster, problems: RowProblems) -> dict:
    """Fill the branch of masses who left it blank; returns unit → covering branch."""
    # The branch that covers a unit comes from its non-member rows (members may sit elsewhere).
    covering: dict[str, tuple[str, int]] = {}
    for row in rows:
        if row.political_status == "masses" and row.branch:
            prior = covering.get(row.unit)
            if prior and prior[0] != row.branch:
                problems.error(
                    row.number,
                    row.employee_no,
                    "branch",
                    f"单位「{row.unit}」在第 {prior[1]} 行属于「{prior[0]}」，"
                    "一个单位只能属于一个党支部",
                )
            else:
                covering[row.unit] = (row.branch, row.number)
    # A unit with no non-member naming its branch is covered by its members' branch, if unique.
    member_branches: dict[str, set[str]] = defaultdict(set)
    for row in rows:
        if row.political_status != "masses" and row.unit not in covering:
            member_branches[row.unit].add(row.branch)
    for unit_name, names in member_branches.items():
        if len(names) == 1:
            covering[unit_name] = (next(iter(names)), 0)
    for row in rows:
        if row.political_status == "masses" and not row.branch:
            known = covering.get(row.unit)
            unit = roster.units.get(row.unit)
            if known:
                row.branch = known[0]
            elif unit is not None and unit.branch_id is not None:
                row.branch = roster.branch_name[unit.branch_id]
            else:
                problems.error(
                    row.number,
                    row.employee_no,
                    "branch",
                    "未填写党支部，且该单位还没有所属党支部（请至少为该单位的一人填写党支部）",
                )
    return {unit: b for unit, (b, _) in covering.items()}


def _impact(people: list[Person]) -> dict[int, dict[str, Any]]:
    """For each person: bound to an account, running pairings and open claims."""
    ids = [p.id for p in people]
    out = {i: {"bound": False, "pairings": 0, "claims": 0} for i in ids}
    for i in range(0, len(ids), 5000):  # PostgreSQL takes at most 65,535 parameters
        chunk = ids[i : i + 5000]
        for (pid,) in db.session.execute(
            db.select(Account.person_id).where(Account.person_id.in_(chunk))
        ):
            out[pid]["bound"] = True
        for col in (Pairing.member_id, Pairing.employee_id):
            for pid, n in db.session.execute(
                db.select(col, db.func.count())
                .where(col.in_(chunk), Pairing.active.is_(True))
                .group_by(col)
            ):
                out[pid]["pairings"] += int(n)
        for pid, n in db.session.execute(
            db.select(Wish.claimer_id, db.func.count())
            .where(Wish.claimer_id.in_(chunk), Wish.status == "claimed")
            .group_by(Wish.claimer_id)
        ):
            out[pid]["claims"] = int(n)
    return out


def _plan(mine: Mine, table: RosterTable, dry_run: bool, mark_missing_as_left: bool) -> _Plan:
    """Compare the file with the mine's roster; reads only."""
    rows, problems = parse_rows(table)
    if not rows and not problems.errors:
        where = f"工作表「{table.sheet}」" if table.sheet else "文件"
        raise RosterInvalid(
            "花名册中没有人员",
            errors=_where(table) | {"file": [f"{where}第 {table.header_row} 行表头下没有人员"]},
        )
    roster = _Roster(mine)
    person_of = _match_people(rows, roster, problems)
    rows = [r for r in rows if not problems.has_error(r.number)]
    covering = _resolve_branches(rows, roster, problems)
    rows = [r for r in rows if not problems.has_error(r.number)]
    org = groups.OrgPlan()
    groups.plan_kinds(rows, roster.units, problems, org)
    groups.plan_groups(rows, roster.units, problems, org)
    rows = [r for r in rows if not problems.has_error(r.number)]
    has_group = "group" in table.columns
    report = RosterReport(
        dry_run=dry_run,
        mark_missing_as_left=mark_missing_as_left,
        sheet=table.sheet,
        header_row=table.header_row,
        columns=table.columns,
        ignored_columns=table.ignored,
        rows=len(rows),
    )
    # Whoever a row names, even a bad row, is not "missing from the file".
    seen = {p.id for p in person_of.values()}
    named = {e["employee_no"] for e in problems.errors}
    moved: dict[int, str] = {}  # person id → the branch they will belong to
    for row in rows:
        to = {
            "employee_no": row.employee_no,
            "name": row.name,
            "phone": row.phone,
            "unit": row.unit,
            "group": org.group_of.get(row.number, ""),
            "branch": row.branch,
            "political_status": row.political_status,
            "is_cadre": row.is_cadre,
        }
        person = person_of.get(row.number)
        if person is None:
            report.created += 1
            report.new.append(
                {"row": row.number}
                | {k: to[k] for k in ("employee_no", "name", "unit", "group", "branch")}
                | {"political_status": row.political_status}
            )
            continue
        was = roster.values_of(person)
        if not has_group and row.unit == was["unit"]:
            to["group"] = was["group"]  # no 班组 column: the 班组 stays while the 区队 does
        fields = {k: {"from": was[k], "to": to[k]} for k in FIELDS if was[k] != to[k]}
        if person.left_at is not None:
            fields["left"] = {"from": True, "to": False}
        if not fields:
            report.unchanged += 1
            continue
        report.updated += 1
        report.changes.append(
            {"row": row.number, "person_id": person.id, "employee_no": row.employee_no}
            | {"name": row.name, "fields": fields}
        )
        if was["political_status"] in PARTY_STATUSES and row.political_status == "masses":
            problems.warn(
                row.number,
                f"{row.name} 的政治面貌改为群众：其作为党员的结对将解除（member_left_party）",
            )
        if person.left_at is None and fields.keys() & {"unit", "group", "branch"}:
            report.transfers.append(
                {"person_id": person.id, "employee_no": row.employee_no, "name": row.name}
                | {
                    k: fields.get(k, {"from": was[k], "to": to[k]})
                    for k in ("unit", "group", "branch")
                }
            )
            if "branch" in fields:
                moved[person.id] = row.branch
    report.branches_created = len(
        ({r.branch for r in rows} | set(covering.values())) - set(roster.branches)
    )
    report.units_created = len({r.unit for r in rows} - set(roster.units))
    report.groups_created = len(org.new_groups)
    report.new_groups = [{"unit": u, "group": g} for g, u in sorted(org.new_groups.items())]
    report.unit_kinds = sorted(org.kind_changes, key=lambda k: k["unit"])

    missing = [
        p
        for p in roster.people
        if p.left_at is None and p.id not in seen and p.employee_no not in named
    ]
    missing.sort(key=lambda p: p.employee_no)
    impact = _impact(missing)
    report.missing = [roster.brief(p) | impact[p.id] for p in missing]
    leaving = missing if mark_missing_as_left else []
    report.left = len(leaving)
    groups.plan_leaders(
        rows,
        person_of,
        leaving,
        roster.units,
        has_group=has_group,
        has_role="role" in table.columns,
        plan=org,
    )
    report.leaders = org.leaders
    if moved:
        report.pairing_reviews = transfers.crossing_after(
            moved, {p.id for p in leaving}, roster.branch_name
        )
    report.errors = sorted(problems.errors, key=lambda e: e["row"])
    report.warnings = problems.warnings
    report.warnings += _grant_warnings(roster, moved)
    return _Plan(report, rows, person_of, covering, leaving, org)


def _grant_warnings(roster: _Roster, moved: dict[int, str]) -> list[dict[str, Any]]:
    """Secretaries who move keep their old branch's grant: say so, the committee decides."""
    if not moved:
        return []
    out = []
    grants = db.session.execute(
        db.select(RoleGrant.person_id, RoleGrant.branch_id)
        .where(RoleGrant.role == "secretary", RoleGrant.person_id.in_(sorted(moved)))
        .order_by(RoleGrant.person_id, RoleGrant.branch_id)  # the same order in every answer
    ).all()
    people = {p.id: p for p in roster.people}
    for pid, branch_id in grants:
        old = roster.branch_name.get(branch_id, "")
        if old and old != moved[pid]:
            out.append(
                {
                    "row": None,
                    "message": f"{people[pid].name}（{people[pid].employee_no}）是「{old}」书记，"
                    f"调到「{moved[pid]}」后仍保留原支部书记权限；如需调整请重新授权",
                }
            )
    return out


def _apply(mine: Mine, plan: _Plan, actor_id: int | None) -> None:
    """Write the plan: branches and units, people created or updated, transfers, leavers."""
    report = plan.report
    roster_branches = {
        b.name: b for b in db.session.scalars(db.select(Branch).where(Branch.mine_id == mine.id))
    }
    roster_units = {
        u.name: u for u in db.session.scalars(db.select(Unit).where(Unit.mine_id == mine.id))
    }
    for name in sorted({r.branch for r in plan.rows} | set(plan.covering.values())):
        if name not in roster_branches:
            roster_branches[name] = Branch(mine_id=mine.id, name=name)
            db.session.add(roster_branches[name])
    for name in sorted({r.unit for r in plan.rows}):
        if name not in roster_units:
            roster_units[name] = Unit(mine_id=mine.id, name=name)
            db.session.add(roster_units[name])
    for name, kind in plan.org.kinds.items():
        if roster_units[name].kind != kind:
            roster_units[name].kind = kind
    db.session.flush()
    by_parent: dict[int, list[Unit]] = defaultdict(list)
    for u in roster_units.values():
        if u.kind == "group" and u.parent_id is not None:
            by_parent[u.parent_id].append(u)
    for unit_name, branch_name in plan.covering.items():
        unit, branch_id = roster_units[unit_name], roster_branches[branch_name].id
        for group in by_parent.get(unit.id, []):
            if group.branch_id in (None, unit.branch_id):
                group.branch_id = branch_id  # a 班组 is covered with its 区队
        unit.branch_id = branch_id
    for name, team in sorted(plan.org.new_groups.items()):
        parent = roster_units[team]
        roster_units[name] = Unit(
            mine_id=mine.id,
            name=name,
            kind="group",
            parent_id=parent.id,
            branch_id=parent.branch_id,
        )
        db.session.add(roster_units[name])
    if plan.org.new_groups:
        db.session.flush()

    renumbered = [
        (row, p) for row in plan.rows if (p := plan.person_of.get(row.number)) is not None
    ]
    renumbered = [(row, p) for row, p in renumbered if p.employee_no != row.employee_no]
    # Numbers may be handed on (A→B while B→C): park them first so no two rows ever collide.
    for _, p in renumbered:
        p.employee_no = f"~{p.id}"
    if renumbered:
        db.session.flush()
    for row, p in renumbered:
        p.previous_employee_no = row.previous_employee_no or None
    now = utcnow()
    moved_ids: list[int] = []
    has_group = "group" in report.columns
    person_by_row: dict[int, Person] = {}
    for row in plan.rows:
        values = {
            "employee_no": row.employee_no,
            "name": row.name,
            "phone": row.phone,
            "unit_id": roster_units[row.unit].id,
            "branch_id": roster_branches[row.branch].id,
            "political_status": row.political_status,
            "is_cadre": row.is_cadre,
        }
        group = plan.org.group_of.get(row.number)
        person = plan.person_of.get(row.number)
        if group is not None:
            values["group_id"] = roster_units[group].id
        elif has_group or person is None or person.unit_id != values["unit_id"]:
            values["group_id"] = None  # no 班组, or moved to another 区队 (its 班组 stays there)
        if person is None:
            person_by_row[row.number] = Person(mine_id=mine.id, **values)
            db.session.add(person_by_row[row.number])
            continue
        person_by_row[row.number] = person
        if person.left_at is None and person.branch_id != values["branch_id"]:
            moved_ids.append(person.id)
        for k, v in values.items():
            if getattr(person, k) != v:
                setattr(person, k, v)
        if person.left_at is not None:
            leavers.record(person, "returned", "import", actor_id, now)
        person.left_at = None
    db.session.flush()
    groups.apply_duties(plan.org, person_by_row, roster_units, actor_id)
    if moved_ids:
        report.pairing_reviews = transfers.review_moves(
            set(moved_ids), {p.id for p in plan.leavers}, actor_id, now
        )
    if plan.leavers:
        leavers.mark_left(plan.leavers, actor_id=actor_id, now=now)
    db.session.flush()


def preview_roster(
    mine: Mine, filename: str, data: bytes, *, mark_missing_as_left: bool = False
) -> RosterReport:
    """What importing this file would do (new, updated with the fields that change, unchanged,
    row errors, people missing from the file, transfers, pairings to review); writes nothing."""
    table = read_roster(filename, data)
    return _plan(mine, table, True, mark_missing_as_left).report


def import_roster(
    mine: Mine,
    filename: str,
    data: bytes,
    *,
    mark_missing_as_left: bool = False,
    actor_id: int | None = None,
    expect_digest: str | None = None,
) -> RosterReport:
    """Import a roster file into a mine: all rows or none (RosterInvalid names every bad row).

    People are matched by 工号 (or 原工号); those missing from the file are marked as left only
    when `mark_missing_as_left` is given. Imports of one mine run one at a time. With
    `expect_digest` (a preview's `digest()`), the import refuses (RosterChanged) unless it
    would write exactly what that preview showed.
    """
    table = read_roster(filename, data)
    db.session.execute(db.select(Mine.id).where(Mine.id == mine.id).with_for_update())
    plan = _plan(mine, table, False, mark_missing_as_left)
    if expect_digest is not None and plan.report.digest() != expect_digest:
        raise RosterChanged()
    if plan.report.errors:
        n = len(plan.report.errors)
        raise RosterInvalid(
            f"花名册有 {n} 行错误，未导入任何数据",
            errors=_where(table) | {"rows": plan.report.errors, "warnings": plan.report.warnings},
        )
    _apply(mine, plan, actor_id)
    return plan.report


def mine_for_cli(name: str | None) -> Mine:
    """The mine a CLI import targets: by name (created if new), or the only one there is."""
    if name:
        mine = db.session.scalar(db.select(Mine).where(Mine.name == name))
        if mine is None:
            mine = Mine(name=name)
            db.session.add(mine)
            db.session.flush()
        return mine
    mines = db.session.scalars(db.select(Mine)).all()
    if len(mines) == 1:
        return mines[0]
    if not mines:
        mine = Mine(name="本矿")
        db.session.add(mine)
        db.session.flush()
        return mine
    raise MineRequired(errors={"mine": [f"请指定矿名，可选：{'、'.join(m.name for m in mines)}"]})
