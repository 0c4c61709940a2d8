"""The settings accounts/ works with, named once: read from the app's config (config/ read the
environment at start-up) in this one place, so the services below never reach into Flask's
config and a job, a CLI or a test can see what they use."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flask import current_app


@dataclass(frozen=True)
class AccountSettings:
    secret_key: str = field(repr=False)  # SECRET_KEY: signs the bearer tokens
    token_ttl_seconds: int  # TOKEN_TTL_SECONDS
    demo_login: bool  # DEMO_LOGIN: "demo:<name>" codes log in without WeChat
    console_ticket_ttl_seconds: int  # CONSOLE_TICKET_TTL_SECONDS
    console_session_ttl_seconds: int  # CONSOLE_SESSION_TTL_SECONDS

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> AccountSettings:
        return cls(
            secret_key=config["SECRET_KEY"],
            token_ttl_seconds=int(config["TOKEN_TTL_SECONDS"]),
            demo_login=bool(config["DEMO_LOGIN"]),
            console_ticket_ttl_seconds=int(config["CONSOLE_TICKET_TTL_SECONDS"]),
            console_session_ttl_seconds=int(config["CONSOLE_SESSION_TTL_SECONDS"]),
        )


def settings() -> AccountSettings:
    """The current app's account settings (a few dict lookups; tests change a running app's
    config, so they are read each time)."""
    return AccountSettings.from_config(current_app.config)
