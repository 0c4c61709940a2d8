"""The monthly round: the committee opens a month (freezing the template version and the grade
thresholds), each office's scoring staff record deductions on the items their office owns for
every 区队 and submit; the team's leader may object once per deduction within the window
(`objection_days` after the office submitted), the office answers (keeping or changing the
deduction); the committee locks when every office has submitted, every objection is answered
and every window has closed. The lock writes the results: total = 100 − deductions, grade by
the frozen thresholds (a triggered veto caps it at 较差), rank. After the lock a result changes
only through an adjustment (adjustments.py).

Two kinds of month run through the same code: kind "team" (六好区队: the mine's 区队 scored by
its offices) and kind "group" (六型班组: the mine's 班组 on a group template). On a group sheet
an item with no office is scored by the assessed 班组's own 区队 (its parent unit): that 区队's
leader scores it for the 班组 under that 区队 only, and the 区队 submits (an OfficeSubmission
row under the 区队's unit id) like an office. "Scoring unit" below means either: an item's
office, or — for a parent-scored item — the assessed 班组's parent 区队 (`scorer_of`).

Only once, under concurrency: a deduction is unique per (month, item, team) — the first score
is an INSERT and a second one at the same instant fails on the constraint (409 score_conflict);
a change names the `version` it read and is a conditional UPDATE (409 when someone changed it
first). Submissions are unique per (month, office); objections per deduction; the answer and the
lock are conditional UPDATEs. The caller commits; `now` is passed in so jobs and tests can set
the clock.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from accounts.principal import Principal
from assessments import access, photos
from assessments.errors import (
    CannotLockYet,
    DeductionNotFound,
    ItemNotFound,
    MonthExists,
    MonthLocked,
    MonthNotFound,
    NotAGroup,
    NotATeam,
    NotSubmittedYet,
    NotTheTeamLeader,
    NotYourOffice,
    ObjectionAnswered,
    ObjectionExists,
    ObjectionNotFound,
    ObjectionWindowClosed,
    OfficeSubmitted,
    PointsOutOfRange,
    ReasonRequired,
    ScoreConflict,
    TemplateNotFound,
)
from models import (
    AssessmentMonth,
    Deduction,
    DeductionObjection,
    MonthResult,
    OfficeSubmission,
    ResultAdjustment,
    SheetItem,
    SheetTemplate,
    Unit,
    db,
    utcnow,
)
from models.unit_of_work import insert_once

DEFAULT_THRESHOLDS = [90, 80, 70]  # 优秀, 良好, 一般; below the last: 较差
GRADE_NAMES = ("优秀", "良好", "一般", "较差")
FULL_MARKS = 100


def grade(total: int, vetoed: bool, thresholds: list[int]) -> str:
    """The grade of a total under the month's thresholds; a veto caps it at 较差."""
    if vetoed:
        return GRADE_NAMES[3]
    for name, bound in zip(GRADE_NAMES, thresholds, strict=False):
        if total >= bound:
            return name
    return GRADE_NAMES[3]


def rank(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Order teams and give each its rank. A team with a triggered veto ranks below every team
    without one; then the higher total first. Equal (veto, total) share a rank and the next
    rank skips (1, 1, 3: standard competition ranking); within a tie the list is in unit id
    order, which decides nothing."""
    ordered = sorted(rows, key=lambda r: (r["vetoed"], -r["total"], r["team_id"]))
    previous: tuple[bool, int] | None = None
    current = 0
    for n, row in enumerate(ordered, start=1):
        key = (row["vetoed"], row["total"])
        if key != previous:
            current, previous = n, key
        row["rank"] = current
    return ordered


# -- the month ---------------------------------------------------------------------------


def open_month(
    principal: Principal,
    month: str,
    template_id: int,
    thresholds: list[int] | None = None,
    objection_days: int = 3,
    kind: str = "team",
) -> AssessmentMonth:
    """The committee opens a month of a kind (team: 区队, group: 班组) on a version of a
    template of that kind; a team month and a group month may share a calendar month."""
    me = access.committee(principal)
    template = db.session.get(SheetTemplate, template_id)
    if template is None or template.mine_id != me.mine_id or template.kind != kind:
        raise TemplateNotFound()
    bounds = list(thresholds or DEFAULT_THRESHOLDS)
    if not bounds[0] > bounds[1] > bounds[2]:
        raise PointsOutOfRange(
            "等级分数线须从高到低：优秀 > 良好 > 一般", errors={"thresholds": ["须严格递减"]}
        )
    row = AssessmentMonth(
        mine_id=me.mine_id,
        kind=kind,
        month=month,
        template_id=template.id,
        status="open",
        thresholds=bounds,
        objection_days=objection_days,
        opened_by_id=me.id,
        opened_at=utcnow(),
    )
    if not insert_once(row):
        raise MonthExists()
    return row


def month_of(mine_id: int, month_id: int) -> AssessmentMonth:
    month = db.session.get(AssessmentMonth, month_id)
    if month is None or month.mine_id != mine_id:
        raise MonthNotFound()
    return month


def visible_month(principal: Principal, month_id: int) -> AssessmentMonth:
    """A month of the caller's mine (anyone bound to the mine may name it; what they then
    see is decided per sheet)."""
    me = principal.require_bound()
    return month_of(me.mine_id, month_id)


def _open(month: AssessmentMonth) -> None:
    if month.status != "open":
        raise MonthLocked()


def scorer_of(item: SheetItem, unit: Unit) -> int | None:
    """The scoring unit of an item for an assessed unit: the item's office, or (a
    parent-scored item of a group sheet) the 班组's parent 区队."""
    return item.office_id if item.office_id is not None else unit.parent_id


def month_offices(month: AssessmentMonth) -> list[int]:
    """The scoring units of this month: the offices owning an item of its template version,
    and — when the sheet has parent-scored items — the 区队 of the month's 班组."""
    units = {item.office_id for item in month.template.items if item.office_id is not None}
    if any(item.office_id is None for item in month.template.items):
        units |= {u.parent_id for u in month_teams(month) if u.parent_id is not None}
    return sorted(units)


def unit_noun(month: AssessmentMonth) -> str:
    """What the month assesses, in the user's words."""
    return "班组" if month.kind == "group" else "区队"


def month_teams(month: AssessmentMonth) -> list[Unit]:
    """The units a month scores (区队 for a team month, 班组 for a group month): after the
    lock those with a result; before, the mine's current units of the month's kind."""
    if month.status == "locked":
        return list(
            db.session.scalars(
                db.select(Unit)
                .join(MonthResult, MonthResult.team_id == Unit.id)
                .where(MonthResult.month_id == month.id)
                .order_by(Unit.id)
            )
        )
    return list(
        db.session.scalars(
            db.select(Unit)
            .where(Unit.mine_id == month.mine_id, Unit.kind == month.kind)
            .order_by(Unit.id)
        )
    )


def _submission(month_id: int, office_id: int) -> OfficeSubmission | None:
    return db.session.scalar(
        db.select(OfficeSubmission).where(
            OfficeSubmission.month_id == month_id, OfficeSubmission.office_id == office_id
        )
    )


# -- scoring -----------------------------------------------------------------------------


def score(
    principal: Principal,
    month_id: int,
    item_id: int,
    team_id: int,
    points: int,
    reason: str = "",
    *,
    vetoed: bool = False,
    version: int | None = None,
    photo_ids: list[int] | None = None,
) -> Deduction:
    """An office's staff record (or change) the deduction on one of their items for a team;
    `photo_ids` (when given) become the deduction's evidence photos."""
    me = principal.require_bound()
    month = month_of(me.mine_id, month_id)
    _open(month)
    item = db.session.get(SheetItem, item_id)
    if item is None or item.template_id != month.template_id:
        raise ItemNotFound()
    team = db.session.get(Unit, team_id)
    if team is None or team.mine_id != month.mine_id or team.kind != month.kind:
        raise NotAGroup() if month.kind == "group" else NotATeam()
    scorer = scorer_of(item, team)
    if scorer is None or scorer not in access.scoring_units(me.id):
        if item.office_id is None:
            raise NotYourOffice("只能为本区队所属班组打分")
        raise NotYourOffice()
    if _submission(month.id, scorer) is not None:
        raise OfficeSubmitted()
    if item.veto:
        if points != 0:
            raise PointsOutOfRange("一票否决项不扣分，只记是否触发", errors={"points": ["须为 0"]})
    elif vetoed:
        raise PointsOutOfRange("该项不是一票否决项", errors={"vetoed": ["该项不能否决"]})
    elif not 0 <= points <= item.max_points:
        raise PointsOutOfRange(
            f"扣分须在 0 到 {item.max_points} 分之间", errors={"points": [f"0 … {item.max_points}"]}
        )
    why = (reason or "").strip()
    if (points > 0 or vetoed) and not why:
        raise ReasonRequired(errors={"reason": ["扣分须填写原因"]})
    now = utcnow()
    if version is None:
        row = Deduction(
            month_id=month.id,
            item_id=item.id,
            team_id=team.id,
            points=points,
            vetoed=vetoed,
            reason=why,
            version=1,
            scored_by_id=me.id,
            scored_at=now,
        )
        if not insert_once(row):  # scored by someone else first: read it, then change it
            raise ScoreConflict()
        if photo_ids is not None:
            photos.set_photos(me.id, row, photo_ids)
        return row
    won = db.session.execute(
        db.update(Deduction)
        .where(
            Deduction.month_id == month.id,
            Deduction.item_id == item.id,
            Deduction.team_id == team.id,
            Deduction.version == version,
        )
        .values(
            points=points,
            vetoed=vetoed,
            reason=why,
            version=Deduction.version + 1,
            scored_by_id=me.id,
            scored_at=now,
        )
        .execution_options(synchronize_session=False)
    )
    if won.rowcount != 1:
        raise ScoreConflict()
    row = db.session.scalar(
        db.select(Deduction).where(
            Deduction.month_id == month.id,
            Deduction.item_id == item.id,
            Deduction.team_id == team.id,
        )
    )
    db.session.refresh(row)
    if photo_ids is not None:
        photos.set_photos(me.id, row, photo_ids)
    return row


def submit(principal: Principal, month_id: int, office_id: int) -> OfficeSubmission:
    """An office (or, on a group sheet, a 区队 for its 班组' parent-scored items) has scored
    every unit: its deductions are final (but for objections), and the objection window
    starts."""
    me = principal.require_bound()
    month = month_of(me.mine_id, month_id)
    _open(month)
    if office_id not in access.scoring_units(me.id):
        raise NotYourOffice()
    if office_id not in month_offices(month):
        raise NotYourOffice("本科室在本月考核表中没有考核项目")
    row = OfficeSubmission(
        month_id=month.id, office_id=office_id, submitted_by_id=me.id, submitted_at=utcnow()
    )
    if not insert_once(row):
        raise OfficeSubmitted()
    return row


# -- objections --------------------------------------------------------------------------


def window_end(month: AssessmentMonth, submission: OfficeSubmission) -> datetime:
    return submission.submitted_at + timedelta(days=month.objection_days)


def object_to(
    principal: Principal, deduction_id: int, text: str, now: datetime | None = None
) -> DeductionObjection:
    """The assessed unit's leader (区队长, or 班组长 on a group sheet) objects to one
    deduction, once, within the window."""
    me = principal.require_bound()
    now = now or utcnow()
    deduction = db.session.get(Deduction, deduction_id)
    if deduction is None:
        raise DeductionNotFound()
    month = month_of(me.mine_id, deduction.month_id)
    if deduction.team_id not in access.led_units(me.id):
        if access.in_unit(me, deduction.team_id) or access.is_committee(principal):
            raise NotTheTeamLeader()
        raise DeductionNotFound()
    _open(month)
    if deduction.points == 0 and not deduction.vetoed:
        raise DeductionNotFound("该项没有扣分，无需异议")
    submission = _submission(month.id, scorer_of(deduction.item, deduction.team))
    if submission is None:
        raise NotSubmittedYet()
    if now > window_end(month, submission):
        raise ObjectionWindowClosed()
    row = DeductionObjection(
        deduction_id=deduction.id,
        month_id=month.id,
        text=text.strip(),
        raised_by_id=me.id,
        raised_at=now,
    )
    if not insert_once(row):
        raise ObjectionExists()
    return row


def answer(
    principal: Principal,
    objection_id: int,
    text: str,
    points: int | None = None,
    now: datetime | None = None,
) -> DeductionObjection:
    """The office answers an objection, keeping the deduction or changing it (within the
    item's range; a triggered veto is withdrawn with points 0)."""
    me = principal.require_bound()
    now = now or utcnow()
    objection = db.session.get(DeductionObjection, objection_id)
    if objection is None:
        raise ObjectionNotFound()
    month = month_of(me.mine_id, objection.month_id)
    deduction = objection.deduction
    if scorer_of(deduction.item, deduction.team) not in access.scoring_units(me.id):
        raise ObjectionNotFound() if not access.is_committee(principal) else NotYourOffice()
    _open(month)
    before = None
    if points is not None and (points != deduction.points or deduction.vetoed):
        item = deduction.item
        if not 0 <= points <= item.max_points:
            raise PointsOutOfRange(
                f"扣分须在 0 到 {item.max_points} 分之间",
                errors={"points": [f"0 … {item.max_points}"]},
            )
        before = deduction.points
    won = db.session.execute(
        db.update(DeductionObjection)
        .where(DeductionObjection.id == objection.id, DeductionObjection.answered_at.is_(None))
        .values(answer=text.strip(), answered_by_id=me.id, answered_at=now, points_before=before)
        .execution_options(synchronize_session=False)
    )
    if won.rowcount != 1:
        raise ObjectionAnswered()
    if before is not None:
        db.session.execute(
            db.update(Deduction)
            .where(Deduction.id == deduction.id)
            .values(
                points=points,
                vetoed=False,
                version=Deduction.version + 1,
                scored_by_id=me.id,
                scored_at=now,
            )
            .execution_options(synchronize_session=False)
        )
    db.session.refresh(objection)
    db.session.refresh(deduction)
    return objection


# -- the lock and the results ------------------------------------------------------------


def lock_refusal(month: AssessmentMonth, now: datetime) -> str | None:
    """Why the month cannot be locked now (None: it can)."""
    if month.status != "open":
        return "已锁定"
    submissions = {
        s.office_id: s
        for s in db.session.scalars(
            db.select(OfficeSubmission).where(OfficeSubmission.month_id == month.id)
        )
    }
    missing = [o for o in month_offices(month) if o not in submissions]
    if missing:
        names = db.session.scalars(db.select(Unit.name).where(Unit.id.in_(missing))).all()
        return "尚未提交的科室：" + "、".join(names)
    open_objections = db.session.scalar(
        db.select(db.func.count())
        .select_from(DeductionObjection)
        .where(DeductionObjection.month_id == month.id, DeductionObjection.answered_at.is_(None))
    )
    if open_objections:
        return f"尚有 {open_objections} 条异议未答复"
    last = max(window_end(month, s) for s in submissions.values()) if submissions else None
    if last is not None and now < last:
        return "异议期未满"
    return None


def lock(principal: Principal, month_id: int, now: datetime | None = None) -> AssessmentMonth:
    """The committee locks the month; its results become final."""
    me = access.committee(principal)
    now = now or utcnow()
    month = month_of(me.mine_id, month_id)
    _open(month)
    why = lock_refusal(month, now)
    if why is not None:
        raise CannotLockYet(f"暂不能锁定：{why}")
    won = db.session.execute(
        db.update(AssessmentMonth)
        .where(AssessmentMonth.id == month.id, AssessmentMonth.status == "open")
        .values(status="locked", locked_by_id=me.id, locked_at=now)
        .execution_options(synchronize_session=False)
    )
    if won.rowcount != 1:
        raise MonthLocked()
    teams = month_teams(month)  # still the live list: the month was open when read
    db.session.refresh(month)
    write_results(month, [t.id for t in teams])
    return month


def live_results(month: AssessmentMonth, team_ids: list[int]) -> list[dict[str, Any]]:
    """Each team's total (100 − deductions + approved adjustments), veto, grade and rank."""
    deducted: dict[int, int] = {t: 0 for t in team_ids}
    vetoed: dict[int, bool] = {t: False for t in team_ids}
    for team_id, points, veto in db.session.execute(
        db.select(Deduction.team_id, Deduction.points, Deduction.vetoed).where(
            Deduction.month_id == month.id
        )
    ):
        if team_id in deducted:
            deducted[team_id] += points
            vetoed[team_id] = vetoed[team_id] or veto
    adjusted: dict[int, int] = {t: 0 for t in team_ids}
    for team_id, delta in db.session.execute(
        db.select(ResultAdjustment.team_id, ResultAdjustment.delta).where(
            ResultAdjustment.month_id == month.id, ResultAdjustment.status == "approved"
        )
    ):
        if team_id in adjusted:
            adjusted[team_id] += delta
    rows = []
    for team_id in team_ids:
        total = min(FULL_MARKS, max(0, FULL_MARKS - deducted[team_id] + adjusted[team_id]))
        rows.append(
            {
                "team_id": team_id,
                "deducted": deducted[team_id],
                "adjusted": adjusted[team_id],
                "total": total,
                "vetoed": vetoed[team_id],
                "grade": grade(total, vetoed[team_id], month.thresholds),
            }
        )
    return rank(rows)


def write_results(month: AssessmentMonth, team_ids: list[int]) -> None:
    """(Re)write the stored results of a locked month."""
    existing = {
        r.team_id: r
        for r in db.session.scalars(db.select(MonthResult).where(MonthResult.month_id == month.id))
    }
    for row in live_results(month, team_ids):
        stored = existing.get(row["team_id"])
        if stored is None:
            db.session.add(
                MonthResult(
                    month_id=month.id,
                    team_id=row["team_id"],
                    total=row["total"],
                    vetoed=row["vetoed"],
                    grade=row["grade"],
                    rank=row["rank"],
                )
            )
        else:
            stored.total, stored.vetoed = row["total"], row["vetoed"]
            stored.grade, stored.rank = row["grade"], row["rank"]
    db.session.flush()


def results(month: AssessmentMonth) -> list[dict[str, Any]]:
    """The month's ranking: stored when locked, live (provisional) while open."""
    if month.status == "locked":
        stored = db.session.scalars(
            db.select(MonthResult)
            .where(MonthResult.month_id == month.id)
            .order_by(MonthResult.rank, MonthResult.team_id)
        ).all()
        live = {r["team_id"]: r for r in live_results(month, [s.team_id for s in stored])}
        return [
            {
                "team_id": s.team_id,
                "deducted": live[s.team_id]["deducted"],
                "adjusted": live[s.team_id]["adjusted"],
                "total": s.total,
                "vetoed": s.vetoed,
                "grade": s.grade,
                "rank": s.rank,
            }
            for s in stored
        ]
    return live_results(month, [t.id for t in month_teams(month)])
