"""Ranks: a member's place by points within their branch and their mine over a year."""

from __future__ import annotations

from dataclasses import dataclass

from models import Person, db
from points.ledger import Period, members_totals_query


@dataclass
class Rank:
    total: int
    branch_rank: int | None
    branch_size: int
    mine_rank: int
    mine_size: int


def ranked(mine_id: int, branch_id: int | None, period: Period) -> list[tuple[Person, int, int]]:
    """(person, total, rank) best first; equal totals share a rank (1, 2, 2, 4)."""
    rows = db.session.execute(members_totals_query(mine_id, branch_id, period)).all()
    out: list[tuple[Person, int, int]] = []
    last, rank = None, 0
    for i, row in enumerate(rows, start=1):
        total = int(row.total)
        if total != last:
            rank, last = i, total
        out.append((row[0], total, rank))
    return out


def rank_of(person: Person, period: Period) -> Rank:
    """A party member's total and places in their branch and mine."""
    mine = ranked(person.mine_id, None, period)
    branch = [r for r in mine if r[0].branch_id == person.branch_id] if person.branch_id else []
    total = next((t for p, t, _ in mine if p.id == person.id), 0)
    mine_rank = next((r for p, _, r in mine if p.id == person.id), len(mine) + 1)
    branch_rank = None
    if branch:
        branch_rank = 1 + sum(1 for _, t, _ in branch if t > total)
    return Rank(total, branch_rank, len(branch), mine_rank, len(mine))
