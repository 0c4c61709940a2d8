"""Bulk actions over the rows a clerk ticked (批量通过 / 批量驳回): each row its own savepoint in
the request's one unit of work, so a row that is refused (already decided by someone else, not
the caller's to decide) changes nothing and the others still go through; the answer reports
every row's result.

Why per row and not all-or-nothing: the rows are independent decisions a clerk would otherwise
take one drawer at a time, and the usual failure (a colleague decided one a moment earlier) is
no reason to hold back the other nine. A row's refusal is the service's own DomainError, raised
before it writes; the savepoint makes sure nothing half-written of that row stays either way.
A database failure (deadlock, lost connection) is not a row's result: it ends the whole request
and the unit of work retries or answers 503, as for any action."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from flask import Response, flash, request

from console.auth import done
from domain_errors import DomainError, InvalidInput
from inputs import MAX_ID
from models import db

MAX_ROWS = 100  # the largest page a table shows


@dataclass(frozen=True)
class Outcome:
    """One row's result: done (with what was done) or refused (with the service's message)."""

    id: int
    ok: bool
    message: str


def selected_ids() -> list[int]:
    """The ticked rows (`ids`, ASCII digits within 1 … 2^31−1, each once, at most MAX_ROWS)."""
    raw = request.form.getlist("ids")
    if not raw:
        raise InvalidInput("请先勾选要处理的记录", errors={"ids": ["请先勾选要处理的记录"]})
    ids: list[int] = []
    for value in raw:
        if (
            not (value.isascii() and value.isdigit())
            or len(value) > 10
            or not 0 < int(value) <= MAX_ID
        ):
            raise InvalidInput(errors={"ids": ["选择的记录编号无效"]})
        if int(value) not in ids:
            ids.append(int(value))
    if len(ids) > MAX_ROWS:
        raise InvalidInput(errors={"ids": [f"一次最多处理 {MAX_ROWS} 条"]})
    return ids


def each(ids: list[int], act: Callable[[int], str]) -> list[Outcome]:
    """Run `act` on every id in a savepoint of its own; a DomainError is that row's result."""
    outcomes = []
    for row_id in ids:
        try:
            with db.session.begin_nested():
                outcomes.append(Outcome(row_id, True, act(row_id)))
        except DomainError as refused:
            outcomes.append(Outcome(row_id, False, refused.message))
    return outcomes


def report(verb: str, outcomes: list[Outcome]) -> Response:
    """Flash how many went through and, line by line, why the others did not; reload."""
    done_rows = [o for o in outcomes if o.ok]
    refused = [o for o in outcomes if not o.ok]
    if refused:
        lines = [f"{len(refused)} 条未能{verb}："]
        lines += [f"#{o.id}：{o.message}" for o in refused]
        flash("\n".join(lines), "error")
    summary = f"已{verb} {len(done_rows)} 条"
    if done_rows:
        summary += "：" + "；".join(o.message for o in done_rows)
    return done(summary)
