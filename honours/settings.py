"""The settings honours/ works with, read from the app's config in this one place."""

from __future__ import annotations

from flask import current_app


def honour_page() -> str:
    """HONOUR_PAGE: the mini-program page an honour's poster code opens."""
    return current_app.config["HONOUR_PAGE"]
