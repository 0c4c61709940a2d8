"""Registering SQLAlchemy event listeners from a domain's init_app, once per process."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import event


def listen_once(target: Any, identifier: str, fn: Callable[..., Any]) -> None:
    """`event.listen`, unless `fn` already listens there: tests and tools create several apps
    in one process, and a listener installed twice would run twice."""
    if not event.contains(target, identifier, fn):
        event.listen(target, identifier, fn)
