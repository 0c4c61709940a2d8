"""待办: a person's open duties, computed from the domains each time, never stored twice.

The message centre sits below the domains and must not import them, so each domain registers
its providers at start-up (`register(...)` in its `init_app`); a provider takes the caller (the
`accounts.Principal`, passed through untouched) and the current instant and answers how many
duties of its sort the caller has, or None when the sort does not apply to them (a member is
not asked about wishes to review).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from models import utcnow

Counter = Callable[[Any, datetime], "int | None"]


@dataclass(frozen=True)
class Provider:
    key: str
    label: str  # Chinese, as both doors show it
    page: str  # the mini-program page where the duty is done
    count: Counter


PROVIDERS: dict[str, Provider] = {}


def register(key: str, label: str, page: str, count: Counter) -> None:
    """Register (or, for a second app of the same process, replace) a to-do provider."""
    PROVIDERS[key] = Provider(key, label, page, count)


def todo_of(principal: Any, now: datetime | None = None) -> list[dict[str, Any]]:
    """The caller's duties that apply to them, each with its count (zero included)."""
    now = now or utcnow()
    out = []
    for provider in PROVIDERS.values():
        count = provider.count(principal, now)
        if count is None:
            continue
        out.append(
            {"key": provider.key, "label": provider.label, "page": provider.page, "count": count}
        )
    return out


def total_of(principal: Any, now: datetime | None = None) -> int:
    """The badge: how many duties in all."""
    return sum(item["count"] for item in todo_of(principal, now))
