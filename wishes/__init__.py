"""The micro-wish domain (群众微心愿)."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Tell media/ what a wish's photos are used for; the claim-deadline job."""
    from jobs.schedule import periodic
    from wishes import photos

    photos.register_owner()
    periodic("wishes-claim-deadlines", "wishes.jobs.claim_deadlines_job", every=600)
    _register_todo(app)


def _register_todo(app: Flask) -> None:
    """The 待办 of wishes: reviews for a secretary, claims near their deadline for a claimer."""
    from notifications import todo
    from wishes.queries import claims_near_deadline_count, to_review_count

    days = app.config["WISH_REMIND_DAYS"]
    todo.register("wishes_to_review", "待审核的微心愿", "pages/wishes/manage", to_review_count)
    todo.register(
        "claims_near_deadline",
        "即将到期的认领",
        "pages/wishes/claims",
        lambda p, now: claims_near_deadline_count(p, now, days),
    )
