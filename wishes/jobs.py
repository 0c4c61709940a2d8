"""Scheduled work of the micro-wish domain (registered in jobs.schedule)."""

from __future__ import annotations

from jobs import app_job
from models import db
from wishes import photos, services


@app_job
def claim_deadlines_job() -> dict[str, int]:
    """Expire overdue claims (back to the pool) and remind claimers a few days before."""
    run = services.run_claim_deadlines()
    return {"expired": run.expired, "reminded": run.reminded}


@app_job
def purge_orphan_uploads_job() -> int:
    """Delete uploads never attached to a wish after a week."""
    n = photos.purge_orphans()
    db.session.commit()
    return n


@app_job
def media_check_job(upload_id: int) -> str:
    """Send one committed photo to WeChat's image check."""
    return photos.submit_check(upload_id)


@app_job
def media_checks_sweep_job() -> dict[str, int]:
    """Send photo checks that never went out; give photos WeChat did not answer in time to the
    secretary."""
    return photos.sweep_checks()
