"""Scheduled work of the zones domain (registered in jobs.schedule)."""

from __future__ import annotations

from jobs import app_job
from models.unit_of_work import committed
from zones import dangers


@app_job
def overdue_job() -> dict[str, int]:
    """Mark dangers past their fix deadline overdue and escalate them (once each)."""
    run = committed(dangers.mark_overdue)
    return {"marked": run.marked, "notified": run.notified}
