"""Excel ledgers (台账) of the zones domain: the danger ledger of what the caller manages and the
三违 register (the committee). User text stays text (spreadsheets.mark_text)."""

from __future__ import annotations

import io
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Font

from accounts.principal import Principal
from clock import local
from models import db
from spreadsheets import cell_text, mark_text
from zones import dangers, queries, services

LEVELS = {"general": "一般", "serious": "较大", "major": "重大"}
STATUSES = {"reported": "待指派", "assigned": "整改中", "fixed": "待验收", "verified": "已验收"}
KINDS = {"command": "违章指挥", "operation": "违章作业", "discipline": "违反劳动纪律"}


def _value(value: Any) -> Any:
    if isinstance(value, datetime):
        return local(value).strftime("%Y-%m-%d %H:%M")
    return cell_text(value)


def _sheet(wb: Workbook, title: str, columns: list[tuple[str, int]]):
    ws = wb.active
    ws.title = title
    _append(ws, [c for c, _ in columns])
    for i, (_, width) in enumerate(columns, start=1):
        ws.cell(1, i).font = Font(bold=True)
        ws.column_dimensions[ws.cell(1, i).column_letter].width = width
    ws.freeze_panes = "A2"
    return ws


def _append(ws, values: Iterable[Any]) -> None:
    ws.append([_value(v) for v in values])
    for cell in ws[ws._current_row]:
        mark_text(cell)


def _bytes(wb: Workbook) -> bytes:
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def danger_ledger(p: Principal) -> bytes:
    """Every danger the caller manages; an anonymous reporter is named to the committee only."""
    wb = Workbook()
    ws = _sheet(
        wb,
        "隐患台账",
        [
            ("编号", 8),
            ("区队", 14),
            ("责任区/地点", 22),
            ("隐患描述", 40),
            ("等级", 8),
            ("状态", 10),
            ("是否超期", 10),
            ("报告人", 10),
            ("整改人", 10),
            ("整改期限", 18),
            ("整改说明", 30),
            ("验收时间", 18),
            ("报告时间", 18),
        ],
    )
    for d in db.session.scalars(queries.managed_dangers(p)):
        reporter = d.reporter.name if dangers.sees_reporter(p, d) else "（匿名）"
        _append(
            ws,
            [
                d.id,
                d.unit.name,
                d.zone.name if d.zone else d.place,
                d.description,
                LEVELS[d.level],
                STATUSES[d.status],
                "是" if dangers.is_overdue(d) or d.overdue_at else "否",
                reporter,
                d.fixer.name if d.fixer else "",
                d.deadline,
                d.fix_note,
                d.verified_at,
                d.created_at,
            ],
        )
    return _bytes(wb)


def violation_register(p: Principal) -> bytes:
    """The 三违 records the caller may see (the committee: the whole mine)."""
    wb = Workbook()
    ws = _sheet(
        wb,
        "三违登记",
        [
            ("编号", 8),
            ("时间", 18),
            ("区队", 14),
            ("违章人员", 12),
            ("类别", 14),
            ("违反的规定", 30),
            ("处理措施", 40),
            ("记录人", 10),
        ],
    )
    for v in db.session.scalars(services.violations_visible(p)):
        _append(
            ws,
            [
                v.id,
                v.occurred_at,
                v.unit.name,
                v.offender_name,
                KINDS[v.kind],
                v.rule,
                v.action_taken,
                v.recorded_by.name,
            ],
        )
    return _bytes(wb)
