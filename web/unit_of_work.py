"""One unit of work per request, for every API view and console page.

A view does its work and returns; the unit commits once, after the view, or rolls back when the
view raised or answered an error (status 400 or more: a refusal writes nothing). A transient
conflict (a deadlock or serialization failure, by `models.unit_of_work.is_transient`, the one
rule) runs the view again from the start, uploads rewound, up to `models.unit_of_work.ATTEMPTS`
times. The unit never nests: services that call `models.unit_of_work.committed`/`retrying` inside
it simply run in it, so a retry inside a retry cannot happen.

Views never call `commit()`. Where a view needs the work written before the unit ends, it says
which of these it means:

- `flush()`: the answer is built from what was just written (a new id, server defaults, instants
  as the column stores them): write it and read it back, inside the transaction. This is what
  the old "commit, then serialise" did for the answer, without ending the unit early.
- `after_commit(fn)`: a side effect that must only happen once the work is committed (a file
  dropped once its import is in, a job enqueued for rows it must find); it runs after the
  unit's commit and is dropped on a rollback or before a retry.
- `checkpoint()`: commit the work so far and go on in the same unit, when no transaction may
  stay open across a slow remote call (an objection's text goes to WeChat's content check with
  no lock held). A retry after a checkpoint runs the whole view again, so what comes before
  one must be safe to do twice (it is: reads and checks only).
- `committed(fn, ...)`: work outside any view (a before_request hook such as the console
  guard ending a session, the idempotency record): its own small unit, retried by the rule.

Idempotent POSTs (miniapp_api.idempotency) claim their key in such a small unit before the view
and store the answer in another after the view's unit has committed or rolled back, so no
answer is ever stored inside, or for, work that did not commit.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import Any, TypeVar

from flask import Flask, Response, g, has_request_context, request

from models import db
from models import unit_of_work as floor

log = logging.getLogger(__name__)

T = TypeVar("T")

__all__ = ["after_commit", "checkpoint", "committed", "flush", "install", "unit_of_work"]


def _rewind_uploads() -> None:
    """A retried view reads its uploads again from the first byte."""
    if has_request_context():
        for upload in request.files.values():
            upload.stream.seek(0)


def _status_of(rv: Any) -> int:
    """The status a view's return value will answer with (200 when it does not say)."""
    if isinstance(rv, Response):
        return rv.status_code
    if isinstance(rv, tuple) and len(rv) >= 2 and isinstance(rv[1], int):
        return rv[1]
    return 200


def _hooks() -> list[Callable[[], Any]]:
    if "uow_after_commit" not in g:
        g.uow_after_commit = []
    return g.uow_after_commit


def after_commit(fn: Callable[[], Any]) -> None:
    """Run `fn` once the request's work is committed (never if it rolls back). Outside a unit of
    work the caller has committed already: `fn` runs now."""
    if floor.active() and has_request_context():
        _hooks().append(fn)
    else:
        fn()


def checkpoint() -> None:
    """Make the work so far durable, inside the request's unit (see the module docstring)."""
    db.session.commit()


def flush() -> None:
    """Write the work so far and read it back as the database stores it (new ids, defaults,
    instants in UTC and at the column's precision), for the answer the view builds next: what
    the answer shows is what the commit keeps. The unit still commits once, after the view."""
    db.session.flush()
    db.session.expire_all()


def committed(work: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """`work` committed as one unit, retried by the one rule; inside a unit it just runs."""
    return floor.committed(work, *args, **kwargs)


def _began() -> bool:
    """Whether the view's work needs a commit: a transaction was begun (any statement or flush),
    or a listener left something for the commit's hooks (`session.info`). A view that touched
    neither (a principal from the cache, an answer from Redis) and registered no after_commit
    hook has nothing to commit."""
    session = db.session()
    return session.in_transaction() or bool(session.info)


def run(view: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Run a view as the request's unit of work: commit once, roll back on an error, retry a
    transient conflict from the start. Inside an active unit the view just runs."""
    if floor.active():
        return view(*args, **kwargs)

    def attempt() -> T:
        g.uow_after_commit = []
        try:
            rv = view(*args, **kwargs)
            if _status_of(rv) >= 400:
                db.session.rollback()
                g.uow_after_commit = []
            elif _began() or g.uow_after_commit:
                db.session.commit()
            return rv
        except BaseException:
            db.session.rollback()
            raise

    try:
        rv = floor.retrying(attempt, before_retry=_rewind_uploads)
    finally:
        hooks = g.pop("uow_after_commit", [])
    # Reached only when the attempt returned: its commit (or its refusal's rollback) is done.
    for hook in hooks:
        hook()
    return rv


def unit_of_work(view: Callable[..., T]) -> Callable[..., T]:
    """Decorate a view so that it runs as one unit of work (see `run`)."""

    @functools.wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> T:
        return run(view, *args, **kwargs)

    wrapper.retrying = True  # type: ignore[attr-defined]
    return wrapper


def install(app: Flask, endpoints: Callable[[str], bool]) -> None:
    """Wrap every registered view whose endpoint `endpoints` accepts in the unit of work."""
    for endpoint, view in list(app.view_functions.items()):
        if endpoints(endpoint) and not getattr(view, "retrying", False):
            app.view_functions[endpoint] = unit_of_work(view)
