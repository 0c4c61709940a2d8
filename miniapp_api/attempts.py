"""Rate limits on outcomes (failed binds, stored wishes): count first, give back afterwards.

Flask-Limiter's `deduct_when` checks the limit before the request and counts after it, so a
burst of parallel requests all pass the check before any of them is counted (100 wish posts
stored 35 against 20). Here each attempt is counted atomically before the view runs (one
INCR per window); an attempt over the limit is given back and refused with 429, and an
attempt whose outcome should not count (a stored wish is what counts, a refused one is not;
a successful bind is not a failure) is given back when the answer is known.

The counters live in the limiter's storage (Redis) with a fixed window; while Redis is down
they fall back to this process's memory, as the other limits do.
"""

from __future__ import annotations

import functools
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import Response
from limits import parse_many
from limits.storage import MemoryStorage
from limits.strategies import FixedWindowRateLimiter, RateLimiter
from werkzeug.exceptions import HTTPException

from domain_errors import DomainError
from miniapp_api.auth import current_account_id
from miniapp_api.extensions import limiter
from web.rate_limits import client_ip

log = logging.getLogger(__name__)

_memory = FixedWindowRateLimiter(MemoryStorage())


class TooManyAttempts(DomainError):
    status = 429
    reason = "rate_limited"
    message = "操作太频繁，请稍后再试"


def account_key() -> str:
    """Whose attempts: the account behind the token (the view answers 401 without one)."""
    try:
        return f"account:{current_account_id()}"
    except DomainError:
        return f"ip:{client_ip()}"


def _strategy() -> RateLimiter:
    strategy = limiter.limiter
    # Giving back is a negative hit, which only a fixed window supports.
    return strategy if isinstance(strategy, FixedWindowRateLimiter) else _memory


@dataclass
class AttemptLimit:
    """One limit on outcomes: `limits()` is a Flask-Limiter string ("5 per 15 minutes;…"),
    `key()` names whose attempts these are, `counts(status)` says which answers count."""

    scope: str
    limits: Callable[[], str]
    key: Callable[[], str]
    counts: Callable[[int], bool]

    def take(self) -> Callable[[], None]:
        """Count one attempt in every window; 429 (nothing counted) when one is full.
        Returns the function that gives the attempt back."""
        items = parse_many(self.limits())
        ident = (self.scope, self.key())
        strategy = _strategy()
        try:
            _take_all(strategy, items, ident)
        except TooManyAttempts:
            raise
        except Exception:  # noqa: BLE001 - storage down: this process's memory counts
            log.warning("rate-limit storage unreachable; counting %s in memory", self.scope)
            strategy = _memory
            _take_all(strategy, items, ident)
        return functools.partial(_give_back, strategy, items, ident)


def _take_all(strategy: RateLimiter, items: list, ident: tuple[str, ...]) -> None:
    """One hit in each window; over a limit, every hit of this attempt is given back."""
    for n, item in enumerate(items, start=1):
        if not strategy.hit(item, *ident):
            _give_back(strategy, items[:n], ident)
            raise TooManyAttempts(headers={"Retry-After": str(_retry(strategy, item, ident))})


def _give_back(strategy: RateLimiter, items: list, ident: tuple[str, ...]) -> None:
    for item in items:
        try:
            strategy.hit(item, *ident, cost=-1)
        except Exception:  # noqa: BLE001 - a lost give-back only makes the limit stricter
            log.warning("could not give back a rate-limit attempt")


def _retry(strategy: RateLimiter, item: Any, ident: tuple[str, ...]) -> int:
    try:
        reset_at = strategy.get_window_stats(item, *ident).reset_time
        return max(1, int(reset_at - time.time()))
    except Exception:  # noqa: BLE001 - a hint only
        return 60


def limited(*limits: AttemptLimit) -> Callable:
    """A view decorator: take an attempt from each limit first, give back what should not count."""

    def decorator(view: Callable) -> Callable:
        @functools.wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            give_backs = []
            try:
                for limit in limits:
                    give_backs.append((limit, limit.take()))
            except TooManyAttempts:
                for _, give_back in give_backs:
                    give_back()
                raise
            status = 500
            try:
                rv = view(*args, **kwargs)
                status = rv.status_code if isinstance(rv, Response) else 200
                return rv
            except DomainError as exc:
                status = exc.status
                raise
            except HTTPException as exc:
                status = exc.code or 500
                raise
            finally:
                for limit, give_back in give_backs:
                    if not limit.counts(status):
                        give_back()

        return wrapper

    return decorator
