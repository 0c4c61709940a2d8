"""The settings assessments/ works with, read from the app's config (config/ read the environment
at start-up) in this one place."""

from __future__ import annotations

from flask import current_app


def awards_per_quarter(kind: str = "team") -> int:
    """How many 六好区队 (ASSESSMENT_AWARDS_PER_QUARTER) or 六型班组
    (ASSESSMENT_GROUP_AWARDS_PER_QUARTER) the committee may name a quarter; default 6 each."""
    key = (
        "ASSESSMENT_GROUP_AWARDS_PER_QUARTER"
        if kind == "group"
        else "ASSESSMENT_AWARDS_PER_QUARTER"
    )
    return int(current_app.config[key])
