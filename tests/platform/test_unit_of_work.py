"""The unit of work retries a transaction the database chose as a deadlock's loser (issue 9 #4:
deadlocks and serialization failures are retried before any 503)."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy.exc import OperationalError

from models import Person, db
from models.unit_of_work import is_transient, retrying
from tests.support.concurrency import fire_at_once


def test_issue9_4_a_real_deadlock_is_retried_and_both_writers_succeed(app, world):
    """Two transactions lock two rows in opposite orders: the database kills one; the unit of
    work runs it again and both commit."""
    a, b = world.person(), world.person()
    server = app.config["SQLALCHEMY_DATABASE_URI"].split(":")[0] != "sqlite"
    # SQLite takes its write lock up front (BEGIN IMMEDIATE): writers queue and never deadlock.
    barrier = threading.Barrier(2) if server else None
    runs: list[int] = []

    def work(i: int) -> str:
        first, second = (a.id, b.id) if i == 0 else (b.id, a.id)

        def run() -> str:
            runs.append(i)
            db.session.execute(db.update(Person).where(Person.id == first).values(phone=f"x{i}"))
            if barrier is not None and len(runs) <= 2:
                barrier.wait(timeout=10)  # both hold their first row: the crossing is certain
            db.session.execute(db.update(Person).where(Person.id == second).values(phone=f"y{i}"))
            db.session.commit()
            return "ok"

        with app.app_context():
            try:
                return retrying(run)
            finally:
                db.session.remove()

    assert fire_at_once(2, work) == ["ok", "ok"]
    if server:
        assert len(runs) == 3  # the loser ran again, once


def test_other_database_errors_are_not_retried(app):
    calls = []

    def broken() -> None:
        calls.append(1)
        db.session.execute(db.text("SELECT * FROM no_such_table"))

    with app.app_context():
        with pytest.raises(Exception) as exc:
            retrying(broken)
        db.session.rollback()
    assert len(calls) == 1 and not is_transient(exc.value)
    locked = OperationalError("BEGIN", {}, Exception("database is locked"))
    assert is_transient(locked)
