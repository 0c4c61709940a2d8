"""Scheduled work of the voting domain (registered in jobs.schedule)."""

from __future__ import annotations

from jobs import app_job
from models import db
from votes.reminders import remind_non_voters


@app_job
def remind_job() -> dict[str, int]:
    """Remind bound employees who have not voted today (once a day per campaign at most)."""
    sent = remind_non_voters()
    db.session.commit()
    return {str(k): v for k, v in sent.items()}


@app_job
def reconcile_job() -> dict[str, list[int]]:
    """Compare every live campaign's Redis state with the database and repair what differs
    (votes.reconcile); every minute, and once for a campaign after its publish."""
    from votes.reconcile import reconcile_all

    report = reconcile_all()
    return {"checked": report.checked, "repaired": report.repaired, "failed": report.failed}
