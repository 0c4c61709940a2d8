"""What the pages and the API read: a team's sheet, the committee's month board, objection
lists — each filtered by who is asking (the committee sees its mine; an office's staff the items
their office scores; a team's people their own team's sheet, never another team's). The same
functions serve 区队 months and 班组 months (六型班组): on a 班组's sheet its own people and its
leader see it whole, so does the leader of its 区队; an office sees the items it scores."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from accounts.principal import Principal
from assessments import access, photos, rounds
from assessments.errors import MonthNotFound
from models import (
    AssessmentMonth,
    Deduction,
    DeductionObjection,
    MonthResult,
    OfficeSubmission,
    SheetItem,
    Unit,
    Upload,
    db,
)


def months(principal: Principal, kind: str | None = None) -> list[AssessmentMonth]:
    """The mine's months (of a kind, or all), newest first — within a calendar month the 区队
    month before the 班组 month (their names and status are no secret in the mine)."""
    me = principal.require_bound()
    stmt = db.select(AssessmentMonth).where(AssessmentMonth.mine_id == me.mine_id)
    if kind is not None:
        stmt = stmt.where(AssessmentMonth.kind == kind)
    return list(
        db.session.scalars(
            stmt.order_by(
                AssessmentMonth.month.desc(),
                AssessmentMonth.kind.desc(),  # "team" before "group"
                AssessmentMonth.id.desc(),
            )
        )
    )


def month_by_name(principal: Principal, month: str, kind: str = "team") -> AssessmentMonth:
    me = principal.require_bound()
    row = db.session.scalar(
        db.select(AssessmentMonth).where(
            AssessmentMonth.mine_id == me.mine_id,
            AssessmentMonth.kind == kind,
            AssessmentMonth.month == month,
        )
    )
    if row is None:
        raise MonthNotFound()
    return row


def _scope(principal: Principal, unit: Unit) -> set[int] | None:
    """The scoring units whose items the caller may read on this unit's sheet (None: all).
    A 区队 (or 班组) sheet is whole for its own people and its leader; a 班组's also for the
    leader of its 区队."""
    if access.is_committee(principal):
        return None
    me = principal.require_bound()
    led = access.led_units(me.id)
    if access.in_unit(me, unit.id) or unit.id in led:
        return None
    if unit.kind == "group" and unit.parent_id in access.led_teams(me.id):
        return None
    # A 区队's leader sees its own 班组' sheets whole (above), no other 区队's or 班组's.
    scoring = access.duty_units(me.id, "scorer")
    if scoring:
        return scoring
    raise MonthNotFound(
        "无权查看该班组的考核表" if unit.kind == "group" else "无权查看该区队的考核表"
    )


def submissions(month: AssessmentMonth) -> dict[int, OfficeSubmission]:
    return {
        s.office_id: s
        for s in db.session.scalars(
            db.select(OfficeSubmission).where(OfficeSubmission.month_id == month.id)
        )
    }


def sheet(
    principal: Principal,
    month_id: int,
    team_id: int,
    photo_url: Callable[[Upload], str] | None = None,
) -> dict[str, Any]:
    """One team's sheet of a month: every item the caller may see, its deduction (if any)
    with its evidence photos (linked by `photo_url`) and the objection on it; the total, grade
    and rank when the caller sees the whole sheet."""
    month = rounds.visible_month(principal, month_id)
    team = db.session.get(Unit, team_id)
    if team is None or team.mine_id != month.mine_id or team.kind != month.kind:
        raise MonthNotFound(f"该{rounds.unit_noun(month)}不存在")
    offices = _scope(principal, team)
    items: list[SheetItem] = [
        i for i in month.template.items if offices is None or rounds.scorer_of(i, team) in offices
    ]
    deductions = {
        d.item_id: d
        for d in db.session.scalars(
            db.select(Deduction).where(Deduction.month_id == month.id, Deduction.team_id == team.id)
        )
    }
    objections = {
        o.deduction_id: o
        for o in db.session.scalars(
            db.select(DeductionObjection).where(
                DeductionObjection.deduction_id.in_([d.id for d in deductions.values()] or [0])
            )
        )
    }
    evidence = photos.photos_by_deduction([d.id for d in deductions.values()])
    sent = submissions(month)
    scorers = {i.id: rounds.scorer_of(i, team) for i in items}
    office_names = dict(
        db.session.execute(
            db.select(Unit.id, Unit.name).where(
                Unit.id.in_({u for u in scorers.values() if u is not None} or {0})
            )
        ).all()
    )
    lines = []
    for item in items:
        d = deductions.get(item.id)
        o = objections.get(d.id) if d is not None else None
        submission = sent.get(scorers[item.id])
        lines.append(
            {
                "item_id": item.id,
                "position": item.position,
                "group": item.group_name,
                "title": item.title,
                "rule": item.rule,
                "max_points": item.max_points,
                "veto": item.veto,
                "office_id": scorers[item.id],
                "office": office_names.get(scorers[item.id], ""),
                "scored_by_parent": item.office_id is None,
                "submitted": submission is not None,
                "objection_until": rounds.window_end(month, submission) if submission else None,
                "deduction": None
                if d is None
                else {
                    "id": d.id,
                    "points": d.points,
                    "vetoed": d.vetoed,
                    "reason": d.reason,
                    "version": d.version,
                    "scored_at": d.scored_at,
                    "photos": [
                        {"id": u.id, "url": photo_url(u) if photo_url else ""}
                        for u in evidence.get(d.id, [])
                    ],
                },
                "objection": None
                if o is None
                else {
                    "id": o.id,
                    "text": o.text,
                    "raised_at": o.raised_at,
                    "answer": o.answer,
                    "answered_at": o.answered_at,
                    "points_before": o.points_before,
                },
            }
        )
    result = None
    if offices is None:
        mine = [r for r in rounds.results(month) if r["team_id"] == team.id]
        if mine:
            result = dict(mine[0])
            if month.status != "locked":
                result["rank"] = None  # provisional ranks are the committee's (board) only
    return {
        "month": month,
        "team": {"id": team.id, "name": team.name},
        "items": lines,
        "result": result,
    }


def board(principal: Principal, month_id: int) -> dict[str, Any]:
    """The committee's month board: teams × offices (each office's deductions for the team and
    whether it has submitted), totals, grades and ranks (provisional while open)."""
    me = access.committee(principal)
    month = rounds.month_of(me.mine_id, month_id)
    office_ids = rounds.month_offices(month)
    offices = db.session.scalars(
        db.select(Unit).where(Unit.id.in_(office_ids or [0])).order_by(Unit.id)
    ).all()
    sent = submissions(month)
    items = {i.id: i for i in month.template.items}
    teams = {t.id: t for t in rounds.month_teams(month)}
    per_cell: dict[tuple[int, int | None], int] = {}
    for team_id, item_id, points in db.session.execute(
        db.select(Deduction.team_id, Deduction.item_id, Deduction.points).where(
            Deduction.month_id == month.id
        )
    ):
        if team_id not in teams:
            continue
        key = (team_id, rounds.scorer_of(items[item_id], teams[team_id]))
        per_cell[key] = per_cell.get(key, 0) + points
    rows = []
    for r in rounds.results(month):
        rows.append(
            {
                **r,
                "team": teams[r["team_id"]].name,
                "cells": [per_cell.get((r["team_id"], o.id), 0) for o in offices],
            }
        )
    pending_objections = db.session.scalar(
        db.select(db.func.count())
        .select_from(DeductionObjection)
        .where(DeductionObjection.month_id == month.id, DeductionObjection.answered_at.is_(None))
    )
    return {
        "month": month,
        "offices": [
            {
                "id": o.id,
                "name": o.name,
                "submitted": o.id in sent,
                "submitted_at": sent[o.id].submitted_at if o.id in sent else None,
            }
            for o in offices
        ],
        "rows": rows,
        "pending_objections": int(pending_objections or 0),
    }


def objections(principal: Principal, month_id: int) -> list[DeductionObjection]:
    """A month's objections the caller may read: the committee all, an office those on its
    items, a team's leader their team's."""
    month = rounds.visible_month(principal, month_id)
    stmt = (
        db.select(DeductionObjection)
        .join(Deduction, Deduction.id == DeductionObjection.deduction_id)
        .join(SheetItem, SheetItem.id == Deduction.item_id)
        .where(DeductionObjection.month_id == month.id)
    )
    if not access.is_committee(principal):
        me = principal.require_bound()
        offices = access.duty_units(me.id, "scorer")
        led = access.led_units(me.id)
        # A 区队's leader: the objections of its 班组 too (it answers the parent-scored ones).
        groups = db.select(Unit.id).where(Unit.parent_id.in_(sorted(led) or [0]))
        stmt = stmt.where(
            db.or_(
                SheetItem.office_id.in_(sorted(offices) or [0]),
                Deduction.team_id.in_(sorted(led) or [0]),
                Deduction.team_id.in_(groups),
            )
        )
    return list(db.session.scalars(stmt.order_by(DeductionObjection.id)))


def my_team(principal: Principal, kind: str = "team") -> Unit | None:
    """The 区队 (kind team) or 班组 (kind group) a caller belongs to (or leads)."""
    me = principal.require_bound()
    if kind == "group":
        unit = db.session.get(Unit, me.unit_id) if me.unit_id is not None else None
        if unit is not None and unit.kind == "group":
            return unit
        led = sorted(access.led_units(me.id))
        groups = db.session.scalars(
            db.select(Unit).where(Unit.id.in_(led or [0]), Unit.kind == "group").order_by(Unit.id)
        ).all()
        return groups[0] if groups else None
    team_id = access.team_of(me)
    if team_id is None:
        led = sorted(access.led_teams(me.id))
        team_id = led[0] if led else None
    return db.session.get(Unit, team_id) if team_id is not None else None


def team_trend(principal: Principal, team_id: int, limit: int = 12) -> list[dict[str, Any]]:
    """A 区队's (or 班组's) locked months of its kind, oldest first (at most the last
    `limit`): total, grade, rank. Whoever may read the unit's whole sheet may read its trend."""
    me = principal.require_bound()
    unit = db.session.get(Unit, team_id)
    if unit is None or unit.mine_id != me.mine_id or _scope(principal, unit) is not None:
        raise MonthNotFound("无权查看该区队的考核结果")
    rows = db.session.execute(
        db.select(AssessmentMonth.month, MonthResult.total, MonthResult.grade, MonthResult.rank)
        .join(MonthResult, MonthResult.month_id == AssessmentMonth.id)
        .where(
            AssessmentMonth.mine_id == me.mine_id,
            AssessmentMonth.kind == ("group" if unit.kind == "group" else "team"),
            AssessmentMonth.status == "locked",
            MonthResult.team_id == team_id,
        )
        .order_by(AssessmentMonth.month.desc())
        .limit(limit)
    ).all()
    return [
        {"month": m, "total": total, "grade": grade, "rank": rank}
        for m, total, grade, rank in reversed(rows)
    ]
