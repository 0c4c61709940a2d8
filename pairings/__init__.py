"""一带三/一带五 pairings, monthly heart-to-heart talks, and the member points ledger."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """The module's settings, its CLI group, and the roster hook that ends moved pairings."""
    from pairings import services  # noqa: F401 - registers the before_flush hook
    from pairings.cli import pairings_cli
    from pairings.settings import init_app as init_settings

    init_settings(app)
    app.cli.add_command(pairings_cli)
