"""`flask honours mirror-leaders`: put on the roll the 优秀班组长 approved before the roll
mirrored approvals (later approvals are mirrored as they happen)."""

from __future__ import annotations

import click
from flask.cli import AppGroup

honours_cli = AppGroup("honours", help="荣誉榜。")


@honours_cli.command("mirror-leaders")
def mirror_leaders_command() -> None:
    """Mirror every approved 优秀班组长 of every mine that is not on the roll yet (once each)."""
    from honours.services import mirror_approved_leaders
    from models import Mine, db
    from models.unit_of_work import committed

    def run() -> int:
        mines = db.session.scalars(db.select(Mine.id).order_by(Mine.id)).all()
        return sum(len(mirror_approved_leaders(mine_id)) for mine_id in mines)

    made = committed(run)
    click.echo(f"{made} 条优秀班组长荣誉已上榜")
