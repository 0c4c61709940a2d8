"""`flask votes ...`: thin wrappers over the voting services."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import AppGroup

from domain_errors import DomainError
from models import Campaign, db
from votes import live, tallies
from votes.results import import_points_sheet, vote_counts

votes_cli = AppGroup("votes", help="六大员 voting campaigns.")


def _campaign_ids(campaign_id: int | None) -> list[int]:
    if campaign_id is not None:
        return [campaign_id]
    return list(
        db.session.scalars(
            db.select(Campaign.id).where(Campaign.status != "draft").order_by(Campaign.id)
        )
    )


@votes_cli.command("rebuild-tallies")
@click.option(
    "--campaign", "campaign_id", type=int, default=None, help="One campaign (default: all)."
)
def rebuild_tallies(campaign_id: int | None) -> None:
    """Rebuild live tallies and today's vote uses in Redis from the database."""
    try:
        for cid in _campaign_ids(campaign_id):
            report = _rebuild(cid)
            click.echo(
                f"campaign {report.campaign_id}: {report.candidates} candidates, "
                f"{report.ballots} counted ballots, {report.voters_today} voters today"
            )
    except DomainError as exc:
        raise click.ClickException(f"{exc.reason}: {exc.message}") from exc


def _rebuild(campaign_id: int) -> live.RebuildReport:
    import time

    deadline = time.monotonic() + 30
    while True:
        try:
            return live.rebuild(campaign_id)
        except live.RebuildBusy:
            if time.monotonic() > deadline:
                raise click.ClickException(f"campaign {campaign_id}: rebuild lock held") from None
            time.sleep(0.1)


@votes_cli.command("verify-tallies")
@click.option("--campaign", "campaign_id", type=int, default=None)
def verify_tallies(campaign_id: int | None) -> None:
    """Compare Redis with the database (tallies, stale marks, config version); exit 1 and name
    the candidates on any difference."""
    bad = 0
    for cid in _campaign_ids(campaign_id):
        try:
            problems = tallies.verify(cid)
        except live.RedisDown:
            problems = ["Redis cannot be read"]
        for problem in problems:
            click.echo(f"campaign {cid}: {problem}")
        bad += len(problems)
        click.echo(f"campaign {cid}: {sum(vote_counts(cid).values())} ballots checked")
    if bad:
        raise SystemExit(1)


@votes_cli.command("import-points")
@click.argument("campaign_id", type=int)
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def import_points(campaign_id: int, file: Path) -> None:
    """Import an assessment sheet (工号, 积分) as the points half of a campaign's results."""
    campaign = db.session.get(Campaign, campaign_id)
    if campaign is None:
        raise click.ClickException("no such campaign")
    try:
        n = import_points_sheet(campaign, file.name, file.read_bytes())
        db.session.commit()
    except DomainError as exc:
        db.session.rollback()
        raise click.ClickException(f"{exc.reason}: {exc.message} {exc.errors or ''}") from exc
    click.echo(f"points set for {n} candidates")
