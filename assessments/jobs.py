"""Scheduled work of the assessments domain (registered in jobs.schedule)."""

from __future__ import annotations

from jobs import app_job
from models import db


@app_job
def visit_reminder_job() -> dict[str, int]:
    """Remind offices still due a 包保 visit this month (from the 25th; safe to run daily)."""
    from assessments.reminders import send_visit_reminders

    run = send_visit_reminders()
    db.session.commit()
    return {"due_offices": run.due_offices, "reminded": len(run.sent)}
