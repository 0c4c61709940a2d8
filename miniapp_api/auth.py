"""Bearer-token authentication for views: who is calling, and may they."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from flask import current_app, g, request

from accounts.errors import LoginRequired, TokenInvalid
from accounts.principal import Principal
from accounts.principal_cache import Authenticated, authenticate
from accounts.tokens import load_session
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


def _authenticated() -> Authenticated:
    if "authenticated" not in g:
        token = bearer_token()
        if token is None:
            raise LoginRequired()
        g.authenticated = authenticate(token)
    return g.authenticated


def current_session() -> AuthSession:
    """The session row behind this request's token; 401 if there is none.

    A database read when the principal came from the cache: only logout needs the row."""
    if "auth_session" not in g:
        found = _authenticated()
        g.auth_session = found.session if found.session is not None else load_session(found.sid)
    return g.auth_session


def current_principal() -> Principal:
    """The logged-in caller with roles; 401 if not logged in (see accounts/principal_cache)."""
    return _authenticated().principal


def current_account_id() -> int:
    """The caller's account id, for per-account limits and keys (no database read)."""
    account_id = current_principal().account_id
    if account_id is None:  # every authenticated principal has an account
        raise LoginRequired()
    return account_id


def client_ip() -> str:
    """The caller's address (ProxyFix has already applied trusted X-Forwarded-For)."""
    return request.remote_addr or "unknown"


def _check(roles: tuple[str, ...], bound: bool) -> None:
    principal = current_principal()
    if roles:
        principal.check(*roles)
    elif bound:
        principal.check_bound()


def login_required(*roles: str, bound: bool = True) -> Callable:
    """Require a token, a bound roster entry (unless bound=False) and any of `roles`.

    The requirement is also marked on the view, where `authenticate_first` finds it and checks
    it before the body is parsed: no token is a 401 whatever the body says."""

    def decorator(view: Callable) -> Callable:
        @functools.wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            _check(roles, bound)
            return view(*args, **kwargs)

        wrapper._login_required = (roles, bound)  # type: ignore[attr-defined]
        return wrapper

    return decorator


def view_method() -> Callable | None:
    """The MethodView method that will answer this request, if any."""
    view = current_app.view_functions.get(request.endpoint or "")
    view_class = getattr(view, "view_class", None)
    if view_class is None:
        return None
    method = request.method.lower()
    handler = getattr(view_class, method, None)
    if handler is None and method == "head":
        handler = getattr(view_class, "get", None)
    return handler


def authenticate_first() -> None:
    """before_request: authenticate and check roles before anything reads the body."""
    handler = view_method()
    requirement = getattr(handler, "_login_required", None)
    if requirement is not None:
        _check(*requirement)
