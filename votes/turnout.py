"""Turnout (参与率) of a campaign for the committee: the mine's bound employees (who may vote),
how many of them voted today and overall, per branch and per unit, and voters per day.

Eligible: a person of the mine who has not left and has a bound account (the same people the
non-voter reminder writes to), and anyone who has voted in the campaign (unbound or gone since:
they were eligible when they voted), so a rate never passes 100 %. A voter: a person with a
counted (not voided) ballot; both grouped by their branch and unit now."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from typing import Any

from models import Account, Ballot, Branch, Campaign, Person, Unit, db
from votes import clock


def _rate(voters: int, eligible: int) -> float | None:
    return round(voters / eligible, 4) if eligible else None


def turnout(campaign: Campaign, today: date | None = None) -> dict[str, Any]:
    """The campaign's turnout now (`today`: the Shanghai vote day, default now's)."""
    today = today or clock.vote_day(clock.now())
    voted = (
        db.select(Ballot.id)
        .where(
            Ballot.campaign_id == campaign.id,
            Ballot.voter_id == Person.id,
            Ballot.voided_at.is_(None),
        )
        .exists()
    )
    bound = db.select(Account.id).where(Account.person_id == Person.id).exists()
    eligible_rows = db.session.execute(
        db.select(Person.branch_id, Person.unit_id, db.func.count())
        .where(
            Person.mine_id == campaign.mine_id,
            db.or_(db.and_(Person.left_at.is_(None), bound), voted),
        )
        .group_by(Person.branch_id, Person.unit_id)
    ).all()
    counted = db.select(Ballot.voter_id).where(
        Ballot.campaign_id == campaign.id, Ballot.voided_at.is_(None)
    )

    def voters(stmt: Any) -> list[Any]:
        sub = stmt.distinct().subquery()
        return db.session.execute(
            db.select(Person.branch_id, Person.unit_id, db.func.count())
            .join(sub, sub.c.voter_id == Person.id)
            .group_by(Person.branch_id, Person.unit_id)
        ).all()

    overall_rows = voters(counted)
    today_rows = voters(counted.where(Ballot.vote_day == today))
    per_day = db.session.execute(
        db.select(Ballot.vote_day, db.func.count(db.distinct(Ballot.voter_id)))
        .where(Ballot.campaign_id == campaign.id, Ballot.voided_at.is_(None))
        .group_by(Ballot.vote_day)
        .order_by(Ballot.vote_day)
    ).all()

    cells: dict[tuple[int | None, int | None], dict[str, int]] = defaultdict(
        lambda: {"eligible": 0, "voters": 0, "voters_today": 0}
    )
    for rows, key in (
        (eligible_rows, "eligible"),
        (overall_rows, "voters"),
        (today_rows, "voters_today"),
    ):
        for branch_id, unit_id, n in rows:
            cells[(branch_id, unit_id)][key] += n

    branch_names = dict(
        db.session.execute(
            db.select(Branch.id, Branch.name).where(Branch.mine_id == campaign.mine_id)
        ).all()
    )
    unit_names = dict(
        db.session.execute(
            db.select(Unit.id, Unit.name).where(Unit.mine_id == campaign.mine_id)
        ).all()
    )

    def rollup(index: int, names: dict[int, str], id_key: str, name_key: str) -> list[dict]:
        groups: dict[int | None, dict[str, int]] = defaultdict(
            lambda: {"eligible": 0, "voters": 0, "voters_today": 0}
        )
        for key, values in cells.items():
            for k, v in values.items():
                groups[key[index]][k] += v
        out = [
            {
                id_key: gid,
                name_key: names.get(gid, "未分配") if gid is not None else "未分配",
                **values,
                "rate": _rate(values["voters"], values["eligible"]),
                "rate_today": _rate(values["voters_today"], values["eligible"]),
            }
            for gid, values in groups.items()
        ]
        return sorted(out, key=lambda e: (-(e["rate"] or 0), e[name_key]))

    total = {k: sum(v[k] for v in cells.values()) for k in ("eligible", "voters", "voters_today")}
    return {
        "campaign_id": campaign.id,
        "day": today,
        **total,
        "rate": _rate(total["voters"], total["eligible"]),
        "rate_today": _rate(total["voters_today"], total["eligible"]),
        "by_branch": rollup(0, branch_names, "branch_id", "branch"),
        "by_unit": rollup(1, unit_names, "unit_id", "unit"),
        "by_day": [{"day": d, "voters": n} for d, n in per_day],
    }
