"""The desk console's sign-in: one-time scan tickets and the audit of every sign-in."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.accounts import Account, AuthSession
from models.base import UTCDateTime, db, utcnow

# waiting: shown as a code, nobody scanned it yet; confirmed: a secretary or committee member
# confirmed it in the mini-program; used: the waiting browser got its session (once).
TICKET_STATUSES = ("waiting", "confirmed", "used")
SIGN_IN_METHODS = ("scan", "demo")


class ConsoleLoginTicket(db.Model):
    """A login code shown on the console's sign-in page; works once, within minutes."""

    __tablename__ = "console_login_tickets"

    # The scene of the mini-program code: at most 32 visible characters.
    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    status: Mapped[str] = mapped_column(String(16), default="waiting")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    # The browser that asked for the code; only it may pick the session up.
    browser_ip: Mapped[str | None] = mapped_column(String(64))
    browser_user_agent: Mapped[str | None] = mapped_column(String(255))
    # A short code shown on the browser and on the phone that confirms: the phone's user sees
    # which browser asks (and its IP and user agent) and confirms this code (QRLJacking).
    code: Mapped[str | None] = mapped_column(String(8))
    confirmed_account_id: Mapped[int | None] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE")
    )
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    confirmed_account: Mapped[Account | None] = relationship()


class ConsoleSignIn(db.Model):
    """Every console sign-in: who, when, from where, with which browser (the committee audits)."""

    __tablename__ = "console_sign_ins"

    id: Mapped[int] = mapped_column(primary_key=True)
    # The session row the console cookie names: logout and revocation end it like a token.
    session_id: Mapped[str] = mapped_column(
        ForeignKey("auth_sessions.id", ondelete="CASCADE"), unique=True
    )
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    mine_id: Mapped[int] = mapped_column(ForeignKey("mines.id"))
    method: Mapped[str] = mapped_column(String(8))
    ticket_id: Mapped[str | None] = mapped_column(String(32))
    ip: Mapped[str | None] = mapped_column(String(64))
    user_agent: Mapped[str | None] = mapped_column(String(255))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)

    session: Mapped[AuthSession] = relationship()
