"""The settings points/ works with, named once: read from the app's config (config/ read the
environment at start-up) in this one place, so the services below never reach into Flask's
config and a job, a CLI or a test can see what they use."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import current_app


@dataclass(frozen=True)
class PointsSettings:
    manual_max: int  # POINTS_MANUAL_MAX: the largest manual adjustment
    wish_completed: int  # WISH_COMPLETED_POINTS: the default rulebook's WISH rule
    monthly_talks: int  # POINTS_MONTHLY_TALKS: the default rulebook's TALK rule
    apprenticeship: int  # POINTS_APPRENTICESHIP: the default rulebook's APPRENTICE rule

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> PointsSettings:
        return cls(
            manual_max=int(config["POINTS_MANUAL_MAX"]),
            wish_completed=int(config["WISH_COMPLETED_POINTS"]),
            monthly_talks=int(config["POINTS_MONTHLY_TALKS"]),
            apprenticeship=int(config["POINTS_APPRENTICESHIP"]),
        )


def settings() -> PointsSettings:
    """The current app's points settings (read each time: tests change a running app's config)."""
    return PointsSettings.from_config(current_app.config)
