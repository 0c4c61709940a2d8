"""Our own bearer tokens: signed, expiring, and revocable through their session row."""

from __future__ import annotations

import uuid
from datetime import timedelta

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy.orm import joinedload

from accounts.errors import TokenExpired, TokenInvalid, TokenRevoked
from accounts.settings import settings
from models import Account, AuthSession, Person, db, utcnow

SALT = "frontline.auth.v1"


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(settings().secret_key, salt=SALT)


def issue_token(account: Account, ip: str | None, user_agent: str | None) -> tuple[str, int]:
    """Open a session for the account and return (token, seconds until it expires)."""
    ttl = settings().token_ttl_seconds
    session = AuthSession(
        id=str(uuid.uuid4()),
        account_id=account.id,
        expires_at=utcnow() + timedelta(seconds=ttl),
        ip=(ip or "")[:64] or None,
        user_agent=(user_agent or "")[:255] or None,
    )
    db.session.add(session)
    db.session.flush()
    return _serializer().dumps({"sid": session.id}), ttl


def session_id(token: str) -> str:
    """The session id a token carries, once its signature and age are checked (no I/O)."""
    return signed_session(token)[0]


def signed_session(token: str) -> tuple[str, int]:
    """(session id, the Unix time the token was signed at), once its signature and age are
    checked; TokenInvalid / TokenExpired otherwise."""
    ttl = settings().token_ttl_seconds
    try:
        data, signed_at = _serializer().loads(token, max_age=ttl, return_timestamp=True)
    except SignatureExpired as exc:
        raise TokenExpired() from exc
    except BadSignature as exc:
        raise TokenInvalid() from exc
    sid = data.get("sid") if isinstance(data, dict) else None
    if not isinstance(sid, str):
        raise TokenInvalid()
    return sid, int(signed_at.timestamp())


def load_session(sid: str) -> AuthSession:
    """The live session row of that id (from the database); TokenInvalid/Revoked/Expired."""
    # One round trip for the session, its account and the roster person behind it.
    session = db.session.scalar(
        db.select(AuthSession)
        .where(AuthSession.id == sid)
        .options(
            joinedload(AuthSession.account)
            .joinedload(Account.person)
            .options(joinedload(Person.unit), joinedload(Person.branch))
        )
    )
    if session is None:
        raise TokenInvalid()
    if session.revoked_at is not None:
        raise TokenRevoked()
    if session.expires_at <= utcnow():
        raise TokenExpired()
    return session


def resolve_token(token: str) -> AuthSession:
    """The live session a token names; TokenInvalid/TokenExpired/TokenRevoked otherwise."""
    return load_session(session_id(token))


def revoke_session(session: AuthSession) -> None:
    """Revoke one token."""
    if session.revoked_at is None:
        session.revoked_at = utcnow()


def revoke_all(account_id: int) -> int:
    """Revoke every live token of an account (after an unbind, say); returns how many."""
    sessions = db.session.scalars(
        db.select(AuthSession).where(
            AuthSession.account_id == account_id, AuthSession.revoked_at.is_(None)
        )
    ).all()
    for s in sessions:
        s.revoked_at = utcnow()
    return len(sessions)
