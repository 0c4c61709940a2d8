"""WeChat login (code2Session, or demo codes) and binding an account to the roster."""

from __future__ import annotations

import hmac
import logging

from sqlalchemy.exc import IntegrityError

from accounts import identity_text
from accounts.errors import (
    AccountAlreadyBound,
    AlreadyBound,
    CannotUnbindSelf,
    DemoLoginDisabled,
    PersonLeft,
    RosterMismatch,
    UnknownPerson,
)
from accounts.principal_cache import account_key
from accounts.settings import settings
from accounts.tokens import issue_token, revoke_all
from models import Account, BindAudit, Person, db, utcnow
from wechat import WeChatCodeInvalid, get_wechat

log = logging.getLogger(__name__)

DEMO_PREFIX = "demo:"


def _openid_for_code(code: str) -> tuple[str, str | None, str | None]:
    """(openid, unionid, session_key) for a wx.login code."""
    client = get_wechat()
    if code.startswith(DEMO_PREFIX):
        if not settings().demo_login:
            raise DemoLoginDisabled()
        openid = code[len(DEMO_PREFIX) :].strip()
        if not openid or len(openid) > 60:
            raise WeChatCodeInvalid()
        return "demo_" + openid, None, None
    if client is None:
        raise WeChatCodeInvalid()
    data = client.code_to_session(code)
    openid = data.get("openid")
    if not openid:
        log.warning("code2Session answered without openid: %s", sorted(data))
        raise WeChatCodeInvalid()
    return openid, data.get("unionid"), data.get("session_key")


def login(code: str, ip: str | None, user_agent: str | None) -> tuple[str, int, Account]:
    """Exchange a wx.login code for our token; creates the account on first login."""
    openid, unionid, session_key = _openid_for_code(code)
    account = db.session.scalar(db.select(Account).where(Account.openid == openid))
    if account is None:
        account = Account(openid=openid, unionid=unionid)
        db.session.add(account)
        try:
            with db.session.begin_nested():
                db.session.flush()
        except IntegrityError:
            # The same user's first login raced another; use the row that won.
            account = db.session.scalar(db.select(Account).where(Account.openid == openid))
            if account is None:
                raise
    if session_key:
        account.session_key = session_key
    if unionid:
        account.unionid = unionid
    account.last_login_at = utcnow()
    token, expires_in = issue_token(account, ip, user_agent)
    return token, expires_in, account


def bind(account: Account, employee_no: str, name: str, phone_tail: str) -> Person:
    """Bind the account to the roster entry that matches all three facts; once, for good."""
    # The roster stores the normal form; a phone keyboard may type full-width digits.
    employee_no = identity_text.employee_no(employee_no)
    name = identity_text.person_name(name)
    phone_tail = identity_text.digits(phone_tail)
    candidates = db.session.scalars(
        db.select(Person).where(Person.employee_no == employee_no)
    ).all()
    match = next(
        (
            p
            for p in candidates
            if hmac.compare_digest(identity_text.person_name(p.name).encode(), name.encode())
            and hmac.compare_digest(p.phone.strip()[-4:].encode(), phone_tail.encode())
        ),
        None,
    )
    if match is None:
        raise RosterMismatch()
    if match.left_at is not None:
        raise PersonLeft()
    if account.person_id is not None:
        if account.person_id == match.id:
            return match
        raise AccountAlreadyBound()
    # A conditional UPDATE: two accounts racing for one entry cannot both win; the unique
    # constraint on accounts.person_id stands behind it.
    taken = db.session.scalar(db.select(Account.id).where(Account.person_id == match.id))
    if taken is not None:
        raise AlreadyBound()
    try:
        with db.session.begin_nested():
            result = db.session.execute(
                db.update(Account)
                .where(Account.id == account.id, Account.person_id.is_(None))
                .values(person_id=match.id, bound_at=utcnow())
                .execution_options(synchronize_session=False, auth_epochs=[account_key(account.id)])
            )
            if result.rowcount != 1:
                raise AccountAlreadyBound()
            db.session.add(BindAudit(account_id=account.id, person_id=match.id, action="bind"))
            db.session.flush()
    except IntegrityError as exc:
        raise AlreadyBound() from exc
    db.session.refresh(account)
    return match


def unbind(person: Person, actor: str, actor_person_id: int | None = None) -> bool:
    """Free a roster entry for another WeChat account (an admin act); revokes old tokens.
    Not one's own (409): like marking oneself left, it ends the caller's own access."""
    if actor_person_id is not None and actor_person_id == person.id:
        raise CannotUnbindSelf()
    account = db.session.scalar(db.select(Account).where(Account.person_id == person.id))
    if account is None:
        return False
    account.person_id = None
    account.bound_at = None
    revoke_all(account.id)
    db.session.add(
        BindAudit(account_id=account.id, person_id=person.id, action="unbind", actor=actor)
    )
    db.session.flush()
    return True


def person_by_employee_no(employee_no: str, mine_id: int | None = None) -> Person:
    """A roster person by 工号 (within a mine when given)."""
    stmt = db.select(Person).where(Person.employee_no == identity_text.employee_no(employee_no))
    if mine_id is not None:
        stmt = stmt.where(Person.mine_id == mine_id)
    people = db.session.scalars(stmt).all()
    if len(people) != 1:
        raise UnknownPerson()
    return people[0]
