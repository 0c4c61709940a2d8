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
