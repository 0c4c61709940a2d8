"""Scheduled work of the pairings domain (registered in jobs.schedule)."""

from __future__ import annotations

from jobs import app_job
from models import db
from pairings.reminders import send_reminders


@app_job
def remind_job() -> dict[str, int]:
    """Remind members still due this month (on the configured days; safe to run daily)."""
    run = send_reminders()
    db.session.commit()
    return {"due": run.due, "reminded": len(run.sent)}


@app_job
def overdue_duties_job() -> dict[str, int]:
    """Send one overdue notice per 必访必谈 duty past its time (safe to run at any interval)."""
    from pairings.duties import notify_overdue

    run = notify_overdue()
    db.session.commit()
    return {"overdue": run.overdue, "notified": len(run.notified)}
