"""One retrying unit of work per console request, as in the API (issue 9)."""

from __future__ import annotations

from models import db
from tests.console.sign_in import client_sign_in

ZONGCAI = "综采一队党支部"


def test_every_console_view_runs_in_the_retrying_unit_of_work(app):
    """Issue 9: every console page and action is wrapped like every API view."""
    console_views = {e: v for e, v in app.view_functions.items() if e.startswith("console.")}
    assert len(console_views) > 30
    unwrapped = [
        e
        for e, v in console_views.items()
        if e != "console.static" and not getattr(v, "retrying", False)
    ]
    assert unwrapped == []


def test_a_console_action_that_loses_a_conflict_is_retried(app, demo):
    """Issue 9: when the database picks a console post as a conflict's loser (here: the first
    INSERT of the request fails as a lost lock would), the post runs again and succeeds once —
    no 503, no double write."""
    from sqlalchemy import event
    from sqlalchemy.exc import OperationalError

    from models import PointsRequest

    own = demo["branches"][ZONGCAI]
    secretary = app.test_client()
    token = client_sign_in(secretary, "secretary")
    with app.app_context():
        engine = db.engine
        before = db.session.scalar(db.select(db.func.count()).select_from(PointsRequest))
    lost: list[str] = []

    def lose_once(conn, cursor, statement, parameters, context, executemany):
        if not lost and statement.lstrip().upper().startswith("INSERT INTO POINTS_REQUESTS"):
            lost.append(statement)
            raise OperationalError(statement, parameters, Exception("database is locked"))

    event.listen(engine, "before_cursor_execute", lose_once)
    try:
        r = secretary.post(
            f"/console/branches/{own}/points",
            data={"employee_no": "D0003", "delta": "3", "reason": "冲突后重试"},
            headers={"X-CSRFToken": token, "HX-Request": "true"},
        )
    finally:
        event.remove(engine, "before_cursor_execute", lose_once)
    assert len(lost) == 1
    assert r.status_code == 200, r.get_data(as_text=True)
    with app.app_context():
        rows = db.session.scalars(
            db.select(PointsRequest).where(PointsRequest.reason == "冲突后重试")
        ).all()
        after = db.session.scalar(db.select(db.func.count()).select_from(PointsRequest))
    assert len(rows) == 1 and after == before + 1
