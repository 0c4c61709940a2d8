"""`flask votes ...`: thin wrappers over the voting services."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import AppGroup

from domain_errors import DomainError
from models import Campaign, db
from votes import live, reconcile
from votes.points_sheets import require_points_open
from votes.results import import_points_sheet

votes_cli = AppGroup("votes", help="六大员 voting campaigns.")


def _campaign_ids(campaign_id: int | None) -> list[int]:
    if campaign_id is not None:
        return [campaign_id]
    return list(
        db.session.scalars(
            db.select(Campaign.id)
            .where(Campaign.status.not_in(("draft", "nominating")))
            .order_by(Campaign.id)
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
@click.option(
    "--repair", is_flag=True, help="Rebuild (fenced) each campaign that differs, and count it."
)
@click.option(
    "--settle",
    type=float,
    default=reconcile.SETTLE_SECONDS,
    show_default=True,
    help="Seconds to let votes in flight commit before an excess in Redis counts.",
)
def verify_tallies(campaign_id: int | None, repair: bool, settle: float) -> None:
    """Compare Redis with the database (stale mark, built, config version, every candidate's
    count, today's uses): the reconciler's comparison. Exit 1 and name the candidates on any
    difference (with --repair: on any difference that could not be repaired)."""
    bad = 0
    for cid in _campaign_ids(campaign_id):
        try:
            found = reconcile.compare(cid, settle)
        except live.RedisDown:
            click.echo(f"campaign {cid}: Redis cannot be read")
            bad += 1
            continue
        for problem in found.problems:
            click.echo(f"campaign {cid}: {problem}")
        if found.missing:
            bad += 1
            continue
        click.echo(f"campaign {cid}: {found.ballots} ballots checked")
        if found.problems and repair:
            try:
                live.rebuild(cid)
                reconcile.record_repair(cid, "; ".join(found.problems))
                click.echo(f"campaign {cid}: repaired (rebuilt from the database)")
                continue
            except (live.RedisDown, live.RebuildBusy) as exc:
                click.echo(f"campaign {cid}: not repaired ({type(exc).__name__})")
        bad += len(found.problems)
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
        require_points_open(campaign)
        n = import_points_sheet(campaign, file.name, file.read_bytes())
        db.session.commit()
    except DomainError as exc:
        db.session.rollback()
        raise click.ClickException(f"{exc.reason}: {exc.message} {exc.errors or ''}") from exc
    click.echo(f"points set for {n} candidates")
