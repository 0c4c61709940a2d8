"""The micro-wish domain (群众微心愿)."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Tell media/ what a wish's photos are used for; the claim-deadline job."""
    from jobs.schedule import periodic
    from wishes import photos

    photos.register_owner()
    periodic("wishes-claim-deadlines", "wishes.jobs.claim_deadlines_job", every=600)
