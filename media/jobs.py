"""The background jobs of media/ (the periodic ones registered in jobs.schedule); each unit of
work commits through `models.unit_of_work.committed`."""

from __future__ import annotations

from datetime import datetime

from jobs import app_job
from media import checks, sweeps
from media.settings import settings
from models import utcnow
from models.unit_of_work import committed


def submit_check(upload_id: int, now: datetime | None = None) -> str:
    """Send one upload to WeChat's image check; its check status after (or "busy" when it is
    not waiting to be sent). The lease commits before WeChat is called, so no lock is held
    while WeChat answers."""
    now = now or utcnow()
    if not committed(checks.claim, upload_id, now):
        return "busy"
    return committed(checks.send, upload_id, now)


def sweep_checks(now: datetime | None = None, limit: int = 200) -> dict[str, int]:
    """Send checks that never went out (queue or WeChat down); hand photos WeChat did not
    answer in time to the secretary."""
    now = now or utcnow()
    counts = {"sent": 0, "overdue": 0}
    for upload_id in sweeps.overdue(now, settings().check_timeout_minutes, limit):
        if committed(sweeps.hand_to_review, upload_id, now):
            counts["overdue"] += 1
    for upload_id in committed(sweeps.unsent, now, limit):
        if submit_check(upload_id, now) != "busy":
            counts["sent"] += 1
    return counts


@app_job
def media_check_job(upload_id: int) -> str:
    """Send one committed photo to WeChat's image check."""
    return submit_check(upload_id)


@app_job
def media_checks_sweep_job() -> dict[str, int]:
    """Send photo checks that never went out; give photos WeChat did not answer in time to the
    secretary."""
    return sweep_checks()


@app_job
def purge_orphan_uploads_job() -> int:
    """Delete uploads never attached to a wish after a week."""
    return committed(sweeps.purge_orphans)
