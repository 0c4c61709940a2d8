"""The settings notifications/ works with, named once: read from the app's config (config/ read
the environment at start-up) in this one place, so the services never reach into Flask's config."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import current_app


@dataclass(frozen=True)
class NotificationSettings:
    max_attempts: int  # NOTIFY_MAX_ATTEMPTS: sends tried before a message is given up
    inbox_keep_days: int  # INBOX_KEEP_DAYS: how long read inbox items are kept

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> NotificationSettings:
        return cls(
            max_attempts=int(config["NOTIFY_MAX_ATTEMPTS"]),
            inbox_keep_days=int(config["INBOX_KEEP_DAYS"]),
        )


def settings() -> NotificationSettings:
    """The current app's notification settings (read each time: tests change a running app)."""
    return NotificationSettings.from_config(current_app.config)
