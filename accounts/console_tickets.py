"""Sign-in by scanning: a one-time ticket shown as a mini-program code, confirmed from the phone,
picked up once by the browser that asked for it. No request objects here: the views pass in
what they know (the API's confirm view and the console's login views)."""

from __future__ import annotations

import hmac
import secrets
from datetime import datetime, timedelta

from accounts.principal import Principal, principal_for
from accounts.settings import settings
from accounts.tokens import issue_token, resolve_token
from domain_errors import DomainError, Forbidden, NotFound
from models import Account, ConsoleLoginTicket, ConsoleSignIn, db, utcnow

CONSOLE_ROLES = ("secretary", "committee")


class ConsoleNotAllowed(Forbidden):
    reason = "console_not_allowed"
    message = "只有支部书记和党委工作人员可以登录控制台"


class TicketNotFound(NotFound):
    reason = "console_ticket_not_found"
    message = "登录二维码无效，请在电脑上刷新后重新扫码"


class TicketExpired(DomainError):
    status = 409
    reason = "console_ticket_expired"
    message = "登录二维码已过期，请在电脑上刷新后重新扫码"


class TicketCodeMismatch(DomainError):
    status = 409
    reason = "console_code_mismatch"
    message = "确认码与电脑上显示的不一致，请核对后重新扫码"


class TicketUsed(DomainError):
    status = 409
    reason = "console_ticket_used"
    message = "该登录二维码已使用，请在电脑上刷新后重新扫码"


TICKET_ID_MAX = 32


def may_sign_in(principal: Principal) -> bool:
    """Only branch secretaries and committee staff use the console."""
    return principal.bound and any(principal.has(r) for r in CONSOLE_ROLES)


CODE_DIGITS = 4


def new_code() -> str:
    """The short code shown on the browser and on the confirming phone."""
    return f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"


def new_ticket(
    ip: str | None, now: datetime | None = None, user_agent: str | None = None
) -> ConsoleLoginTicket:
    """A fresh waiting ticket; its id is the scene of the code (≤ 32 visible characters)."""
    now = now or utcnow()
    ticket = ConsoleLoginTicket(
        code=new_code(),
        browser_user_agent=(user_agent or "")[:255] or None,
        # 24 characters of [A-Za-z0-9_-]: all allowed in a getwxacodeunlimit scene.
        id=secrets.token_urlsafe(18),
        status="waiting",
        created_at=now,
        expires_at=now + timedelta(seconds=settings().console_ticket_ttl_seconds),
        browser_ip=(ip or "")[:64] or None,
    )
    db.session.add(ticket)
    db.session.flush()
    return ticket


def waiting_ticket(ticket_id: str, now: datetime | None = None) -> ConsoleLoginTicket | None:
    """The ticket if nobody has used it yet and it has a minute or more to live."""
    ticket = db.session.get(ConsoleLoginTicket, ticket_id[:TICKET_ID_MAX])
    margin = (now or utcnow()) + timedelta(minutes=1)
    if ticket is None or ticket.status != "waiting" or ticket.expires_at <= margin:
        return None
    return ticket


def _ticket(ticket_id: str) -> ConsoleLoginTicket:
    if not ticket_id or len(ticket_id) > TICKET_ID_MAX:
        raise TicketNotFound()
    ticket = db.session.get(ConsoleLoginTicket, ticket_id)
    if ticket is None:
        raise TicketNotFound()
    return ticket


def describe(principal: Principal, ticket_id: str, now: datetime | None = None) -> dict:
    """What the phone shows before confirming: which browser asks (its IP and user agent, as
    it asked for the code) and the short code that browser shows. Secretaries and committee
    only; a used or expired ticket is refused as at confirm."""
    now = now or utcnow()
    if not may_sign_in(principal):
        raise ConsoleNotAllowed()
    ticket = _ticket(ticket_id)
    _waiting(ticket, now)
    return {
        "code": ticket.code,
        "browser_ip": ticket.browser_ip,
        "browser_user_agent": ticket.browser_user_agent,
        "created_at": ticket.created_at,
        "expires_at": ticket.expires_at,
    }


def _waiting(ticket: ConsoleLoginTicket, now: datetime) -> None:
    if ticket.status != "waiting":
        raise TicketUsed()
    if ticket.expires_at <= now or not ticket.code:
        raise TicketExpired()


def confirm(principal: Principal, ticket_id: str, code: str, now: datetime | None = None) -> None:
    """The mini-program confirms a scanned ticket for the caller (secretary or committee),
    with the short code it showed (the one the browser shows): a phone that confirms must
    have shown its user which browser asks; another code is refused (409) and nothing
    changes."""
    now = now or utcnow()
    if not may_sign_in(principal):
        raise ConsoleNotAllowed()
    ticket = _ticket(ticket_id)
    _waiting(ticket, now)
    if not hmac.compare_digest((code or "").encode(), ticket.code.encode()):
        raise TicketCodeMismatch()
    # One confirmation wins, however many phones scan the same code at once.
    done = db.session.execute(
        db.update(ConsoleLoginTicket)
        .where(
            ConsoleLoginTicket.id == ticket.id,
            ConsoleLoginTicket.status == "waiting",
            ConsoleLoginTicket.expires_at > now,
        )
        .values(status="confirmed", confirmed_account_id=principal.account.id, confirmed_at=now)
        .execution_options(synchronize_session=False)
    )
    if done.rowcount != 1:
        raise TicketUsed()


def ticket_state(ticket_id: str, now: datetime | None = None) -> str:
    """waiting | confirmed | used | expired, for the polling page."""
    now = now or utcnow()
    ticket = _ticket(ticket_id)
    if ticket.status == "waiting" and ticket.expires_at <= now:
        return "expired"
    return ticket.status


def redeem(
    ticket_id: str, ip: str | None, user_agent: str | None, now: datetime | None = None
) -> tuple[str, Account] | None:
    """The browser's poll: once the ticket is confirmed, turn it into a console session, once.

    Returns (session token, account), or None while it waits. The caller commits."""
    now = now or utcnow()
    ticket = _ticket(ticket_id)
    if ticket.status == "waiting":
        if ticket.expires_at <= now:
            raise TicketExpired()
        return None
    if ticket.status != "confirmed" or ticket.expires_at <= now:
        raise TicketUsed() if ticket.status == "used" else TicketExpired()
    done = db.session.execute(
        db.update(ConsoleLoginTicket)
        .where(ConsoleLoginTicket.id == ticket.id, ConsoleLoginTicket.status == "confirmed")
        .values(status="used", used_at=now)
        .execution_options(synchronize_session=False)
    )
    if done.rowcount != 1:
        raise TicketUsed()
    account = db.session.get(Account, ticket.confirmed_account_id)
    token = start_session(account, "scan", ip, user_agent, ticket_id=ticket.id, now=now)
    return token, account


def start_session(
    account: Account | None,
    method: str,
    ip: str | None,
    user_agent: str | None,
    *,
    ticket_id: str | None = None,
    now: datetime | None = None,
) -> str:
    """Open a console session (an auth session row, shorter-lived than a phone's) and audit it."""
    now = now or utcnow()
    principal = principal_for(account)
    if account is None or not may_sign_in(principal):
        # Roles are checked again here: a grant may have gone between scan and pick-up.
        raise ConsoleNotAllowed()
    token, _ = issue_token(account, ip, user_agent)
    session = resolve_token(token)
    ttl = settings().console_session_ttl_seconds
    session.expires_at = min(session.expires_at, now + timedelta(seconds=ttl))
    db.session.add(
        ConsoleSignIn(
            session_id=session.id,
            account_id=account.id,
            person_id=principal.person.id,
            mine_id=principal.person.mine_id,
            method=method,
            ticket_id=ticket_id,
            ip=(ip or "")[:64] or None,
            user_agent=(user_agent or "")[:255] or None,
            at=now,
        )
    )
    db.session.flush()
    return token


def purge_tickets(now: datetime | None = None) -> int:
    """Delete tickets that expired over a day ago; the caller commits."""
    cutoff = (now or utcnow()) - timedelta(days=1)
    result = db.session.execute(
        db.delete(ConsoleLoginTicket).where(ConsoleLoginTicket.expires_at < cutoff)
    )
    return result.rowcount or 0
