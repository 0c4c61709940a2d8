"""The floor of the unit of work: which database errors are transient, and the one retry loop.

PostgreSQL aborts one of two transactions that wait on each other (deadlock, 40P01) or that
cannot be serialised (40001); MariaDB/MySQL does the same with 1213 (deadlock) and 1020 (record
changed since the snapshot); SQLite answers "database is locked" when its busy timeout runs out.
MariaDB's 1205 (lock wait timeout) is transient too: with InnoDB's default
(innodb_rollback_on_timeout=OFF) only the statement was undone, and after our rollback a fresh
attempt no longer waits behind the transaction that held the row — the vote path has always
treated it so, and a write queued behind a long lock is the case a retry is for. None of these
says anything about the work: done again from the start, it succeeds.

`retrying` is the one loop that acts on that rule, and it never nests: while a unit of work is
active (a request's, see `web.unit_of_work`, or an outer `retrying`), an inner `retrying` or
`committed` simply runs inside it and leaves the retry and the commit to the outer one. CLIs and
jobs use `committed`. Nothing here knows HTTP.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable
from contextvars import ContextVar
from typing import Any, TypeVar

from sqlalchemy.exc import DBAPIError, IntegrityError

from models.base import db

log = logging.getLogger(__name__)

T = TypeVar("T")

ATTEMPTS = 4
PG_TRANSIENT = {"40001", "40P01"}  # serialization_failure, deadlock_detected
# deadlock; lock wait timeout; "record has changed" (snapshot isolation)
MYSQL_TRANSIENT = {1213, 1205, 1020}
SQLITE_TRANSIENT = ("database is locked", "database table is locked")

_active: ContextVar[bool] = ContextVar("unit_of_work_active", default=False)


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


def active() -> bool:
    """Whether a unit of work is running: its owner commits and retries, nobody else."""
    return _active.get()


def retrying(
    work: Callable[[], T],
    *,
    attempts: int = ATTEMPTS,
    before_retry: Callable[[], Any] | None = None,
) -> T:
    """Run `work`; on a transient conflict roll back and run it again, up to `attempts` times in
    all, with a short randomised pause so the two losers do not collide again. Inside an active
    unit of work `work` runs once: the outer unit is the one that retries."""
    if _active.get():
        return work()
    token = _active.set(True)
    try:
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
    finally:
        _active.reset(token)


def committed(work: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Call a service function and commit its work as one unit, retried as above (for CLIs and
    jobs). Inside an active unit of work it only calls: the outer unit commits."""
    if _active.get():
        return work(*args, **kwargs)

    def run() -> T:
        result = work(*args, **kwargs)
        db.session.commit()
        return result

    return retrying(run)


def insert_once(*rows: Any) -> bool:
    """Add and flush `rows` in a savepoint: True when stored; False when a unique constraint
    refused them (someone stored the same fact first, perhaps at the same instant), with only the
    savepoint undone so the caller's unit of work goes on. The unique key is the last line of
    every "only once" rule; this turns its refusal into an answer the caller maps to its own
    error or to "already done"."""
    try:
        with db.session.begin_nested():
            db.session.add_all(rows)
            db.session.flush()
    except IntegrityError:
        return False
    return True
