"""`flask grant`, `flask unbind`: thin wrappers over the services."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from accounts import grants
from accounts.login import person_by_employee_no, unbind
from domain_errors import DomainError
from models import db

ROLE_LABELS = {"secretary": "党支部书记", "committee": "党委"}


def _fail(error: DomainError) -> None:
    db.session.rollback()
    lines = [f"失败：{error.message}（{error.reason}）"]
    for key, msgs in (error.errors or {}).items():
        if isinstance(msgs, list):
            lines.append(f"  {key}：{'；'.join(str(m) for m in msgs)}")
    raise click.ClickException("\n".join(lines))


@click.command("grant")
@click.argument("employee_no")
@click.argument("role", type=click.Choice(["secretary", "committee"]))
@click.option("--branch", default=None, help="书记所管理的党支部。")
@click.option("--revoke", is_flag=True, help="收回该权限。")
@with_appcontext
def grant_command(employee_no: str, role: str, branch: str | None, revoke: bool) -> None:
    """授予（或 --revoke 收回）党支部书记或党委权限。"""
    label = ROLE_LABELS[role]
    try:
        person = person_by_employee_no(employee_no)
        if revoke:
            n = grants.revoke(person, role, branch)
            message = f"已收回 {person.name} 的{label}权限 {n} 项"
        else:
            grants.grant(person, role, branch)
            where = f"「{branch}」" if branch else ""
            message = f"{person.name}（{person.employee_no}）现为{where}{label}"
        db.session.commit()
    except DomainError as exc:
        _fail(exc)
    click.echo(message)


@click.command("unbind")
@click.argument("employee_no")
@with_appcontext
def unbind_command(employee_no: str) -> None:
    """解除工号与微信账号的绑定（以便换绑）。"""
    try:
        person = person_by_employee_no(employee_no)
        done = unbind(person, actor="cli")
        db.session.commit()
    except DomainError as exc:
        _fail(exc)
    click.echo("已解除绑定" if done else "该工号未绑定微信账号")
