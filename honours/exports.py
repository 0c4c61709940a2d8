"""The honour roll as a workbook (Chinese headers; user text stays text)."""

from __future__ import annotations

import io
from datetime import date, datetime
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Font

from clock import local
from models import Honour, db
from spreadsheets import cell_text, mark_text

COLUMNS = [
    ("年度", 8),
    ("荣誉", 30),
    ("类别", 16),
    ("姓名/区队", 14),
    ("工号", 12),
    ("单位", 20),
    ("授予日期", 12),
    ("事迹", 60),
    ("状态", 8),
    ("撤销时间", 18),
    ("撤销理由", 30),
]


def _value(value: Any) -> Any:
    if isinstance(value, datetime):
        return local(value).strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    return cell_text(value)


def roll_workbook(stmt: Any) -> bytes:
    """Every honour of the select (the committee's roll, revoked ones marked)."""
    from models.votes import CATEGORY_NAMES

    wb = Workbook()
    ws = wb.active
    ws.title = "荣誉榜"
    ws.append([c for c, _ in COLUMNS])
    for i, (_, width) in enumerate(COLUMNS, start=1):
        ws.cell(1, i).font = Font(bold=True)
        ws.column_dimensions[ws.cell(1, i).column_letter].width = width
    ws.freeze_panes = "A2"
    for h in db.session.scalars(stmt):
        h: Honour
        person = h.person
        row = [
            h.year,
            h.title,
            CATEGORY_NAMES.get(h.category or "", h.team_award_name),
            person.name if person else (h.unit.name if h.unit else ""),
            person.employee_no if person else "",
            h.unit.name if h.unit else "",
            h.awarded_on,
            h.citation,
            "已撤销" if h.revoked_at else "有效",
            h.revoked_at,
            h.revoke_reason,
        ]
        ws.append([_value(v) for v in row])
        for cell in ws[ws._current_row]:
            mark_text(cell)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
