"""Bearer-token authentication for views: who is calling, and may they."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from flask import g, request

from accounts.errors import LoginRequired, TokenInvalid
from accounts.principal import Principal, principal_for
from accounts.tokens import resolve_token
from models import AuthSession

BEARER = "bearer "


def bearer_token() -> str | None:
    header = request.headers.get("Authorization", "")
    if not header:
        return None
    if not header.lower().startswith(BEARER):
        raise TokenInvalid()
    token = header[len(BEARER) :].strip()
    if not token or len(token) > 512:
        raise TokenInvalid()
    return token


def current_session() -> AuthSession:
    """The session behind this request's token; 401 if there is none."""
    if "auth_session" not in g:
        token = bearer_token()
        if token is None:
            raise LoginRequired()
        g.auth_session = resolve_token(token)
    return g.auth_session


def current_principal() -> Principal:
    """The logged-in caller with roles; 401 if not logged in."""
    if "principal" not in g:
        g.principal = principal_for(current_session().account)
    return g.principal


def client_ip() -> str:
    """The caller's address (ProxyFix has already applied trusted X-Forwarded-For)."""
    return request.remote_addr or "unknown"


def login_required(*roles: str, bound: bool = True) -> Callable:
    """Require a token, a bound roster entry (unless bound=False) and any of `roles`."""

    def decorator(view: Callable) -> Callable:
        @functools.wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            principal = current_principal()
            if roles:
                principal.require(*roles)
            elif bound:
                principal.require_bound()
            return view(*args, **kwargs)

        return wrapper

    return decorator
