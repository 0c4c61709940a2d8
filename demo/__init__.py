"""`flask demo`: a demo mine to click through every flow."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from demo.assessments import seed_assessments
from demo.hints import first_free_bind_body, hints
from demo.honours import seed_honours
from demo.meetings import seed_meetings
from demo.pairings import seed_pairing_duties, seed_pairings
from demo.people import seed_people
from demo.points import seed_points
from demo.votes import seed_votes
from demo.wishes import seed_wishes
from demo.zones import seed_zones
from models import db


@click.command("demo")
@click.option("--reset", is_flag=True, help="Empty every table first (never in production).")
@click.option("--hints", "only_hints", is_flag=True, help="Only print what to try next.")
@click.option(
    "--bind-body", is_flag=True, help="Only print a free roster entry's bind body (JSON)."
)
@with_appcontext
def demo_command(reset: bool, only_hints: bool, bind_body: bool) -> None:
    """Load the demo mine (branches, people, grants, and each module's demo data), then print
    hints that are true now: free roster entries to bind, an unpaired employee to pair."""
    from flask import current_app

    if bind_body:
        click.echo(first_free_bind_body())
        return
    if only_hints:
        click.echo(hints())
        return

    if current_app.config["PRODUCTION"]:
        raise click.ClickException("refusing to load demo data in production")
    if reset:
        for table in reversed(db.metadata.sorted_tables):
            db.session.execute(table.delete())
        db.session.commit()
    summary = seed_people()
    summary += "\n" + seed_pairings()
    summary += "\n" + seed_pairing_duties()
    summary += "\n" + seed_wishes()
    summary += "\n" + seed_votes()
    summary += "\n" + seed_points()
    summary += "\n" + seed_zones()
    summary += "\n" + seed_assessments()
    summary += "\n" + seed_meetings()
    summary += "\n" + seed_honours()
    db.session.commit()
    click.echo(summary)
    click.echo(hints())
