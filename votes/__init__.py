"""六大员 public voting: campaigns, the Redis vote path, tallies, results, anti-brushing."""

from __future__ import annotations

import os

from flask import Flask

# Settings of this module, read from the environment once (an explicit app.config value wins).
SETTINGS = {
    # Flask-Limiter strings; the per-IP limit is generous because a whole mine shares one network.
    "VOTE_ACCOUNT_LIMITS": "30 per minute;600 per day",
    "VOTE_IP_LIMITS": "20000 per minute",
    # Leaderboard reads per account (a client polling in a loop).
    "LEADERBOARD_ACCOUNT_LIMITS": "120 per minute",
    # Mini-program page a share code opens, with scene "c=<campaign>&k=<candidate>".
    "VOTE_SHARE_PAGE": "pages/vote/candidate",
}


def init_app(app: Flask) -> None:
    """Module settings and the `flask votes` commands."""
    for key, default in SETTINGS.items():
        app.config.setdefault(key, os.environ.get(key) or default)
    from votes.cli import votes_cli

    app.cli.add_command(votes_cli)
