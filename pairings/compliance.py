"""Monthly talk compliance: who has held the month's talks, who is still due, and the points.

A talk counts for its member's month when it was held with an employee paired to them (it
carries a pairing), has not been replaced by a correction, and — under the seed's rule
(`flagged`, pairings/rules.py) — the employee carried a care flag on the day of the talk. Under
that rule a member none of whose pairees carried a flag at any moment of the month has "no one
to care for" (`no_one_to_care`): neither done nor due, shown apart. Months are calendar months
in Asia/Shanghai; each month is judged by the rule its mine had for it.

Points (kind `monthly_talks_done`): awarded in the same transaction as the talk that brings the
member's month up to the requirement, once per member per month (ref `talks:YYYY-MM`). A talk
that is edited or corrected into another month, so that the month falls below the requirement
again, reverses the award with a negative entry (ref `talks:YYYY-MM#n`); reaching it again
re-awards (`#n+1`). The month's net is therefore always the configured points or zero, and the
ledger keeps every step. Callers hold the member's row lock, so this never interleaves.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import or_

from models import Branch, CareFlagChange, Pairing, Person, PointsEntry, Talk, db
from models.people import PARTY_STATUSES
from pairings import duties, rules
from pairings.months import day_bounds, local, month_bounds
from pairings.settings import setting
from points.ledger import award, rule_points

AWARD_KIND = "monthly_talks_done"
STATUSES = ("done", "due", "no_one_to_care")


def required_per_month() -> int:
    """The configured default of talks per month (a mine's own rule may say otherwise)."""
    return setting("TALKS_REQUIRED_PER_MONTH")


def countable(rule: rules.Rule | None = None):
    """The condition for a talk that counts towards its member's month under a rule."""
    cond = (Talk.pairing_id.is_not(None)) & (Talk.corrected_by_id.is_(None))
    if rule is not None and rule.basis == "flagged":
        cond = cond & Talk.care_flagged.is_(True)
    return cond


def done_counts(member_ids: list[int], month: str) -> dict[int, int]:
    """Countable talks per member in a month (0 for none), each by their mine's rule."""
    ids = sorted(set(member_ids))
    mines = rules.mines_of(ids)
    by_mine = rules.rules_by_mine(set(mines.values()), month)
    any_mines = [m for m, r in by_mine.items() if r.basis == "any"]
    counts = countable() & (Talk.care_flagged.is_(True) | Talk.mine_id.in_(any_mines or [0]))
    found: dict[int, int] = {}
    # Chunked: PostgreSQL takes at most 65,535 parameters in one statement.
    for i in range(0, len(ids), 5000):
        rows = db.session.execute(
            db.select(Talk.member_id, db.func.count())
            .where(Talk.member_id.in_(ids[i : i + 5000]), Talk.month == month, counts)
            .group_by(Talk.member_id)
        ).all()
        found.update((mid, int(n)) for mid, n in rows)
    return {mid: found.get(mid, 0) for mid in member_ids}


def flagged_on_day(employee_id: int, at) -> bool:
    """Whether the employee carried a care flag at some moment of the (Shanghai) day of `at`,
    as far as the flags' history knows now: what a talk on that day is judged by."""
    day_start, day_end = day_bounds(local(at).date())
    return bool(flagged_during_span([employee_id], day_start, day_end))


def flagged_during_span(employee_ids: list[int], start, end) -> set[int]:
    """The employees who carried a care flag at some moment of [start, end)."""
    ids = sorted(set(employee_ids))
    out: set[int] = set()
    for i in range(0, len(ids), 5000):
        rows = db.session.execute(
            db.select(
                CareFlagChange.person_id,
                CareFlagChange.ideological,
                CareFlagChange.hardship,
                CareFlagChange.at,
            )
            .where(CareFlagChange.person_id.in_(ids[i : i + 5000]), CareFlagChange.at < end)
            .order_by(CareFlagChange.person_id, CareFlagChange.at, CareFlagChange.id)
        ).all()
        before: dict[int, bool] = {}
        for pid, ideological, hardship, at in rows:
            flagged = bool(ideological or hardship)
            if _naive(at) < _naive(start):
                before[pid] = flagged  # the state when the span began: the last change before it
            elif flagged:
                out.add(pid)
        out.update(pid for pid, flagged in before.items() if flagged)
    return out


def _naive(value):
    return value.replace(tzinfo=None) if value.tzinfo is not None else value


def talk_counts(talk: Talk) -> bool:
    """Whether one record counts for its member's month under its mine's rule for that month."""
    if talk.pairing_id is None or talk.corrected_by_id is not None:
        return False
    return talk.care_flagged or rules.cached_rule(talk.mine_id, talk.month).basis == "any"


def talk_counts_note(talk: Talk) -> str | None:
    """Why a record does not count (the words its author is told at once), or None."""
    if talk.corrected_by_id is not None:
        return "该记录已被更正，以更正后的记录为准"
    if talk.pairing_id is None:
        return "您与该职工未结对：此次谈心已记录，但不计入任何党员的当月谈心完成情况"
    if not talk_counts(talk):
        return "按本矿规则，谈心时职工须有关怀标记（思想有波动或生活有困难）才计入当月完成情况"
    return None


@dataclass
class MonthStatus:
    required: int
    done: int
    status: str
    basis: str


def month_statuses(member_ids: list[int], month: str) -> dict[int, MonthStatus]:
    """Each member's month by their mine's rule: done, due, or no one to care for."""
    ids = sorted(set(member_ids))
    if not ids:
        return {}
    mines = rules.mines_of(ids)
    by_mine = rules.rules_by_mine(set(mines.values()), month)
    done = done_counts(ids, month)
    out: dict[int, MonthStatus] = {}
    open_flagged: list[int] = []
    for mid in ids:
        rule = by_mine[mines[mid]]
        status = "done" if done[mid] >= rule.required else "due"
        out[mid] = MonthStatus(rule.required, done[mid], status, rule.basis)
        if status == "due" and rule.basis == "flagged":
            open_flagged.append(mid)
    if open_flagged:
        # Under the seed's rule a member with no flagged pairee this month has nothing to do.
        pairees = db.session.execute(
            db.select(Pairing.member_id, Pairing.employee_id).where(
                Pairing.member_id.in_(open_flagged), paired_during(month)
            )
        ).all()
        start, end = month_bounds(month)
        flagged = flagged_during_span([e for _, e in pairees], start, end)
        caring = {m for m, e in pairees if e in flagged}
        for mid in open_flagged:
            if mid not in caring:
                out[mid].status = "no_one_to_care"
    return out


def paired_during(month: str):
    """The condition for a pairing that ran at some moment of the month."""
    start, end = month_bounds(month)
    return (Pairing.started_at < end) & or_(Pairing.ended_at.is_(None), Pairing.ended_at > start)


@dataclass
class MemberRow:
    member_id: int
    name: str
    employee_no: str
    employees: int
    required: int
    done: int
    status: str


def _rate(rows: list[MemberRow]) -> float | None:
    if not rows:
        return None
    return round(sum(r.status == "done" for r in rows) / len(rows), 4)


def branch_compliance(branch: Branch, month: str) -> dict:
    """Members paired in the branch during the month: done/due, the rate, who is unpaired."""
    pairs = db.session.execute(
        db.select(Pairing.member_id, db.func.count(db.distinct(Pairing.employee_id)))
        .where(Pairing.branch_id == branch.id, paired_during(month))
        .group_by(Pairing.member_id)
    ).all()
    employees = {mid: int(n) for mid, n in pairs}
    people = {
        p.id: p for p in db.session.scalars(db.select(Person).where(Person.id.in_(employees)))
    }
    rule = rules.rule_for(branch.mine_id, month)
    statuses = month_statuses(list(employees), month)
    required = rule.required
    all_rows = [
        MemberRow(
            mid,
            people[mid].name,
            people[mid].employee_no,
            employees[mid],
            statuses[mid].required,
            statuses[mid].done,
            statuses[mid].status,
        )
        for mid in employees
    ]
    rows = [r for r in all_rows if r.status != "no_one_to_care"]
    rows.sort(key=lambda r: (r.status == "done", r.employee_no))
    resting = sorted(
        (r for r in all_rows if r.status == "no_one_to_care"), key=lambda r: r.employee_no
    )
    unpaired = db.session.scalars(
        db.select(Person)
        .where(
            Person.branch_id == branch.id,
            Person.political_status.in_(PARTY_STATUSES),
            Person.left_at.is_(None),
            Person.id.not_in(list(employees) or [0]),
        )
        .order_by(Person.employee_no)
    ).all()
    return {
        "month": month,
        "branch_id": branch.id,
        "branch_name": branch.name,
        "required": required,
        "rule": rule_out(rule),
        "rate": _rate(rows),
        "members": [
            {
                "member_id": r.member_id,
                "name": r.name,
                "employee_no": r.employee_no,
                "employees": r.employees,
                "required": r.required,
                "done": r.done,
                "status": r.status,
            }
            for r in rows
        ],
        "unpaired": [
            {"member_id": p.id, "name": p.name, "employee_no": p.employee_no} for p in unpaired
        ],
        "no_one_to_care": [
            {
                "member_id": r.member_id,
                "name": r.name,
                "employee_no": r.employee_no,
                "employees": r.employees,
            }
            for r in resting
        ],
    }


def rule_out(rule: rules.Rule) -> dict:
    """A rule as the API and pages show it."""
    return {
        "basis": rule.basis,
        "required": rule.required,
        "effective_month": rule.effective_month,
        "label": rule.label,
    }


def mine_rollup(mine_id: int, month: str) -> dict:
    """Per-branch totals for the committee: members paired, done, due and the rate."""
    pairs = db.session.execute(
        db.select(Pairing.branch_id, Pairing.member_id)
        .where(Pairing.mine_id == mine_id, paired_during(month))
        .distinct()
    ).all()
    by_branch: dict[int, set[int]] = defaultdict(set)
    for branch_id, member_id in pairs:
        by_branch[branch_id].add(member_id)
    rule = rules.rule_for(mine_id, month)
    statuses = month_statuses(list({m for ms in by_branch.values() for m in ms}), month)
    # Members with no one to care for are counted apart: the rate is done / (done + due).
    resting = {m for m, s in statuses.items() if s.status == "no_one_to_care"}
    all_members = set(statuses) - resting
    branches = db.session.scalars(
        db.select(Branch).where(Branch.mine_id == mine_id).order_by(Branch.name)
    ).all()
    overdue = duties.overdue_by_branch(mine_id)
    out = []
    for b in branches:
        members = by_branch.get(b.id, set()) - resting
        n_done = sum(statuses[m].status == "done" for m in members)
        out.append(
            {
                "branch_id": b.id,
                "name": b.name,
                "members": len(members),
                "done": n_done,
                "due": len(members) - n_done,
                "rate": round(n_done / len(members), 4) if members else None,
                "no_one_to_care": len(by_branch.get(b.id, set()) & resting),
                "overdue_duties": overdue.get(b.id, 0),
            }
        )
    total_done = sum(statuses[m].status == "done" for m in all_members)
    return {
        "month": month,
        "required": rule.required,
        "rule": rule_out(rule),
        "members": len(all_members),
        "done": total_done,
        "due": len(all_members) - total_done,
        "rate": round(total_done / len(all_members), 4) if all_members else None,
        "no_one_to_care": len(resting),
        "overdue_duties": sum(overdue.values()),
        "branches": out,
    }


def sync_monthly_award(member_id: int, month: str, actor_person_id: int | None = None) -> None:
    """Bring the member's monthly_talks_done points for a month in line with its count."""
    prefix = f"talks:{month}"
    entries = db.session.execute(
        db.select(PointsEntry.delta).where(
            PointsEntry.person_id == member_id,
            PointsEntry.kind == AWARD_KIND,
            or_(PointsEntry.ref == prefix, PointsEntry.ref.like(prefix + "#%")),
        )
    ).all()
    net = sum(d for (d,) in entries)
    status = month_statuses([member_id], month)[member_id]
    done, required = status.done, status.required
    ref = prefix if not entries else f"{prefix}#{len(entries) + 1}"
    if done >= required and net <= 0:
        points = rule_points(member_id, AWARD_KIND)
        if points is None:  # the mine's rulebook no longer scores talks
            return
        award(
            member_id,
            points - net,
            AWARD_KIND,
            f"{month} 完成每月谈心（{done} 次）",
            ref,
            actor_person_id,
        )
    elif done < required and net > 0:
        award(
            member_id,
            -net,
            AWARD_KIND,
            f"{month} 谈心记录更正后未达要求，撤回积分",
            ref,
            actor_person_id,
        )
