"""Monthly talk compliance: who has held the month's talks, who is still due, and the points.

A talk counts for its member's month when it was held with an employee paired to them (it
carries a pairing) and has not been replaced by a correction. Months are calendar months in
Asia/Shanghai.

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

from models import Branch, Pairing, Person, PointsEntry, Talk, db
from models.people import PARTY_STATUSES
from pairings.months import month_bounds
from pairings.settings import setting
from points.ledger import award, rule_points

AWARD_KIND = "monthly_talks_done"


def required_per_month() -> int:
    """Talks each member must hold with paired employees per month."""
    return setting("TALKS_REQUIRED_PER_MONTH")


def countable():
    """The condition for a talk that counts towards its member's month."""
    return (Talk.pairing_id.is_not(None)) & (Talk.corrected_by_id.is_(None))


def done_counts(member_ids: list[int], month: str) -> dict[int, int]:
    """Countable talks per member in a month (0 for none)."""
    ids = sorted(set(member_ids))
    found: dict[int, int] = {}
    # Chunked: PostgreSQL takes at most 65,535 parameters in one statement.
    for i in range(0, len(ids), 5000):
        rows = db.session.execute(
            db.select(Talk.member_id, db.func.count())
            .where(Talk.member_id.in_(ids[i : i + 5000]), Talk.month == month, countable())
            .group_by(Talk.member_id)
        ).all()
        found.update((mid, int(n)) for mid, n in rows)
    return {mid: found.get(mid, 0) for mid in member_ids}


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

    @property
    def status(self) -> str:
        return "done" if self.done >= self.required else "due"


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
    done = done_counts(list(employees), month)
    required = required_per_month()
    rows = [
        MemberRow(
            mid, people[mid].name, people[mid].employee_no, employees[mid], required, done[mid]
        )
        for mid in employees
    ]
    rows.sort(key=lambda r: (r.status == "done", r.employee_no))
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
    all_members = {m for ms in by_branch.values() for m in ms}
    done = done_counts(list(all_members), month)
    required = required_per_month()
    branches = db.session.scalars(
        db.select(Branch).where(Branch.mine_id == mine_id).order_by(Branch.name)
    ).all()
    out = []
    for b in branches:
        members = by_branch.get(b.id, set())
        n_done = sum(done[m] >= required for m in members)
        out.append(
            {
                "branch_id": b.id,
                "name": b.name,
                "members": len(members),
                "done": n_done,
                "due": len(members) - n_done,
                "rate": round(n_done / len(members), 4) if members else None,
            }
        )
    total_done = sum(done[m] >= required for m in all_members)
    return {
        "month": month,
        "required": required,
        "members": len(all_members),
        "done": total_done,
        "due": len(all_members) - total_done,
        "rate": round(total_done / len(all_members), 4) if all_members else None,
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
    done = done_counts([member_id], month)[member_id]
    required = required_per_month()
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
