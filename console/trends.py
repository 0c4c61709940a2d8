"""全矿概览's 12-month trends: talk compliance month by month, wishes posted and completed, and
voting turnout per campaign — read from the domains' own queries, for the charts and their
export alike."""

from __future__ import annotations

from typing import Any

from pairings import compliance
from votes import queries as vote_queries
from wishes import queries as wish_queries

MONTHS = 12


def months_to(month: str, n: int = MONTHS) -> list[str]:
    """The `n` months ending with `month` ("YYYY-MM"), oldest first."""
    year, mon = int(month[:4]), int(month[5:7])
    out = []
    for _ in range(n):
        out.append(f"{year:04d}-{mon:02d}")
        year, mon = (year, mon - 1) if mon > 1 else (year - 1, 12)
    return out[::-1]


def talk_compliance(mine_id: int, month: str) -> list[dict[str, Any]]:
    """Per month: paired members, those who met the month's talks, the rate (None: nobody
    was paired that month)."""
    out = []
    for m in months_to(month):
        rollup = compliance.mine_rollup(mine_id, m)
        out.append(
            {
                "month": m,
                "members": rollup["members"],
                "done": rollup["done"],
                "rate": rollup["rate"],
            }
        )
    return out


def wishes(principal: Any, month: str) -> list[dict[str, Any]]:
    """Per month: wishes posted and wishes completed (China-time months)."""
    wanted = months_to(month)
    by_month: dict[str, dict[str, Any]] = {}
    for year in sorted({int(m[:4]) for m in wanted}):
        for row in wish_queries.monthly_counts(principal, year):
            by_month[row["month"]] = row
    return [
        {"month": m, "posted": by_month[m]["posted"], "completed": by_month[m]["completed"]}
        for m in wanted
    ]


def turnout(mine_id: int) -> list[dict[str, Any]]:
    """The latest campaigns that opened, oldest first, with their turnout."""
    return vote_queries.turnout(mine_id, MONTHS)


def build(principal: Any, mine_id: int, month: str) -> dict[str, Any]:
    """The three trends, with what an empty one lacks said instead of drawn."""
    talks = talk_compliance(mine_id, month)
    posted = wishes(principal, month)
    votes = turnout(mine_id)
    return {
        "talks": talks,
        "wishes": posted,
        "turnout": votes,
        "talks_empty": None
        if any(t["members"] for t in talks)
        else "尚未结对：近 12 个月没有结对党员，暂无谈心完成率",
        "wishes_empty": None
        if any(w["posted"] or w["completed"] for w in posted)
        else "近 12 个月没有提交或完成的心愿",
        "turnout_empty": None if votes else "还没有开始投票的评选，暂无参与率",
    }
