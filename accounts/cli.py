"""`flask roster import`, `flask grant`, `flask unbind`: thin wrappers over the services."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import AppGroup, with_appcontext

from accounts import grants
from accounts.login import person_by_employee_no, unbind
from accounts.roster import import_roster, mine_for_cli
from domain_errors import DomainError
from models import db

roster_cli = AppGroup("roster", help="The roster (花名册).")


def _fail(error: DomainError) -> None:
    db.session.rollback()
    lines = [f"{error.reason}: {error.message}"]
    errors = error.errors or {}
    for row in errors.get("rows", []):
        for field, msgs in row["errors"].items():
            lines.append(f"  第 {row['row']} 行 {field}: {'；'.join(msgs)}")
    for key, msgs in errors.items():
        if key != "rows":
            lines.append(f"  {key}: {msgs}")
    raise click.ClickException("\n".join(lines))


@roster_cli.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--mine", default=None, help="Mine name (created if new; default: the only mine).")
def roster_import(file: Path, mine: str | None) -> None:
    """Import a roster .xlsx or .csv: all rows or none."""
    try:
        target = mine_for_cli(mine)
        result = import_roster(target, file.name, file.read_bytes())
        db.session.commit()
    except DomainError as exc:
        _fail(exc)
    click.echo(
        f"{target.name}: {result.rows} rows, {result.created} created, {result.updated} updated, "
        f"{result.unchanged} unchanged; {result.branches_created} branches and "
        f"{result.units_created} units created"
    )


@click.command("grant")
@click.argument("employee_no")
@click.argument("role", type=click.Choice(["secretary", "committee"]))
@click.option("--branch", default=None, help="The branch a secretary manages.")
@click.option("--revoke", is_flag=True, help="Take the role away instead.")
@with_appcontext
def grant_command(employee_no: str, role: str, branch: str | None, revoke: bool) -> None:
    """Grant (or --revoke) the secretary or committee role."""
    try:
        person = person_by_employee_no(employee_no)
        if revoke:
            n = grants.revoke(person, role, branch)
            click.echo(f"revoked {n} grant(s) of {role} from {person.name}")
        else:
            grants.grant(person, role, branch)
            click.echo(
                f"{person.name} ({employee_no}) is now {role}" + (f" of {branch}" if branch else "")
            )
        db.session.commit()
    except DomainError as exc:
        _fail(exc)


@click.command("unbind")
@click.argument("employee_no")
@with_appcontext
def unbind_command(employee_no: str) -> None:
    """Free a roster entry from its WeChat account (so another may bind)."""
    try:
        person = person_by_employee_no(employee_no)
        done = unbind(person, actor="cli")
        db.session.commit()
    except DomainError as exc:
        _fail(exc)
    click.echo("unbound" if done else "was not bound")
