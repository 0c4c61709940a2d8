"""The module's settings (read from the environment by config/, once)."""

from __future__ import annotations

from flask import current_app


def setting(name: str):
    """One of the module's settings from the current app."""
    return current_app.config[name]
