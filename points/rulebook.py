"""The rulebook (积分细则): a mine's versioned rules, the default rulebook every mine starts
from, and what an event earns under the rule in force on its day (caps included).

A mine without stored rules uses the default rulebook, stored the first time it is needed (an
award, the editor), from the settings the ledger used before rules existed
(WISH_COMPLETED_POINTS, POINTS_MONTHLY_TALKS), so nothing a mine earned changes with the
rulebook's arrival. A change is a new version from a day on (today or later): an entry keeps
the points and the version it was written under.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

from accounts.principal import Principal
from clock import SHANGHAI, local_day
from models import CAP_PERIODS, RULE_SOURCES, PointsEntry, PointsRule, RulebookSettings, db, utcnow
from models.unit_of_work import insert_once
from points.errors import (
    EffectiveInPast,
    InvalidCap,
    InvalidRule,
    RuleNotFound,
    RuleSourceTaken,
    RuleVersionExists,
)
from points.settings import settings as points_settings

DEFAULT_FROM = date(2000, 1, 1)
# Sources reported by a domain (one rule each per mine); "manual" may have many rules.
AUTOMATIC = tuple(s for s in RULE_SOURCES if s != "manual")
SOURCE_NAMES = {
    "wish_completed": "微心愿圆梦",
    "monthly_talks_done": "完成每月谈心",
    "manual": "人工认定（经审批）",
    "meeting_attended": "参加三会一课/主题党日",
    "meeting_absent": "无故缺席三会一课/主题党日",
    "pledge_kept": "承诺践诺：已践诺",
    "pledge_partly": "承诺践诺：部分践诺",
    "pledge_not_kept": "承诺践诺：未践诺",
    "deed_done": "我为职工办实事",
    "apprenticeship_passed": "传帮带徒弟出师",
}


@dataclass(frozen=True)
class RuleFields:
    """What a version of a rule says (the editor's form and the API's body)."""

    name: str
    points: int | None
    source: str
    cap: int | None = None
    cap_period: str | None = None
    evidence_required: bool = False
    second_approver: bool = True
    active: bool = True


def default_rules() -> dict[str, RuleFields]:
    """The default rulebook by code: the old ledger kinds plus the meetings, pledges, deeds."""
    cfg = points_settings()
    return {
        "WISH": RuleFields("认领的微心愿圆梦", cfg.wish_completed, "wish_completed"),
        "TALK": RuleFields("完成当月谈心谈话", cfg.monthly_talks, "monthly_talks_done"),
        "MANUAL": RuleFields("书记/党委调整（经审批）", None, "manual"),
        "MEET": RuleFields("参加三会一课、主题党日", 2, "meeting_attended", 24, "quarter"),
        "ABSENT": RuleFields("无故缺席三会一课、主题党日", -3, "meeting_absent"),
        "PLEDGE_KEPT": RuleFields("承诺践诺：已践诺", 5, "pledge_kept"),
        "PLEDGE_PART": RuleFields("承诺践诺：部分践诺", 2, "pledge_partly"),
        "PLEDGE_NOT": RuleFields("承诺践诺：未践诺", -2, "pledge_not_kept"),
        "DEED": RuleFields("我为职工办实事", 3, "deed_done", 12, "year"),
        "APPRENTICE": RuleFields("传帮带徒弟出师", cfg.apprenticeship, "apprenticeship_passed"),
    }


def ensure_default(mine_id: int) -> None:
    """Store the default rulebook for a mine that has no rules yet (once, under any race)."""
    if db.session.scalar(db.select(PointsRule.id).where(PointsRule.mine_id == mine_id).limit(1)):
        return
    # False: another transaction stored them first.
    insert_once(
        *(_version(mine_id, code, f, DEFAULT_FROM, None) for code, f in default_rules().items())
    )


def _version(
    mine_id: int, code: str, f: RuleFields, effective_from: date, author_id: int | None
) -> PointsRule:
    return PointsRule(
        mine_id=mine_id,
        code=code,
        name=f.name,
        points=f.points,
        source=f.source,
        cap=f.cap,
        cap_period=f.cap_period if f.cap is not None else None,
        evidence_required=f.evidence_required,
        second_approver=f.second_approver,
        active=f.active,
        effective_from=effective_from,
        created_by_id=author_id,
        created_at=utcnow(),
    )


def version_at(mine_id: int, code: str, day: date) -> PointsRule | None:
    """The version of a rule in force on a day (None: not yet in force)."""
    return db.session.scalar(
        db.select(PointsRule)
        .where(
            PointsRule.mine_id == mine_id,
            PointsRule.code == code,
            PointsRule.effective_from <= day,
        )
        .order_by(PointsRule.effective_from.desc())
        .limit(1)
    )


def codes(mine_id: int) -> list[str]:
    """Every rule code of a mine, in the order they were first made."""
    rows = db.session.execute(
        db.select(PointsRule.code, db.func.min(PointsRule.id))
        .where(PointsRule.mine_id == mine_id)
        .group_by(PointsRule.code)
        .order_by(db.func.min(PointsRule.id))
    ).all()
    return [c for c, _ in rows]


def rule_for(mine_id: int, source: str, at: datetime, code: str | None = None) -> PointsRule | None:
    """The active rule version a source (or a manual rule's code) earns under on `at`'s
    Shanghai day; None when the mine has no such rule in force."""
    ensure_default(mine_id)
    day = local_day(at)
    if code is None:
        code = db.session.scalar(
            db.select(PointsRule.code)
            .where(PointsRule.mine_id == mine_id, PointsRule.source == source)
            .order_by(PointsRule.id)
            .limit(1)
        )
        if code is None:
            return None
    rule = version_at(mine_id, code, day)
    if rule is None or not rule.active or rule.source != source:
        return None
    return rule


def current(mine_id: int, today: date | None = None) -> list[tuple[PointsRule, PointsRule | None]]:
    """Each rule's version in force today and the next scheduled one (None if none)."""
    ensure_default(mine_id)
    today = today or local_day(utcnow())
    out = []
    for code in codes(mine_id):
        now = version_at(mine_id, code, today)
        upcoming = db.session.scalar(
            db.select(PointsRule)
            .where(
                PointsRule.mine_id == mine_id,
                PointsRule.code == code,
                PointsRule.effective_from > today,
            )
            .order_by(PointsRule.effective_from)
            .limit(1)
        )
        if now is None and upcoming is None:
            continue
        out.append((now or upcoming, upcoming if now is not None else None))
    return out


def history(mine_id: int, code: str) -> list[PointsRule]:
    """Every version of one rule, oldest first."""
    ensure_default(mine_id)
    rows = list(
        db.session.scalars(
            db.select(PointsRule)
            .where(PointsRule.mine_id == mine_id, PointsRule.code == code)
            .order_by(PointsRule.effective_from)
        )
    )
    if not rows:
        raise RuleNotFound()
    return rows


def check_fields(f: RuleFields) -> None:
    """A rule's own consistency: the source is known, a cap is a non-negative number with its
    period, only a manual rule may leave the points to the request."""
    if f.source not in RULE_SOURCES:
        raise InvalidRule(errors={"source": ["未知的积分来源"]})
    if f.cap is not None and (isinstance(f.cap, bool) or f.cap < 0):
        raise InvalidCap(errors={"cap": ["上限不能为负数"]})
    if f.cap is not None and f.cap_period not in CAP_PERIODS:
        raise InvalidCap(errors={"cap_period": ["设置上限时须选择按月、按季度或按年"]})
    if f.points is None and f.source != "manual":
        raise InvalidRule(errors={"points": ["自动计分的细则须填写分值"]})
    if f.points is not None and f.points == 0:
        raise InvalidRule(errors={"points": ["分值不能为 0"]})


def save(
    principal: Principal, code: str, f: RuleFields, effective_from: date | None = None
) -> PointsRule:
    """A committee member adds a rule or a new version of one, in force from a day (today by
    default, never earlier: what was earned before stays as it was)."""
    author = principal.require("committee")
    mine_id = author.mine_id
    ensure_default(mine_id)
    check_fields(f)
    today = local_day(utcnow())
    day = effective_from or today
    if day < today:
        raise EffectiveInPast()
    existing = db.session.scalars(
        db.select(PointsRule).where(PointsRule.mine_id == mine_id, PointsRule.code == code)
    ).all()
    if existing and any(r.source != f.source for r in existing):
        raise InvalidRule(errors={"source": ["细则的积分来源不可更改，请新建细则"]})
    if f.source != "manual" and not existing:
        taken = db.session.scalar(
            db.select(PointsRule.code).where(
                PointsRule.mine_id == mine_id, PointsRule.source == f.source
            )
        )
        if taken is not None:
            raise RuleSourceTaken(errors={"source": [f"该来源已由细则 {taken} 计分"]})
    if any(r.effective_from == day for r in existing):
        raise RuleVersionExists()
    rule = _version(mine_id, code, f, day, author.id)
    if not insert_once(rule):
        raise RuleVersionExists()
    return rule


# --- caps --------------------------------------------------------------------------------


def _window(period: str, at: datetime) -> tuple[datetime, datetime]:
    """The Shanghai month, quarter or year holding `at`, as UTC bounds."""
    here = at.astimezone(SHANGHAI)
    if period == "month":
        first, months = here.month, 1
    elif period == "quarter":
        first, months = (here.month - 1) // 3 * 3 + 1, 3
    else:
        first, months = 1, 12

    def start(year: int, month: int) -> datetime:
        year, month = year + (month - 1) // 12, (month - 1) % 12 + 1
        return datetime(year, month, 1, tzinfo=SHANGHAI).astimezone(UTC)

    return start(here.year, first), start(here.year, first + months)


def capped(rule: PointsRule, person_id: int, delta: int, at: datetime) -> tuple[int, int | None]:
    """(points to write, what the event would have earned if the cap cut it, else None)."""
    if rule.cap is None or delta <= 0 or rule.cap_period is None:
        return delta, None
    since, until = _window(rule.cap_period, at)
    used = db.session.scalar(
        db.select(db.func.coalesce(db.func.sum(PointsEntry.delta), 0)).where(
            PointsEntry.person_id == person_id,
            PointsEntry.rule_code == rule.code,
            PointsEntry.at >= since,
            PointsEntry.at < until,
        )
    )
    room = max(0, rule.cap - int(used or 0))
    if delta <= room:
        return delta, None
    return room, delta


# --- settings ------------------------------------------------------------------------------

DEFAULT_REQUIREMENTS: dict[str, tuple[int, str]] = {
    "general": (1, "quarter"),
    "committee": (1, "month"),
    "group": (1, "month"),
    "lecture": (1, "quarter"),
    "theme_day": (1, "month"),
}


def settings(mine_id: int) -> RulebookSettings:
    """A mine's rulebook settings (defaults until a committee member saves some; not stored)."""
    row = db.session.get(RulebookSettings, mine_id)
    if row is None:
        row = RulebookSettings(
            mine_id=mine_id,
            publish_ranking=False,
            five_type_threshold=90,
            five_star_threshold=90,
            meeting_requirements=None,
        )
    return row


def requirements(mine_id: int) -> dict[str, tuple[int, str]]:
    """How many meetings of each kind a branch must hold, per month or quarter."""
    saved = settings(mine_id).meeting_requirements or {}
    out = dict(DEFAULT_REQUIREMENTS)
    for kind, value in saved.items():
        if kind in out:
            out[kind] = (int(value[0]), str(value[1]))
    return out


def save_settings(principal: Principal, **values) -> RulebookSettings:
    """A committee member changes the mine's rulebook settings (only the values given)."""
    author = principal.require("committee")
    row = db.session.get(RulebookSettings, author.mine_id)
    if row is None:
        row = settings(author.mine_id)
        db.session.add(row)
    for key, value in values.items():
        if value is None:
            continue
        if key == "meeting_requirements":
            value = {k: [int(v["count"]), str(v["per"])] for k, v in value.items()}
        setattr(row, key, value)
    db.session.flush()
    return row
