"""The request's one unit of work (web.unit_of_work): it commits once, rolls back on an error,
retries a transient conflict by one rule without nesting, and rewinds uploads before a retry."""

from __future__ import annotations

import io
from collections.abc import Iterator

import pytest
from sqlalchemy import event
from sqlalchemy.exc import OperationalError
from werkzeug.datastructures import FileStorage

from domain_errors import NotFound
from models import Person, db
from models import unit_of_work as floor
from web import unit_of_work


class Deadlock(Exception):
    sqlstate = "40P01"


def deadlock() -> OperationalError:
    return OperationalError("UPDATE people", {}, Deadlock("deadlock detected"))


def mysql_deadlock() -> OperationalError:
    return OperationalError("UPDATE people", {}, Exception(1213, "Deadlock found"))


@pytest.fixture
def commits(app) -> Iterator[list[int]]:
    """How many times the session committed (transactions that reached COMMIT)."""
    seen: list[int] = []

    def count(session) -> None:
        seen.append(1)

    event.listen(db.session, "after_commit", count)
    yield seen
    event.remove(db.session, "after_commit", count)


def _phone(person_id: int) -> str | None:
    db.session.rollback()
    return db.session.get(Person, person_id).phone


def test_one_unit_commits_once_after_the_view(app, world, commits):
    person = world.person()
    commits.clear()

    def view() -> str:
        db.session.execute(db.update(Person).where(Person.id == person.id).values(phone="1"))
        # A service that commits "as one unit" runs inside the request's: no commit of its own.
        floor.committed(
            lambda: db.session.execute(
                db.update(Person).where(Person.id == person.id).values(name="改名")
            )
        )
        return "ok"

    with app.test_request_context("/api/v1/x", method="POST"):
        assert unit_of_work.run(view) == "ok"
        assert len(commits) == 1
        assert _phone(person.id) == "1"
        assert db.session.get(Person, person.id).name == "改名"


def test_an_error_rolls_the_work_back(app, world, commits):
    person = world.person()
    commits.clear()

    def view() -> str:
        db.session.execute(db.update(Person).where(Person.id == person.id).values(phone="2"))
        raise NotFound()

    with app.test_request_context("/api/v1/x", method="POST"):
        with pytest.raises(NotFound):
            unit_of_work.run(view)
        assert commits == []
        assert _phone(person.id) != "2"


def test_a_refusal_answered_without_raising_writes_nothing(app, world, commits):
    person = world.person()
    commits.clear()

    def view():
        db.session.execute(db.update(Person).where(Person.id == person.id).values(phone="3"))
        return "不行", 422

    with app.test_request_context("/console/x", method="POST"):
        assert unit_of_work.run(view) == ("不行", 422)
        assert commits == []
        assert _phone(person.id) != "3"


@pytest.mark.parametrize("error", [deadlock, mysql_deadlock])
def test_a_transient_conflict_is_retried_by_one_rule_without_nesting(app, world, commits, error):
    """Two deadlocks injected in a service that has its own `retrying`: the request's unit is
    the only loop (3 attempts of the view, 3 of the service: no 4 × 4)."""
    person = world.person()
    commits.clear()
    attempts = {"view": 0, "service": 0}

    def service() -> None:
        attempts["service"] += 1
        db.session.execute(db.update(Person).where(Person.id == person.id).values(phone="4"))
        if attempts["service"] <= 2:
            raise error()

    def view() -> str:
        attempts["view"] += 1
        floor.retrying(service)
        return "ok"

    with app.test_request_context("/api/v1/x", method="POST"):
        assert unit_of_work.run(view) == "ok"
        assert attempts == {"view": 3, "service": 3}
        assert len(commits) == 1
        assert _phone(person.id) == "4"


def test_a_conflict_that_repeats_gives_up_after_the_attempts(app, commits):
    calls: list[int] = []

    def view() -> str:
        calls.append(1)
        raise deadlock()

    with app.test_request_context("/api/v1/x", method="POST"):
        with pytest.raises(OperationalError):
            unit_of_work.run(view)
    assert len(calls) == floor.ATTEMPTS and commits == []


def test_other_errors_are_not_retried(app):
    calls: list[int] = []

    def view() -> str:
        calls.append(1)
        raise OperationalError("SELECT 1", {}, Exception("no such table: x"))

    with app.test_request_context("/api/v1/x", method="POST"):
        with pytest.raises(OperationalError):
            unit_of_work.run(view)
    assert calls == [1]


def test_uploads_are_rewound_before_a_retry(app):
    read: list[bytes] = []
    upload = FileStorage(io.BytesIO(b"\x89PNG photo bytes"), filename="a.png", name="file")

    with app.test_request_context("/api/v1/uploads", method="POST", data={"file": upload}):
        from flask import request

        def view() -> str:
            read.append(request.files["file"].read())
            if len(read) == 1:
                raise deadlock()
            return "ok"

        assert unit_of_work.run(view) == "ok"
    assert read == [b"\x89PNG photo bytes", b"\x89PNG photo bytes"]


def test_after_commit_hooks_run_once_after_the_commit_and_never_after_a_rollback(app, commits):
    attempts: list[int] = []
    ran: list[tuple[int, int]] = []

    def view() -> str:
        attempts.append(1)
        attempt = len(attempts)
        unit_of_work.after_commit(lambda: ran.append((attempt, len(commits))))
        if attempt == 1:
            raise deadlock()  # this attempt's hook is dropped with its work
        return "ok"

    with app.test_request_context("/api/v1/x", method="POST"):
        assert unit_of_work.run(view) == "ok"
    assert ran == [(2, 1)]  # the second attempt's hook, after the one commit

    def failing() -> str:
        unit_of_work.after_commit(lambda: ran.append((-1, -1)))
        raise NotFound()

    with app.test_request_context("/api/v1/x", method="POST"):
        with pytest.raises(NotFound):
            unit_of_work.run(failing)
    assert ran == [(2, 1)]


def test_every_view_of_both_doors_runs_in_the_unit_of_work(app):
    ours = [
        endpoint
        for endpoint, view in app.view_functions.items()
        if endpoint.split(".")[0] in {"console", "votes", "wishes", "pairings", "identity"}
        and endpoint != "console.static"
    ]
    assert len(ours) > 50
    assert all(getattr(app.view_functions[e], "retrying", False) for e in ours)


def test_the_floor_knows_no_http():
    import models.unit_of_work as module

    with open(module.__file__, encoding="utf-8") as f:
        source = f.read()
    assert "from flask" not in source and "import flask" not in source


@pytest.mark.parametrize(
    ("orig", "transient"),
    [
        (Deadlock("deadlock detected"), True),
        (type("Serialization", (Exception,), {"sqlstate": "40001"})("x"), True),
        (Exception(1213, "Deadlock found"), True),
        (Exception(1205, "Lock wait timeout exceeded"), True),
        (Exception(1020, "Record has changed since last read"), True),
        (Exception("database is locked"), True),
        (Exception(1062, "Duplicate entry"), False),
        (Exception("no such table: x"), False),
    ],
)
def test_one_classification_of_transient_errors(orig, transient):
    assert floor.is_transient(OperationalError("X", {}, orig)) is transient
