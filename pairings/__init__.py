"""一带三/一带五 pairings, monthly heart-to-heart talks, and the member points ledger."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Install the roster hook that ends the pairings of members who leave the party."""
    from pairings import services  # noqa: F401 - registers the before_flush hook
