"""包保 visits and the quarterly 六好区队 awards.

Visits: an office's scoring staff log a visit to a team their office 包保; the month's view lists
every (office, team) link without a visit that month.

Awards: a quarter's three months must all be locked. Each team that was assessed in all three
is ranked by the average of its three totals. Eligible: no month graded 较差 and no veto.
Tie-break (written down here and in docs/assessments.md): the higher average first; on an equal
average the higher lowest month (the steadier team); then the higher last month (the more
recent form); teams still equal share the rank (listed by unit id, which decides nothing). The
committee picks up to N (default 6) eligible teams, each with a citation: each award takes the
next free slot 1..N — slots and teams are unique per (mine, quarter), so two committee members
awarding at the same instant can never exceed N or award one team twice. The caller commits.

六型班组 (kind group) run the same way on the three locked group months: the same eligibility,
tie-break and slots (per kind: a quarter has its 六好区队 and its 六型班组), N from
ASSESSMENT_GROUP_AWARDS_PER_QUARTER (ASSESSMENT_AWARDS_PER_QUARTER for 区队; default 6 each).

Points: where the mine's rulebook has an active manual rule coded SIX_GOOD_TEAM (区队) or
SIX_TYPE_GROUP (班组), an award also asks the points ledger (maker-checker requests, like
leaders.py's GROUP_LEADER) for each current leader of the awarded unit who is a party member and
not the awarding committee member; the request ids are kept on the award. No rule: no request.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from accounts.principal import Principal
from assessments import access, settings
from assessments.errors import (
    AlreadyAwarded,
    AwardsFull,
    InvalidQuarter,
    InvalidVisitDate,
    NotAnOffice,
    NotEligible,
    NotPatron,
    NotYourOffice,
    QuarterNotComplete,
)
from clock import local
from models import (
    AssessmentMonth,
    MonthResult,
    Patronage,
    PatronVisit,
    Person,
    QuarterAward,
    Unit,
    UnitDuty,
    db,
    utcnow,
)
from models.unit_of_work import insert_once

AWARD_KINDS = ("team", "group")
AWARD_TITLES = {"team": "六好区队", "group": "六型班组"}
POINTS_RULES = {"team": "SIX_GOOD_TEAM", "group": "SIX_TYPE_GROUP"}
_QUARTER = re.compile(r"(20\d\d|2100)-Q([1-4])")


# -- 包保 visits -------------------------------------------------------------------------


def log_visit(
    principal: Principal,
    office_id: int,
    team_id: int,
    visited_on: date,
    visitors: str,
    problems: str,
    agreed: str,
    follow_up: str,
) -> PatronVisit:
    me = principal.require_bound()
    office = access.mine_unit(me.mine_id, office_id)
    if office.kind != "office":
        raise NotAnOffice()
    if office.id not in access.duty_units(me.id, "scorer"):
        raise NotYourOffice("只能登记本科室的包保走访")
    linked = db.session.scalar(
        db.select(Patronage.id).where(
            Patronage.office_id == office.id, Patronage.team_id == team_id
        )
    )
    if linked is None:
        raise NotPatron()
    if not date(2000, 1, 1) <= visited_on <= local(utcnow()).date():
        raise InvalidVisitDate(errors={"visited_on": ["应在 2000 年以后、不晚于今天"]})
    row = PatronVisit(
        office_id=office.id,
        team_id=team_id,
        visited_on=visited_on,
        visitors=visitors.strip(),
        problems=problems.strip(),
        agreed=agreed.strip(),
        follow_up=follow_up.strip(),
        recorded_by_id=me.id,
    )
    db.session.add(row)
    db.session.flush()
    return row


def visits_due(principal: Principal, month: str) -> list[dict[str, Any]]:
    """Every 包保 link of the caller's mine (the committee) or office (its staff) and whether
    the office has visited the team in that month (Shanghai calendar)."""
    me = principal.require_bound()
    year, mon = int(month[:4]), int(month[5:7])
    first = date(year, mon, 1)
    after = date(year + (mon == 12), mon % 12 + 1, 1)
    office = db.aliased(Unit)
    team = db.aliased(Unit)
    stmt = (
        db.select(Patronage.office_id, office.name, Patronage.team_id, team.name)
        .join(office, office.id == Patronage.office_id)
        .join(team, team.id == Patronage.team_id)
        .where(office.mine_id == me.mine_id)
        .order_by(Patronage.office_id, Patronage.team_id)
    )
    if not access.is_committee(principal):
        stmt = stmt.where(
            Patronage.office_id.in_(sorted(access.duty_units(me.id, "scorer")) or [0])
        )
    visited: dict[tuple[int, int], int] = {}
    for o, t, n in db.session.execute(
        db.select(PatronVisit.office_id, PatronVisit.team_id, db.func.count())
        .where(PatronVisit.visited_on >= first, PatronVisit.visited_on < after)
        .group_by(PatronVisit.office_id, PatronVisit.team_id)
    ):
        visited[(o, t)] = int(n)
    return [
        {
            "office_id": o,
            "office": on,
            "team_id": t,
            "team": tn,
            "visits": visited.get((o, t), 0),
        }
        for o, on, t, tn in db.session.execute(stmt)
    ]


# -- quarterly awards --------------------------------------------------------------------


def quarter_months(quarter: str) -> list[str]:
    found = _QUARTER.fullmatch(quarter or "")
    if found is None:
        raise InvalidQuarter(errors={"quarter": ["格式应为 YYYY-Qn"]})
    year, q = int(found.group(1)), int(found.group(2))
    return [f"{year:04d}-{m:02d}" for m in range(3 * q - 2, 3 * q + 1)]


def ranking(mine_id: int, quarter: str, kind: str = "team") -> list[dict[str, Any]]:
    """The quarter's 区队 (or 班组, kind group) ranked by their three months' average (see the
    module's rule)."""
    names = quarter_months(quarter)
    months = db.session.scalars(
        db.select(AssessmentMonth).where(
            AssessmentMonth.mine_id == mine_id,
            AssessmentMonth.kind == kind,
            AssessmentMonth.month.in_(names),
        )
    ).all()
    if len(months) != 3 or any(m.status != "locked" for m in months):
        raise QuarterNotComplete()
    order = {m.id: names.index(m.month) for m in months}
    per_team: dict[int, list[MonthResult | None]] = {}
    for r in db.session.scalars(
        db.select(MonthResult).where(MonthResult.month_id.in_(list(order)))
    ):
        per_team.setdefault(r.team_id, [None, None, None])[order[r.month_id]] = r
    team_names = dict(
        db.session.execute(
            db.select(Unit.id, Unit.name).where(Unit.id.in_(list(per_team) or [0]))
        ).all()
    )
    rows = []
    for team_id, results in per_team.items():
        complete = all(r is not None for r in results)
        totals = [r.total for r in results if r is not None]
        why = None
        if not complete:
            why = "未参加全部三个月的考核"
        elif any(r.vetoed for r in results):
            why = "有月份被一票否决"
        elif any(r.grade == "较差" for r in results):
            why = "有月份评为较差"
        rows.append(
            {
                "team_id": team_id,
                "team": team_names.get(team_id, ""),
                "totals": [r.total if r else None for r in results],
                "grades": [r.grade if r else None for r in results],
                "average_x100": round(sum(totals) * 100 / 3) if complete else 0,
                "lowest": min(totals) if complete else 0,
                "last": totals[-1] if complete else 0,
                "eligible": why is None,
                "ineligible_because": why,
            }
        )
    rows.sort(
        key=lambda r: (
            not r["eligible"],
            -r["average_x100"],
            -r["lowest"],
            -r["last"],
            r["team_id"],
        )
    )
    previous, current = None, 0
    for n, row in enumerate(rows, start=1):
        key = (row["eligible"], row["average_x100"], row["lowest"], row["last"])
        if key != previous:
            current, previous = n, key
        row["rank"] = current if row["eligible"] else None
    return rows


def award(
    principal: Principal,
    quarter: str,
    team_id: int,
    citation: str,
    limit: int | None = None,
    kind: str = "team",
) -> QuarterAward:
    """The committee names an eligible 区队 六好区队 (or 班组 六型班组, kind group) of the
    quarter, with a citation; points are asked for its leaders where the mine's rule says so."""
    me = access.committee(principal)
    if limit is None:
        limit = settings.awards_per_quarter(kind)
    rows = {r["team_id"]: r for r in ranking(me.mine_id, quarter, kind)}
    row = rows.get(team_id)
    unit, title = ("班组", "六型班组") if kind == "group" else ("区队", "六好区队")
    if row is None or not row["eligible"]:
        raise NotEligible(
            NotEligible.message.replace("区队", unit)
            if row is None
            else f"不符合评选条件：{row['ineligible_because']}"
        )
    taken = set(
        db.session.scalars(
            db.select(QuarterAward.slot).where(
                QuarterAward.mine_id == me.mine_id,
                QuarterAward.quarter == quarter,
                QuarterAward.kind == kind,
            )
        )
    )
    if db.session.scalar(
        db.select(QuarterAward.id).where(
            QuarterAward.mine_id == me.mine_id,
            QuarterAward.quarter == quarter,
            QuarterAward.kind == kind,
            QuarterAward.team_id == team_id,
        )
    ):
        raise AlreadyAwarded(f"该{unit}本季度已评为{title}")
    free = [s for s in range(1, limit + 1) if s not in taken]
    if not free:
        raise AwardsFull(f"本季度{title}名额已满")
    made = QuarterAward(
        mine_id=me.mine_id,
        quarter=quarter,
        kind=kind,
        team_id=team_id,
        slot=free[0],
        average_x100=row["average_x100"],
        citation=citation.strip(),
        awarded_by_id=me.id,
        awarded_at=utcnow(),
    )
    if not insert_once(made):  # the same slot or unit taken at the same instant
        raise AlreadyAwarded("该名额或单位刚被他人评定，请刷新后重试")
    asked = _ask_points(principal, made)
    if asked:
        made.points_request_ids = asked
        db.session.flush()
    return made


def _ask_points(principal: Principal, made: QuarterAward) -> list[int]:
    """Points requests under the mine's SIX_GOOD_TEAM / SIX_TYPE_GROUP rule (if it has one) for
    the awarded unit's current leaders who are party members, never the awarding member."""
    from points import rulebook
    from points.requests import request_adjustment

    code = POINTS_RULES[made.kind]
    if rulebook.rule_for(made.mine_id, "manual", utcnow(), code) is None:
        return []
    leaders = db.session.scalars(
        db.select(Person)
        .join(UnitDuty, UnitDuty.person_id == Person.id)
        .where(
            UnitDuty.unit_id == made.team_id,
            UnitDuty.duty == "leader",
            Person.left_at.is_(None),
            Person.id != principal.person_id,
        )
        .order_by(Person.id)
    ).all()
    leaders = [p for p in leaders if p.is_party_member]
    unit = db.session.get(Unit, made.team_id)
    return [
        request_adjustment(
            principal,
            person.employee_no,
            None,
            f"{made.quarter} {AWARD_TITLES[made.kind]}（{unit.name if unit else ''}）",
            rule_code=code,
            evidence=made.citation,
        ).id
        for person in leaders
    ]


def honours(
    principal: Principal, quarter: str | None = None, kind: str | None = None
) -> list[QuarterAward]:
    """The honour wall: the mine's awards (of a quarter, or all; of a kind, or both), newest
    quarter first, 六好区队 before 六型班组."""
    me = principal.require_bound()
    stmt = db.select(QuarterAward).where(QuarterAward.mine_id == me.mine_id)
    if quarter:
        quarter_months(quarter)
        stmt = stmt.where(QuarterAward.quarter == quarter)
    if kind:
        stmt = stmt.where(QuarterAward.kind == kind)
    return list(
        db.session.scalars(
            stmt.order_by(QuarterAward.quarter.desc(), QuarterAward.kind.desc(), QuarterAward.slot)
        )
    )
