"""Reading the honour roll: the public roll by year and category, a person's page, the
committee's view with revoked honours, the years there are."""

from __future__ import annotations

from typing import Any

from accounts.principal import Principal
from honours.errors import HonourNotFound, PersonNotFound
from inputs import contains
from models import Honour, Person, Unit, db
from models.votes import CATEGORY_NAMES
from votes.share import photo_url_of


def roll(
    principal: Principal,
    *,
    year: int | None = None,
    category: str | None = None,
    kind: str | None = None,
    q: str | None = None,
    revoked: bool | None = False,
) -> Any:
    """The select of the caller's mine's honours, newest year first, then category and name.
    `revoked`: False (the public roll) only standing ones, True only revoked, None both (the
    committee's)."""
    me = principal.require_bound()
    stmt = (
        db.select(Honour)
        .outerjoin(Person, Person.id == Honour.person_id)
        .outerjoin(Unit, Unit.id == Honour.unit_id)
        .where(Honour.mine_id == me.mine_id)
        .options(db.joinedload(Honour.person), db.joinedload(Honour.unit))
    )
    if revoked is False:
        stmt = stmt.where(Honour.revoked_at.is_(None))
    elif revoked is True:
        stmt = stmt.where(Honour.revoked_at.is_not(None))
    if year is not None:
        stmt = stmt.where(Honour.year == year)
    if category:
        stmt = stmt.where(Honour.category == category)
    if kind:
        stmt = stmt.where(Honour.kind == kind)
    if q:
        stmt = stmt.where(
            db.or_(contains(Person.name, q), contains(Unit.name, q), contains(Honour.title, q))
        )
    return stmt.order_by(
        Honour.year.desc(), Honour.awarded_on.desc(), Honour.category, Person.name, Honour.id
    )


def years(principal: Principal) -> list[dict[str, int]]:
    """The years on the public roll with how many honours each, newest first."""
    me = principal.require_bound()
    rows = db.session.execute(
        db.select(Honour.year, db.func.count())
        .where(Honour.mine_id == me.mine_id, Honour.revoked_at.is_(None))
        .group_by(Honour.year)
        .order_by(Honour.year.desc())
    ).all()
    return [{"year": y, "count": n} for y, n in rows]


def public_honour(honour_id: int, principal: Principal) -> Honour:
    """A standing honour of the caller's mine (the committee also sees revoked ones)."""
    me = principal.require_bound()
    honour = db.session.get(Honour, honour_id)
    if honour is None or honour.mine_id != me.mine_id:
        raise HonourNotFound()
    if honour.revoked_at is not None and me.mine_id not in principal.committee_of:
        raise HonourNotFound()
    return honour


def person_page(person_id: int, principal: Principal) -> dict[str, Any]:
    """A person's page: who they are (name, unit, never a phone) and their standing honours."""
    me = principal.require_bound()
    person = db.session.get(Person, person_id)
    if person is None or person.mine_id != me.mine_id:
        raise PersonNotFound()
    rows = db.session.scalars(
        db.select(Honour)
        .where(Honour.person_id == person.id, Honour.revoked_at.is_(None))
        .order_by(Honour.year.desc(), Honour.awarded_on.desc(), Honour.id.desc())
    ).all()
    return {
        "person_id": person.id,
        "name": person.name,
        "unit": person.unit.name if person.unit else "",
        "honours": [honour_out(h) for h in rows],
    }


def honour_out(h: Honour, *, committee: bool = False) -> dict[str, Any]:
    """An honour as the roll shows it; the revocation only to the committee."""
    out = {
        "id": h.id,
        "kind": h.kind,
        "person_id": h.person_id,
        "name": h.person.name if h.person else (h.unit.name if h.unit else ""),
        "unit": h.unit.name if h.unit else "",
        "category": h.category,
        "category_name": CATEGORY_NAMES.get(h.category or "", h.team_award_name),
        "title": h.title,
        "year": h.year,
        "campaign_id": h.campaign_id,
        "citation": h.citation,
        "photo_url": photo_url_of(h.photo),
        "awarded_on": h.awarded_on,
    }
    if committee:
        out.update(
            revoked_at=h.revoked_at,
            revoke_reason=h.revoke_reason,
        )
    return out
