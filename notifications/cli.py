"""`flask notifications send-pending | stats | check-templates`: the outbox by hand (also the
fallback when the job queue is down) and what each kind would send."""

from __future__ import annotations

import json
from datetime import timedelta

import click
from flask import current_app
from flask.cli import AppGroup

from models import Notification, db

notifications_cli = AppGroup("notifications", help="The notification outbox.")


@notifications_cli.command("send-pending")
@click.option("--limit", default=500, show_default=True)
def send_pending_command(limit: int) -> None:
    """Send every due pending message now, in this process (no queue needed)."""
    from notifications.delivery import sweep

    counts = sweep(grace=timedelta(0), limit=limit)
    click.echo(", ".join(f"{k}: {v}" for k, v in sorted(counts.items())) or "nothing due")


@notifications_cli.command("stats")
def stats_command() -> None:
    """Outbox rows by status."""
    rows = db.session.execute(
        db.select(Notification.status, db.func.count()).group_by(Notification.status)
    ).all()
    for status, n in sorted(rows):
        click.echo(f"{status}: {n}")


@notifications_cli.command("check-templates")
def check_templates_command() -> None:
    """Check WECHAT_TEMPLATES and print what each kind would send for a sample; exit 1 on a
    problem."""
    from notifications.kinds import KINDS
    from notifications.templates import ValueShapeError, parse

    templates, problems = parse(current_app.config.get("WECHAT_TEMPLATES") or {})
    state = current_app.config["WECHAT_MINIPROGRAM_STATE"]
    click.echo(f"miniprogram_state: {state}, lang: zh_CN")
    for name, kind in KINDS.items():
        template = templates.get(name)
        if template is None:
            click.echo(f"{name} (to {kind.to}): no template, not sent")
            continue
        try:
            data = template.render(kind.sample())
        except ValueShapeError as exc:
            problems.append(f"{name}: the sample does not fit: {exc}")
            continue
        shown = json.dumps(data, ensure_ascii=False)
        click.echo(f"{name} (to {kind.to}): template {template.template_id}: {shown}")
    for problem in problems:
        click.echo(f"PROBLEM {problem}", err=True)
    if problems:
        raise SystemExit(1)
