"""The settings wishes/ works with, named once: read from the app's config (config/ read the
environment at start-up) in this one place, so the services below never reach into Flask's
config and a job, a CLI or a test can see what they use."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import current_app


@dataclass(frozen=True)
class WishSettings:
    claim_limit: int  # WISH_CLAIM_LIMIT: open claims a member may hold
    claim_days: int  # WISH_CLAIM_DAYS: a claim's deadline
    release_days: int  # WISH_RELEASE_DAYS: the window releases are counted in
    release_limit: int  # WISH_RELEASE_LIMIT: releases allowed in that window
    remind_days: int  # WISH_REMIND_DAYS: how early a claimer is reminded of the deadline

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> WishSettings:
        return cls(
            claim_limit=int(config["WISH_CLAIM_LIMIT"]),
            claim_days=int(config["WISH_CLAIM_DAYS"]),
            release_days=int(config["WISH_RELEASE_DAYS"]),
            release_limit=int(config["WISH_RELEASE_LIMIT"]),
            remind_days=int(config["WISH_REMIND_DAYS"]),
        )


def settings() -> WishSettings:
    """The current app's wish settings (read each time: tests change a running app's config)."""
    return WishSettings.from_config(current_app.config)
