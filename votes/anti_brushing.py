"""What the committee looks at to find brushed votes (刷票).

Only bound, eligible accounts vote at all and every ballot keeps time, IP and client hints; these
views pick out the patterns that need a human: many ballots for one candidate from one unit
within a few minutes, and accounts bound shortly before they voted. Voiding is ballots.void_ballot.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta
from typing import Any

from models import Account, Ballot, Candidate, Person, Unit, db

MAX_IDS = 500


def _names(campaign_id: int) -> dict[int, str]:
    return dict(
        db.session.execute(
            db.select(Candidate.id, Person.name)
            .join(Person, Person.id == Candidate.person_id)
            .where(Candidate.campaign_id == campaign_id)
        ).all()
    )


def bursts(
    campaign_id: int, since: datetime, window: timedelta, min_ballots: int
) -> list[dict[str, Any]]:
    """Runs of at least `min_ballots` non-voided ballots for one candidate from one unit, each
    within `window` of the previous ones (overlapping windows merged), biggest first."""
    rows = db.session.execute(
        db.select(Ballot.id, Ballot.candidate_id, Ballot.voter_unit_id, Ballot.cast_at)
        .where(
            Ballot.campaign_id == campaign_id,
            Ballot.cast_at >= since,
            Ballot.voided_at.is_(None),
        )
        .order_by(Ballot.cast_at, Ballot.id)
    ).all()
    groups: dict[tuple[int, int | None], list[tuple[int, datetime]]] = defaultdict(list)
    for ballot_id, candidate_id, unit_id, cast_at in rows:
        groups[(candidate_id, unit_id)].append((ballot_id, cast_at))
    found = []
    for (candidate_id, unit_id), items in groups.items():
        left = 0
        run: tuple[int, int] | None = None  # first and last index of the current flagged run
        for right in range(len(items)):
            while items[right][1] - items[left][1] > window:
                left += 1
            if right - left + 1 < min_ballots:
                continue
            if run is not None and left <= run[1]:
                run = (run[0], right)
            else:
                if run is not None:
                    found.append((candidate_id, unit_id, items[run[0] : run[1] + 1]))
                run = (left, right)
        if run is not None:
            found.append((candidate_id, unit_id, items[run[0] : run[1] + 1]))
    names = _names(campaign_id)
    units = dict(db.session.execute(db.select(Unit.id, Unit.name)).all()) if found else {}
    out = [
        {
            "candidate_id": candidate_id,
            "candidate_name": names.get(candidate_id, ""),
            "unit_id": unit_id,
            "unit": units.get(unit_id, ""),
            "first_at": run[0][1],
            "last_at": run[-1][1],
            "ballots": len(run),
            "ballot_ids": [b for b, _ in run][:MAX_IDS],
        }
        for candidate_id, unit_id, run in found
    ]
    out.sort(key=lambda r: (-r["ballots"], r["first_at"]))
    return out


def fresh_accounts(
    campaign_id: int, since: datetime, fresh: timedelta, min_accounts: int
) -> list[dict[str, Any]]:
    """Per candidate, ballots cast by accounts bound less than `fresh` before voting, when at
    least `min_accounts` such accounts voted for them."""
    rows = db.session.execute(
        db.select(
            Ballot.id,
            Ballot.candidate_id,
            Ballot.cast_at,
            Ballot.account_id,
            Account.bound_at,
            Person.employee_no,
            Person.name,
        )
        .join(Account, Account.id == Ballot.account_id)
        .join(Person, Person.id == Ballot.voter_id)
        .where(
            Ballot.campaign_id == campaign_id,
            Ballot.cast_at >= since,
            Ballot.voided_at.is_(None),
            Account.bound_at.is_not(None),
        )
        .order_by(Ballot.cast_at)
    ).all()
    per_candidate: dict[int, dict[str, Any]] = {}
    for ballot_id, candidate_id, cast_at, account_id, bound_at, employee_no, name in rows:
        if not (timedelta(0) <= cast_at - bound_at < fresh):
            continue
        entry = per_candidate.setdefault(
            candidate_id, {"ballot_ids": [], "accounts": {}, "ballots": 0}
        )
        entry["ballots"] += 1
        entry["ballot_ids"].append(ballot_id)
        entry["accounts"].setdefault(
            account_id,
            {
                "account_id": account_id,
                "employee_no": employee_no,
                "name": name,
                "bound_at": bound_at.isoformat(),
            },
        )
    names = _names(campaign_id) if per_candidate else {}
    out = [
        {
            "candidate_id": candidate_id,
            "candidate_name": names.get(candidate_id, ""),
            "accounts": len(e["accounts"]),
            "ballots": e["ballots"],
            "ballot_ids": e["ballot_ids"][:MAX_IDS],
            "voters": list(e["accounts"].values())[:MAX_IDS],
        }
        for candidate_id, e in per_candidate.items()
        if len(e["accounts"]) >= min_accounts
    ]
    out.sort(key=lambda r: -r["accounts"])
    return out
