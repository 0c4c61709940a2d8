"""The demo's hints, read from the database each time they are printed, so they stay true: a
pool of roster entries nobody has bound yet (for `demo:anything` → bind) and an employee of the
demo branch nobody looks after yet (for 新建结对). Once someone binds an entry or pairs the
employee, the next `flask demo` (scripts/start.sh runs it) names others, or says none is left."""

from __future__ import annotations

from models import Account, Branch, Mine, Person, db
from pairings import queries as pairing_queries

DEMO_BRANCH = "综采一队党支部"
POOL = 5


def free_entries(mine: Mine, limit: int = POOL) -> list[Person]:
    """People on the demo roster (not left) with no account bound to them, by 工号."""
    bound = db.select(Account.person_id).where(Account.person_id.is_not(None))
    return list(
        db.session.scalars(
            db.select(Person)
            .where(Person.mine_id == mine.id, Person.left_at.is_(None), Person.id.not_in(bound))
            .order_by(Person.employee_no)
            .limit(limit)
        )
    )


def hints() -> str:
    """What to try next, as true as the database is now."""
    from demo.people import MINE

    mine = db.session.scalar(db.select(Mine).where(Mine.name == MINE))
    if mine is None:
        return "demo hints: no demo mine (run `flask demo`)"
    lines = [
        "free roster entries to bind (code demo:anything → a new account → /api/v1/auth/bind):"
    ]
    free = free_entries(mine)
    for p in free:
        lines.append(
            f'  {{"employee_no":"{p.employee_no}","name":"{p.name}","phone_tail":"{p.phone[-4:]}"}}'
        )
    if not free:
        lines.append(
            "  none left: every demo roster entry is bound (`flask demo --reset` starts over)"
        )
    branch = db.session.scalar(
        db.select(Branch).where(Branch.mine_id == mine.id, Branch.name == DEMO_BRANCH)
    )
    unpaired = pairing_queries.all_unpaired(branch.id, 3) if branch else []
    if unpaired:
        names = "、".join(f"{p.employee_no} {p.name}" for p in unpaired)
        lines.append(
            f"unpaired employees of {DEMO_BRANCH} (新建结对 as demo:secretary on 结对管理): {names}"
        )
    else:
        lines.append(f"unpaired employees of {DEMO_BRANCH}: none left (end a pairing to free one)")
    return "\n".join(lines)


def first_free_bind_body() -> str:
    """The bind body of the first free entry (scripts/start.sh's curl example), or ''."""
    from demo.people import MINE

    mine = db.session.scalar(db.select(Mine).where(Mine.name == MINE))
    free = free_entries(mine, 1) if mine else []
    if not free:
        return ""
    p = free[0]
    return f'{{"employee_no":"{p.employee_no}","name":"{p.name}","phone_tail":"{p.phone[-4:]}"}}'
