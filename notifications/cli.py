"""`flask notifications send-pending | stats`: the outbox by hand (also the fallback when the job
queue is down)."""

from __future__ import annotations

from datetime import timedelta

import click
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
