"""The module's settings, read from the environment once at app creation."""

from __future__ import annotations

import os

from flask import Flask, current_app

DEFAULTS: dict[str, str] = {
    # Talks with paired employees each member must hold per calendar month.
    "TALKS_REQUIRED_PER_MONTH": "1",
    # Days after it was written that a talk record stays editable by its author.
    "TALK_EDIT_DAYS": "7",
    # Points for meeting a month's talk requirement (kind monthly_talks_done).
    "POINTS_MONTHLY_TALKS": "2",
    # Largest manual adjustment, either way, in one entry.
    "POINTS_MANUAL_MAX": "100",
    # Days of the month on which members still due are reminded.
    "TALK_REMINDER_DAYS": "20,27",
}


def init_app(app: Flask) -> None:
    """Put the module's settings into app.config (environment first, then the defaults)."""
    for name, default in DEFAULTS.items():
        raw = os.environ.get(name) or default
        if name == "TALK_REMINDER_DAYS":
            days = sorted({int(d) for d in raw.split(",") if d.strip()})
            if not days or not all(1 <= d <= 28 for d in days):
                raise RuntimeError("TALK_REMINDER_DAYS must be days 1..28, e.g. 20,27")
            app.config.setdefault(name, days)
        else:
            app.config.setdefault(name, int(raw))
    if app.config["TALKS_REQUIRED_PER_MONTH"] < 1:
        raise RuntimeError("TALKS_REQUIRED_PER_MONTH must be at least 1")


def setting(name: str):
    """One of the module's settings from the current app."""
    return current_app.config[name]
