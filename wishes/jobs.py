"""Scheduled work of the micro-wish domain (registered in jobs.schedule)."""

from __future__ import annotations

from jobs import app_job
from wishes import services


@app_job
def claim_deadlines_job() -> dict[str, int]:
    """Expire overdue claims (back to the pool) and remind claimers a few days before."""
    run = services.run_claim_deadlines()
    return {"expired": run.expired, "reminded": run.reminded}
