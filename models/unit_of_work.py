"""One unit of work, retried when the database picks it as the loser of a conflict.

PostgreSQL aborts one of two transactions that wait on each other (deadlock, 40P01) or that
cannot be serialised (40001); MariaDB does the same with 1213; SQLite answers "database is
locked" when its busy timeout runs out. None of these says anything about the request: done
again from the start, it succeeds. Every view of the API and of the console runs inside
`retrying` (`retrying_view`), and CLI jobs can use `committed`; only when the conflict repeats
does the client see 503 `database_unavailable`.
"""

from __future__ import annotations

import functools
import logging
import random
import time
from collections.abc import Callable
from typing import Any, TypeVar

from flask import request
from sqlalchemy.exc import DBAPIError

from models.base import db

log = logging.getLogger(__name__)

T = TypeVar("T")

ATTEMPTS = 4
PG_TRANSIENT = {"40001", "40P01"}  # serialization_failure, deadlock_detected
MYSQL_TRANSIENT = {1213, 1020}  # deadlock; "record has changed" (snapshot isolation)
SQLITE_TRANSIENT = ("database is locked", "database table is locked")


def is_transient(error: BaseException) -> bool:
    """Whether a database error is a lost conflict that a fresh attempt would not meet."""
    if not isinstance(error, DBAPIError) or error.connection_invalidated:
        return False
    orig = error.orig
    if getattr(orig, "sqlstate", None) in PG_TRANSIENT:
        return True
    args = getattr(orig, "args", ())
    if args and isinstance(args[0], int) and args[0] in MYSQL_TRANSIENT:
        return True
    return any(text in str(orig) for text in SQLITE_TRANSIENT)


def retrying(
    work: Callable[[], T],
    *,
    attempts: int = ATTEMPTS,
    before_retry: Callable[[], Any] | None = None,
) -> T:
    """Run `work` (which commits); on a transient conflict roll back and run it again, up to
    `attempts` times in all, with a short randomised pause so the two losers do not collide
    again."""
    for attempt in range(1, attempts + 1):
        try:
            return work()
        except DBAPIError as exc:
            if attempt == attempts or not is_transient(exc):
                raise
            db.session.rollback()
            log.warning("transient database conflict (attempt %d): %s", attempt, exc.orig)
            time.sleep(random.uniform(0.005, 0.02) * 2**attempt)
            if before_retry is not None:
                before_retry()
    raise AssertionError("unreachable")


def committed(work: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Call a service function and commit its work as one unit, retried as above."""

    def run() -> T:
        result = work(*args, **kwargs)
        db.session.commit()
        return result

    return retrying(run)


def _rewind_uploads() -> None:
    for upload in request.files.values():
        upload.stream.seek(0)


def retrying_view(view: Callable[..., T]) -> Callable[..., T]:
    """A Flask view run again from the start (uploads rewound) when the database picked it as
    a conflict's loser: the API's and the console's one unit of work per request."""

    @functools.wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> T:
        return retrying(lambda: view(*args, **kwargs), before_retry=_rewind_uploads)

    wrapper.retrying = True  # type: ignore[attr-defined]
    return wrapper
