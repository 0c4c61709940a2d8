"""The job queue run to the end in the test's own thread."""

from __future__ import annotations

from rq import SimpleWorker

from jobs import get_queue, rq_connection


def run_worker(app) -> None:
    """Run everything queued, in this thread, the way `flask jobs worker --burst` does."""
    with app.app_context():
        connection = rq_connection(app, fresh=True)
        SimpleWorker([get_queue(app, connection=connection)], connection=connection).work(
            burst=True
        )
