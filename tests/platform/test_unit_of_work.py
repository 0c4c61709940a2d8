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


def test_insert_once_answers_a_unique_refusal_and_keeps_the_unit_of_work(app, world):
    """The one "insert unless stored already" form: the second insert of a unique fact answers
    False, and what the transaction did before it still commits. Fired at the same instant, one
    insert wins."""
    from models import SubscribeConsent
    from models.unit_of_work import insert_once

    person = world.person()
    with app.app_context():
        db.session.execute(db.update(Person).where(Person.id == person.id).values(phone="before"))
        assert insert_once(SubscribeConsent(person_id=person.id, template_id="t1", remaining=1))
        again = SubscribeConsent(person_id=person.id, template_id="t1", remaining=5)
        assert insert_once(again) is False
        db.session.commit()
        assert db.session.get(Person, person.id).phone == "before"
        rows = db.session.scalars(
            db.select(SubscribeConsent.remaining).where(SubscribeConsent.person_id == person.id)
        ).all()
        assert rows == [1]

    def work(i: int) -> bool:
        with app.app_context():
            try:
                row = SubscribeConsent(person_id=person.id, template_id="t2", remaining=i)
                stored = retrying(lambda: insert_once(row) and (db.session.commit() or True))
                return bool(stored)
            finally:
                db.session.remove()

    assert sorted(fire_at_once(4, work)) == [False, False, False, True]
