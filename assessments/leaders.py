"""优秀班组长 (issue 21 item 5): a 区队's leader nominates the leader of one of its 班组 for a
quarter with a citation; a committee member of the mine approves or rejects it, once (a
conditional UPDATE on `pending`), never a nomination they made or one about themselves. One
nomination per 班组 and quarter (unique; a rejected one stays the quarter's answer).

An approved nomination is a public honour (`honours()` — the wall lists it with the 六好区队);
whatever registered with `on_approve` (the honour roll, which mirrors it) is called in the
approving transaction, so this package never imports its readers.

Points: where the mine's rulebook has an active manual rule coded GROUP_LEADER (the mine's
setting), approval also asks the points ledger for that rule's points through the
maker-checker requests — the request waits for another committee member unless
the rule needs no second approver. No rule, a person who is not a party member, or the approver
themselves: no points request (the award still stands). The caller commits.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from accounts.principal import Principal
from assessments import access
from assessments.awards import quarter_months
from assessments.errors import (
    AlreadyNominated,
    NoGroupLeader,
    NominationDecided,
    NominationNotFound,
    NotAGroup,
    NotTheTeamLeaderOfGroup,
    OwnNomination,
)
from models import LeaderNomination, Person, Unit, UnitDuty, db, utcnow
from models.unit_of_work import insert_once

POINTS_RULE = "GROUP_LEADER"

_ON_APPROVE: list[Callable[[LeaderNomination], Any]] = []


def on_approve(hook: Callable[[LeaderNomination], Any]) -> None:
    """Call `hook(nomination)` when a nomination is approved, in the same transaction (once
    per hook, however often registered)."""
    if hook not in _ON_APPROVE:
        _ON_APPROVE.append(hook)


def nominate(principal: Principal, quarter: str, group_id: int, citation: str) -> LeaderNomination:
    """The 区队's leader puts the 班组's leader forward for the quarter."""
    me = principal.require_bound()
    quarter_months(quarter)
    group = access.mine_unit(me.mine_id, group_id)
    if group.kind != "group" or group.parent_id is None:
        raise NotAGroup()
    if group.parent_id not in access.led_teams(me.id):
        raise NotTheTeamLeaderOfGroup()
    leader_id = db.session.scalar(
        db.select(UnitDuty.person_id)
        .join(Person, Person.id == UnitDuty.person_id)
        .where(UnitDuty.unit_id == group.id, UnitDuty.duty == "leader", Person.left_at.is_(None))
        .order_by(UnitDuty.id)
        .limit(1)
    )
    if leader_id is None:
        raise NoGroupLeader()
    row = LeaderNomination(
        mine_id=me.mine_id,
        quarter=quarter,
        group_id=group.id,
        person_id=leader_id,
        citation=citation.strip(),
        status="pending",
        nominated_by_id=me.id,
        nominated_at=utcnow(),
    )
    if not insert_once(row):
        raise AlreadyNominated()
    return row


def _of_mine(principal: Principal, nomination_id: int) -> LeaderNomination:
    me = principal.require_bound()
    row = db.session.get(LeaderNomination, nomination_id)
    if row is None or row.mine_id != me.mine_id:
        raise NominationNotFound()
    return row


def decide(
    principal: Principal, nomination_id: int, approve: bool, reason: str = ""
) -> LeaderNomination:
    """A committee member approves or rejects a pending nomination (once)."""
    me = access.committee(principal)
    row = _of_mine(principal, nomination_id)
    if me.id in (row.nominated_by_id, row.person_id):
        raise OwnNomination()
    won = db.session.execute(
        db.update(LeaderNomination)
        .where(LeaderNomination.id == row.id, LeaderNomination.status == "pending")
        .values(
            status="approved" if approve else "rejected",
            decided_by_id=me.id,
            decided_at=utcnow(),
            decision_reason=(reason or "").strip()[:255] or None,
        )
        .execution_options(synchronize_session=False)
    )
    if won.rowcount != 1:
        raise NominationDecided()
    db.session.refresh(row)
    if approve:
        row.points_request_id = _ask_points(principal, row)
        db.session.flush()
        for hook in _ON_APPROVE:
            hook(row)
    return row


def _ask_points(principal: Principal, row: LeaderNomination) -> int | None:
    """A points request under the mine's GROUP_LEADER rule, if the mine has one (see above)."""
    from points import rulebook
    from points.requests import request_adjustment

    person = db.session.get(Person, row.person_id)
    if person is None or not person.is_party_member or person.id == principal.person_id:
        return None
    if rulebook.rule_for(row.mine_id, "manual", utcnow(), POINTS_RULE) is None:
        return None
    request = request_adjustment(
        principal,
        person.employee_no,
        None,
        f"{row.quarter} 优秀班组长（{row.group.name}）",
        rule_code=POINTS_RULE,
        evidence=row.citation,
    )
    return request.id


def nominations(principal: Principal, quarter: str | None = None) -> list[LeaderNomination]:
    """The committee: every nomination of the mine; a 区队's leader: those of their teams."""
    me = principal.require_bound()
    stmt = db.select(LeaderNomination).where(LeaderNomination.mine_id == me.mine_id)
    if quarter:
        quarter_months(quarter)
        stmt = stmt.where(LeaderNomination.quarter == quarter)
    if not access.is_committee(principal):
        teams = sorted(access.led_teams(me.id)) or [0]
        group_ids = db.select(Unit.id).where(Unit.parent_id.in_(teams))
        stmt = stmt.where(LeaderNomination.group_id.in_(group_ids))
    return list(
        db.session.scalars(stmt.order_by(LeaderNomination.quarter.desc(), LeaderNomination.id))
    )


def honours(mine_id: int, quarter: str | None = None) -> list[dict[str, Any]]:
    """The mine's approved 优秀班组长 (of a quarter, or all), newest quarter first: the public
    honour with its citation — what the honour wall (and the lead's honour roll) shows."""
    stmt = db.select(LeaderNomination).where(
        LeaderNomination.mine_id == mine_id, LeaderNomination.status == "approved"
    )
    if quarter:
        quarter_months(quarter)
        stmt = stmt.where(LeaderNomination.quarter == quarter)
    rows = db.session.scalars(
        stmt.order_by(LeaderNomination.quarter.desc(), LeaderNomination.id)
    ).all()
    parents = dict(
        db.session.execute(
            db.select(Unit.id, Unit.name).where(
                Unit.id.in_({r.group.parent_id for r in rows if r.group.parent_id} or {0})
            )
        ).all()
    )
    return [
        {
            "id": r.id,
            "quarter": r.quarter,
            "title": "优秀班组长",
            "person_id": r.person_id,
            "name": r.person.name,
            "group_id": r.group_id,
            "group": r.group.name,
            "team": parents.get(r.group.parent_id, ""),
            "citation": r.citation,
            "approved_at": r.decided_at,
        }
        for r in rows
    ]
