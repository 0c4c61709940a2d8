"""Housekeeping jobs of the foundation."""

from __future__ import annotations

from jobs import app_job


@app_job
def purge_idempotency_job() -> int:
    """Drop stored Idempotency-Key answers older than their TTL."""
    from flask import current_app

    from models.idempotency import purge_expired

    return purge_expired(current_app.config["IDEMPOTENCY_TTL_SECONDS"])
