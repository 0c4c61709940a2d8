"""The settings votes/ works with, named once: read from the app's config (config/ read the
environment at start-up) in this one place, so the services below never reach into Flask's
config and a job, a CLI or a test can see what they use."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import current_app


@dataclass(frozen=True)
class VoteSettings:
    points_manual_max: int  # POINTS_MANUAL_MAX: the largest points a sheet row may give
    share_page: str  # VOTE_SHARE_PAGE: the mini-program page a candidate's code opens

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> VoteSettings:
        return cls(
            points_manual_max=int(config["POINTS_MANUAL_MAX"]),
            share_page=config["VOTE_SHARE_PAGE"],
        )


def settings() -> VoteSettings:
    """The current app's vote settings (read each time: tests change a running app's config)."""
    return VoteSettings.from_config(current_app.config)
