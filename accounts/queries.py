"""What the committee's pages read about accounts: role grants, bind and unbind records,
console sign-ins and the demo accounts. Plain arguments in, selects or rows out."""

from __future__ import annotations

from sqlalchemy import Select
from sqlalchemy.orm import joinedload

from inputs import MAX_ID, contains
from models import Account, BindAudit, ConsoleSignIn, Person, RoleGrant, db


def grants_of_mine(mine_id: int) -> Select:
    """The role grants of the mine's people, with person and branch loaded."""
    return (
        db.select(RoleGrant)
        .join(Person, Person.id == RoleGrant.person_id)
        .where(Person.mine_id == mine_id)
        .options(joinedload(RoleGrant.person), joinedload(RoleGrant.branch))
    )


def grant_of_mine(grant_id: int, mine_id: int) -> RoleGrant | None:
    """A grant held by someone of the mine, or None."""
    grant = db.session.get(RoleGrant, grant_id) if 0 < grant_id <= MAX_ID else None
    return grant if grant is not None and grant.person.mine_id == mine_id else None


def bind_records(mine_id: int, action: str = "", q: str = "") -> Select:
    """Rows (record, person, account) of binds and unbinds on the mine's roster."""
    stmt = (
        db.select(BindAudit, Person, Account)
        .join(Person, Person.id == BindAudit.person_id)
        .join(Account, Account.id == BindAudit.account_id)
        .where(Person.mine_id == mine_id)
    )
    if action:
        stmt = stmt.where(BindAudit.action == action)
    if q:
        stmt = stmt.where(contains(Person.name, q) | contains(Person.employee_no, q))
    return stmt


def console_sign_ins(mine_id: int, method: str = "", q: str = "") -> Select:
    """Rows (sign-in, person) of the mine's console sign-ins; `q` also matches the address."""
    stmt = (
        db.select(ConsoleSignIn, Person)
        .join(Person, Person.id == ConsoleSignIn.person_id)
        .where(ConsoleSignIn.mine_id == mine_id)
    )
    if method:
        stmt = stmt.where(ConsoleSignIn.method == method)
    if q:
        stmt = stmt.where(
            contains(Person.name, q)
            | contains(Person.employee_no, q)
            | contains(ConsoleSignIn.ip, q)
        )
    return stmt


def accounts_by_openid_prefix(prefix: str, limit: int = 50) -> list[Account]:
    """Bound accounts whose openid starts with `prefix` (the demo logins), by employee number."""
    return list(
        db.session.scalars(
            db.select(Account)
            .join(Person, Person.id == Account.person_id)
            .where(Account.openid.like(prefix + "%"))
            .order_by(Person.employee_no)
            .limit(limit)
        ).all()
    )


def account_by_openid(openid: str) -> Account | None:
    """The account of a WeChat openid, or None."""
    return db.session.scalar(db.select(Account).where(Account.openid == openid))
