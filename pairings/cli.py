"""`flask pairings ...`: thin wrappers over the services, for cron and operators."""

from __future__ import annotations

from datetime import datetime, time

import click
from flask.cli import AppGroup

from models import db
from pairings.months import SHANGHAI
from pairings.reminders import send_reminders

pairings_cli = AppGroup("pairings", help="一带三/一带五 pairings and monthly talks.")


@pairings_cli.command("remind")
@click.option(
    "--date",
    "on",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    help="Run as if it were this Shanghai date (default: today).",
)
def remind_command(on: datetime | None) -> None:
    """Remind members still due this month (on/after the 20th and the 27th); safe to re-run."""
    now = None
    if on is not None:
        now = datetime.combine(on.date(), time(9, 0), tzinfo=SHANGHAI)
    run = send_reminders(now)
    db.session.commit()
    if run.remind_on is None:
        click.echo(f"{run.month}: no reminder date yet")
        return
    click.echo(
        f"{run.month} reminder of {run.remind_on}: {run.due} members due, "
        f"{len(run.sent)} reminded now"
    )
