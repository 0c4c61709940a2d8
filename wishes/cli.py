"""`flask wishes expire-claims`: the scheduled deadline job, by hand."""

from __future__ import annotations

import click
from flask.cli import AppGroup

wishes_cli = AppGroup("wishes", help="Micro-wishes (群众微心愿).")


@wishes_cli.command("expire-claims")
def expire_claims_command() -> None:
    """Return overdue claims to the pool and send deadline reminders."""
    from wishes.services import run_claim_deadlines

    run = run_claim_deadlines()
    click.echo(f"{run.expired} claim(s) expired, {run.reminded} reminder(s) queued")
