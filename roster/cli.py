"""`flask roster import | template | leave`: thin wrappers over the roster services, in Chinese."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click
from flask.cli import AppGroup

from accounts.login import person_by_employee_no
from domain_errors import DomainError
from models import db
from roster import columns
from roster.importer import RosterReport, import_roster, mine_for_cli, preview_roster
from roster.leavers import leave
from roster.template import template_workbook

roster_cli = AppGroup("roster", help="花名册：导入、预览、模板、离职。")

SHOWN = 20  # lines per section unless --all


def _label(key: str) -> str:
    col = columns.BY_KEY.get(key)
    return col.label if col else {"left": "离职状态", "file": "文件", "mine": "矿"}.get(key, key)


def _value(key: str, value: Any) -> str:
    if key == "political_status":
        return columns.STATUS_LABELS.get(value, value)
    if key == "is_cadre":
        return "是" if value else "否"
    if key == "left":
        return "离职" if value else "在职"
    return str(value) if value not in (None, "") else "（空）"


def error_lines(error: DomainError) -> list[str]:
    """A refusal as the lines an HR clerk reads."""
    lines = [f"失败：{error.message}"]
    errors = error.errors or {}
    if errors.get("sheet") or errors.get("header_row"):
        lines.append(_where(errors.get("sheet"), errors.get("header_row")))
    for key in ("header", "file", "mine"):
        lines += [f"  {m}" for m in errors.get(key, [])]
    for row in errors.get("rows", []):
        for key, msgs in row["errors"].items():
            lines.append(f"  第 {row['row']} 行 {_label(key)}：{'；'.join(msgs)}")
    for w in errors.get("warnings", []):
        lines.append(f"  提示：{_row(w['row'])}{w['message']}")
    for key, msgs in errors.items():
        if key not in ("header", "file", "mine", "rows", "warnings", "missing", "sheet"):
            if key != "header_row" and isinstance(msgs, list):
                lines.append(f"  {_label(key)}：{'；'.join(str(m) for m in msgs)}")
    return lines


def _fail(error: DomainError) -> None:
    db.session.rollback()
    raise click.ClickException("\n".join(error_lines(error)))


def _where(sheet: str | None, header_row: int | None) -> str:
    place = f"工作表「{sheet}」" if sheet else "文件"
    return f"读取：{place}，表头在第 {header_row} 行" if header_row else f"读取：{place}"


def _row(row: int | None) -> str:
    return f"第 {row} 行 " if row else ""


def _section(title: str, items: list[str], show_all: bool) -> list[str]:
    if not items:
        return []
    shown = items if show_all else items[:SHOWN]
    lines = [f"{title}（{len(items)}）："] + [f"  {i}" for i in shown]
    if len(items) > len(shown):
        lines.append(f"  …… 另有 {len(items) - len(shown)} 条（加 --all 全部显示）")
    return lines


def report_lines(report: RosterReport, show_all: bool = False) -> list[str]:
    """An import or preview answer as Chinese lines."""
    cols = "、".join(f"{_label(k)}←{v}" if _label(k) != v else v for k, v in report.columns.items())
    lines = [_where(report.sheet, report.header_row) + f"（列：{cols}）"]
    if report.ignored_columns:
        lines.append(f"未使用的列：{'、'.join(report.ignored_columns)}")
    head = "预览（未写入任何数据）" if report.dry_run else "已导入"
    left = f"，标记离职 {report.left} 人" if report.left else ""
    lines.append(
        f"{head}：共 {report.rows} 人，新增 {report.created}，更新 {report.updated}，"
        f"未变 {report.unchanged}{left}；新建党支部 {report.branches_created} 个、"
        f"单位 {report.units_created} 个"
        + (f"、班组 {report.groups_created} 个" if report.groups_created else "")
    )
    lines += _section(
        "新增",
        [
            f"第 {n['row']} 行 {n['employee_no']} {n['name']}（{n['unit']}，{n['branch']}，"
            f"{_value('political_status', n['political_status'])}）"
            for n in report.new
        ],
        show_all,
    )
    lines += _section(
        "更新",
        [
            f"第 {c['row']} 行 {c['employee_no']} {c['name']}："
            + "；".join(
                f"{_label(k)} {_value(k, v['from'])} → {_value(k, v['to'])}"
                for k, v in c["fields"].items()
            )
            for c in report.changes
        ],
        show_all,
    )
    lines += _section(
        "调动",
        [
            f"{t['employee_no']} {t['name']}：{t['unit']['from']}（{t['branch']['from']}）→ "
            f"{t['unit']['to']}（{t['branch']['to']}）"
            + (
                f"，班组 {_value('group', t['group']['from'])} → "
                f"{_value('group', t['group']['to'])}"
                if t["group"]["from"] != t["group"]["to"]
                else ""
            )
            for t in report.transfers
        ],
        show_all,
    )
    lines += _section(
        "班组与单位类别",
        [
            f"{k['unit']}：单位类别 {columns.UNIT_KIND_LABELS.get(k['from'], '（新单位）')} → "
            f"{columns.UNIT_KIND_LABELS[k['to']]}"
            for k in report.unit_kinds
        ]
        + [f"{g['unit']}：新建班组「{g['group']}」" for g in report.new_groups],
        show_all,
    )
    lines += _section(
        "班组长、区队长",
        [
            f"{_row(d['row'])}{d['employee_no']} {d['name']}："
            + ("任命" if d["change"] == "granted" else "解除")
            + f"「{d['unit']}」{columns.ROLE_LABELS[d['duty']]}"
            + ("（离职）" if d["row"] is None else "")
            for d in report.leaders
        ],
        show_all,
    )
    lines += _section(
        "调动后跨支部的结对（待两个支部书记确认或解除）",
        [
            f"党员 {r['member']['name']}（{r['member']['branch']}）— "
            f"职工 {r['employee']['name']}（{r['employee']['branch']}）"
            for r in report.pairing_reviews
        ],
        show_all,
    )
    verb = (
        "标记为离职"
        if report.mark_missing_as_left
        else "不在表中（未处理；加 --mark-missing-as-left 标记为离职）"
    )
    lines += _section(
        f"花名册中有、文件中没有的人员，{verb}",
        [
            f"{m['employee_no']} {m['name']}（{m['unit']}）"
            + ("，已绑定微信" if m["bound"] else "")
            + (f"，结对 {m['pairings']} 个" if m["pairings"] else "")
            + (f"，认领中的心愿 {m['claims']} 个" if m["claims"] else "")
            for m in report.missing
        ],
        show_all,
    )
    lines += _section(
        "错误行（整份不会导入）",
        [
            f"第 {e['row']} 行 {_label(k)}：{'；'.join(msgs)}"
            for e in report.errors
            for k, msgs in e["errors"].items()
        ],
        True,
    )
    lines += _section(
        "提示", [f"{_row(w['row'])}{w['message']}" for w in report.warnings], show_all
    )
    return lines


@roster_cli.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--mine", default=None, help="矿名（没有则新建；只有一个矿时可省略）。")
@click.option("--dry-run", is_flag=True, help="只预览将发生的变化，不写入任何数据。")
@click.option(
    "--mark-missing-as-left",
    is_flag=True,
    help="把花名册中有、文件中没有的人员标记为离职（仅用于全矿完整花名册；请先 --dry-run 预览）。",
)
@click.option("--all", "show_all", is_flag=True, help="列出全部明细（默认每类最多 20 条）。")
def roster_import(
    file: Path, mine: str | None, dry_run: bool, mark_missing_as_left: bool, show_all: bool
) -> None:
    """导入花名册 .xlsx 或 .csv：整份导入或整份不导入。"""
    try:
        target = mine_for_cli(mine)
        if dry_run:
            report = preview_roster(
                target, file.name, file.read_bytes(), mark_missing_as_left=mark_missing_as_left
            )
            db.session.rollback()
        else:
            report = import_roster(
                target, file.name, file.read_bytes(), mark_missing_as_left=mark_missing_as_left
            )
            db.session.commit()
    except DomainError as exc:
        _fail(exc)
    click.echo(f"{target.name}")
    click.echo("\n".join(report_lines(report, show_all)))
    if report.errors:
        raise SystemExit(1)


@roster_cli.command("template")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
def roster_template(file: Path) -> None:
    """写出花名册模板（表头、下拉选项和填表说明）。"""
    file.write_bytes(template_workbook())
    click.echo(f"模板已写入 {file}")


@roster_cli.command("leave")
@click.argument("employee_no")
@click.option("--mine", default=None, help="矿名（只有一个矿时可省略）。")
def roster_leave(employee_no: str, mine: str | None) -> None:
    """把一名人员标记为离职（立即不能登录，结对解除，认领的心愿退回待认领）。"""
    try:
        mine_id = mine_for_cli(mine).id if mine else None
        person = person_by_employee_no(employee_no, mine_id)
        outcome = leave(person)
        db.session.commit()
    except DomainError as exc:
        _fail(exc)
    click.echo(
        f"{person.name}（{person.employee_no}）已标记为离职："
        f"登录凭证作废 {outcome.tokens_revoked} 个，"
        f"结对解除 {outcome.pairings_ended} 个，认领的心愿退回 {outcome.claims_returned} 个，"
        f"未认领的心愿关闭 {outcome.wishes_closed} 个，权限收回 {outcome.grants_removed} 项，"
        f"候选资格撤销 {outcome.candidacies_withdrawn} 个"
    )
