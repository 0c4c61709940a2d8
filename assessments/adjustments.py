"""Corrections after the lock: a committee member asks to add or take points from a team's
locked result, with a reason; another committee member of the mine approves (the stored
result, grade and every rank are rewritten) or rejects. The decision is one conditional UPDATE
(`… WHERE status = 'pending'`), so of two deciders exactly one wins. The caller commits."""

from __future__ import annotations

from accounts.principal import Principal
from assessments import access, rounds
from assessments.errors import (
    AdjustmentDecided,
    AdjustmentNotFound,
    AdjustmentOutOfRange,
    MonthNotLocked,
    NotATeam,
    OwnAdjustment,
)
from models import MonthResult, ResultAdjustment, db, utcnow
from points.requests import file_pending


def _check_range(month_id: int, team_id: int, delta: int) -> None:
    result = db.session.scalar(
        db.select(MonthResult).where(
            MonthResult.month_id == month_id, MonthResult.team_id == team_id
        )
    )
    if result is None:
        raise NotATeam("该单位不在本月考核结果中")
    if not 0 <= result.total + delta <= rounds.FULL_MARKS:
        raise AdjustmentOutOfRange()


def request(
    principal: Principal, month_id: int, team_id: int, delta: int, reason: str
) -> ResultAdjustment:
    me = access.committee(principal)
    month = rounds.month_of(me.mine_id, month_id)
    if month.status != "locked":
        raise MonthNotLocked()
    _check_range(month.id, team_id, delta)
    return file_pending(
        ResultAdjustment,
        me.id,
        month_id=month.id,
        team_id=team_id,
        delta=delta,
        reason=reason.strip(),
    )


def decide(
    principal: Principal, adjustment_id: int, approve: bool, reason: str
) -> ResultAdjustment:
    me = access.committee(principal)
    row = db.session.get(ResultAdjustment, adjustment_id)
    if row is None:
        raise AdjustmentNotFound()
    month = rounds.month_of(me.mine_id, row.month_id)
    if row.requested_by_id == me.id:
        raise OwnAdjustment()
    if row.status != "pending":
        raise AdjustmentDecided()
    if approve:
        _check_range(month.id, row.team_id, row.delta)
    won = db.session.execute(
        db.update(ResultAdjustment)
        .where(ResultAdjustment.id == row.id, ResultAdjustment.status == "pending")
        .values(
            status="approved" if approve else "rejected",
            decided_by_id=me.id,
            decided_at=utcnow(),
            decision_reason=reason.strip(),
        )
        .execution_options(synchronize_session=False)
    )
    if won.rowcount != 1:
        raise AdjustmentDecided()
    db.session.refresh(row)
    if approve:
        team_ids = list(
            db.session.scalars(
                db.select(MonthResult.team_id).where(MonthResult.month_id == month.id)
            )
        )
        rounds.write_results(month, team_ids)
    return row


def listing(principal: Principal, month_id: int) -> list[ResultAdjustment]:
    me = access.committee(principal)
    month = rounds.month_of(me.mine_id, month_id)
    return list(
        db.session.scalars(
            db.select(ResultAdjustment)
            .where(ResultAdjustment.month_id == month.id)
            .order_by(ResultAdjustment.id)
        )
    )
