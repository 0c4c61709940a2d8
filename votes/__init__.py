"""六大员 public voting: campaigns, the Redis vote path, tallies, results, anti-brushing."""

from __future__ import annotations

import os

from flask import Flask

# Settings of this module, read from the environment once (an explicit app.config value wins).
SETTINGS = {
    # Vote attempts per minute, counted inside vote.lua (one round trip with the vote itself).
    # The per-IP limit is generous: a whole mine shares one network, so it is never the only gate.
    "VOTE_ACCOUNT_PER_MINUTE": 30,
    "VOTE_IP_PER_MINUTE": 20000,
    # Leaderboard reads per account per minute (a client polling in a loop).
    "LEADERBOARD_PER_MINUTE": 120,
    # Mini-program page a share code opens, with scene "c=<campaign>&k=<candidate>".
    "VOTE_SHARE_PAGE": "pages/vote/candidate",
}


def init_app(app: Flask) -> None:
    """Module settings and the `flask votes` commands."""
    for key, default in SETTINGS.items():
        raw = os.environ.get(key)
        app.config.setdefault(key, type(default)(raw) if raw else default)
    from votes.cli import votes_cli

    app.cli.add_command(votes_cli)
