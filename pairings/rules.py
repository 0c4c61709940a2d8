"""What a month of talks requires, per mine: the seed's rule (a talk with an employee carrying a
care flag at the time) or any paired talk, and how many.

A mine's rule is a list of rows, each effective from a month on; a change made in the console or
over the API is a new row effective from the next month (Shanghai), so neither the current month
nor a past one is ever re-judged, and the rows are the change's audit (who, when, what). A mine
without rows follows the configured default (`TALK_RULE_BASIS`, `TALKS_REQUIRED_PER_MONTH`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from accounts.principal import Principal
from models import TALK_RULE_BASES, Person, TalkRule, db, utcnow
from pairings.errors import InvalidRule
from pairings.months import month_of, next_month
from pairings.settings import setting

BASIS_LABELS = {"flagged": "与思想有波动、生活有困难的职工谈心", "any": "与任一结对职工谈心"}


@dataclass(frozen=True)
class Rule:
    basis: str
    required: int
    effective_month: str | None = None  # None: the configured default

    @property
    def label(self) -> str:
        return f"每月至少 {self.required} 次{BASIS_LABELS[self.basis]}"


def default_rule() -> Rule:
    """The rule of a mine that never set its own."""
    return Rule(setting("TALK_RULE_BASIS"), setting("TALKS_REQUIRED_PER_MONTH"))


def rule_of(row: TalkRule | None) -> Rule:
    if row is None:
        return default_rule()
    return Rule(row.basis, row.required, row.effective_month)


def rules_by_mine(mine_ids: set[int] | list[int], month: str) -> dict[int, Rule]:
    """Each mine's rule for a month (one query)."""
    ids = set(mine_ids)
    if not ids:
        return {}
    rows = db.session.scalars(
        db.select(TalkRule)
        .where(TalkRule.mine_id.in_(ids), TalkRule.effective_month <= month)
        .order_by(TalkRule.effective_month, TalkRule.id)
    ).all()
    latest: dict[int, TalkRule] = {}
    for row in rows:
        latest[row.mine_id] = row  # ordered: the last row per mine wins
    return {m: rule_of(latest.get(m)) for m in ids}


def rule_for(mine_id: int, month: str) -> Rule:
    """The rule a mine's month is judged by."""
    return rules_by_mine([mine_id], month)[mine_id]


def cached_rule(mine_id: int, month: str) -> Rule:
    """rule_for, remembered by the session (a request's: a page of talks asks per record)."""
    cache = db.session.info.setdefault("frontline_talk_rules", {})
    key = (mine_id, month)
    if key not in cache:
        cache[key] = rule_for(mine_id, month)
    return cache[key]


def mines_of(person_ids: list[int]) -> dict[int, int]:
    """Each person's mine (one query per 5,000)."""
    ids = sorted(set(person_ids))
    out: dict[int, int] = {}
    for i in range(0, len(ids), 5000):
        out.update(
            db.session.execute(
                db.select(Person.id, Person.mine_id).where(Person.id.in_(ids[i : i + 5000]))
            ).all()
        )
    return out


def set_rule(
    principal: Principal, basis: str, required: int, note: str = "", now: datetime | None = None
) -> TalkRule:
    """A committee member changes the mine's rule; it applies from the next month on."""
    actor = principal.require("committee")
    if basis not in TALK_RULE_BASES:
        raise InvalidRule(errors={"basis": [f"应为 {' / '.join(TALK_RULE_BASES)}"]})
    if not 1 <= required <= 10:
        raise InvalidRule(errors={"required": ["每月次数应为 1 到 10"]})
    now = now or utcnow()
    row = TalkRule(
        mine_id=actor.mine_id,
        effective_month=next_month(month_of(now)),
        basis=basis,
        required=required,
        note=(note or "").strip()[:200],
        set_by_id=actor.id,
        set_at=now,
    )
    db.session.add(row)
    db.session.flush()
    return row


@dataclass
class RuleView:
    current: Rule
    upcoming: Rule | None
    history: list[TalkRule]


def rule_view(mine_id: int, now: datetime | None = None) -> RuleView:
    """This month's rule, next month's if it differs, and every change (newest first)."""
    month = month_of(now or utcnow())
    current = rule_for(mine_id, month)
    upcoming = rule_for(mine_id, next_month(month))
    history = db.session.scalars(
        db.select(TalkRule)
        .where(TalkRule.mine_id == mine_id)
        .order_by(TalkRule.set_at.desc(), TalkRule.id.desc())
    ).all()
    same = (upcoming.basis, upcoming.required) == (current.basis, current.required)
    return RuleView(current, None if same else upcoming, list(history))
