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
