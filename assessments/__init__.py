"""The monthly 100-point assessment of 区队 by the mine's offices (六好区队, issue 21): the
organisation it needs (unit kinds, 班组, scoring staff, team leaders, 包保 links), versioned
sheet templates, the month's round (scores, submissions, objections, the lock, grades and
ranks) and audited corrections after the lock. See docs/assessments.md."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Tell media/ what a deduction's evidence photo is for; the 25th's 包保 visit reminder
    (runs daily; sends from the 25th, once per month)."""
    from assessments import photos
    from jobs.schedule import periodic

    photos.register_owner()

    periodic("assessments-visit-reminders", "assessments.jobs.visit_reminder_job", cron="0 9 * * *")
