"""导出 for every console table: the rows the table's filters select (all pages, in the table's
order) as an .xlsx with the table's Chinese headers, named by the one download rule.

A table's view says its columns once (`Column`: header and how to read a row) and, when the
query asks for `?export=xlsx`, answers `export_table(...)` with the same select it pages. Text
is text, never a formula (`spreadsheets.write_only_cell`)."""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask import Response
from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter

from clock import local_time
from domain_errors import InvalidInput
from models import db
from spreadsheets import XLSX_MIME, write_only_cell
from web.downloads import FileName, attachment

# More rows than a clerk reads in Excel, fewer than a request should hold in memory; a wider
# export is refused with the advice to filter.
EXPORT_MAX_ROWS = 20_000
TOO_MANY = "导出的行数超过 {limit} 行，请先缩小筛选范围"
_HEAD_FONT = Font(bold=True)


class ExportTooLarge(InvalidInput):
    reason = "export_too_large"


_HEAD_FILL = PatternFill("solid", fgColor="F2F2F2")


@dataclass(frozen=True)
class Column:
    """One column of a table's export: its Chinese header, the cell of a row, its width."""

    header: str
    value: Callable[[Any], Any]
    width: int = 16


def when(value: datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    """An instant as the desk shows it (Beijing time)."""
    return local_time(value, fmt) if value else ""


Sheet = tuple[str, list[Column], Iterable[Any]]


def workbook(sheet: str, columns: list[Column], rows: Iterable[Any]) -> bytes:
    """One sheet: a header row (frozen) and a row per item."""
    return workbook_of([(sheet, columns, rows)])


def workbook_of(sheets: list[Sheet]) -> bytes:
    """Several such sheets in one workbook (a dashboard's tables)."""
    wb = Workbook(write_only=True)
    for sheet, columns, rows in sheets:
        ws = wb.create_sheet(sheet[:31] or "Sheet1")
        for index, column in enumerate(columns, start=1):
            ws.column_dimensions[get_column_letter(index)].width = column.width
        ws.freeze_panes = "A2"
        head = []
        for column in columns:
            cell = write_only_cell(ws, column.header)
            cell.font, cell.fill = _HEAD_FONT, _HEAD_FILL
            head.append(cell)
        ws.append(head)
        for row in rows:
            ws.append([write_only_cell(ws, column.value(row)) for column in columns])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def select_rows(stmt: Any, *, rows: bool = False) -> list[Any]:
    """Every row `stmt` selects, up to EXPORT_MAX_ROWS (more is a 422 asking to filter)."""
    limited = stmt.limit(EXPORT_MAX_ROWS + 1)
    found = list(db.session.execute(limited).all() if rows else db.session.scalars(limited))
    if len(found) > EXPORT_MAX_ROWS:
        raise ExportTooLarge(TOO_MANY.format(limit=EXPORT_MAX_ROWS))
    return found


def export_table(
    name: FileName, sheet: str, columns: list[Column], items: Iterable[Any]
) -> Response:
    """The download of a table's rows."""
    return attachment(workbook(sheet, columns, items), name, XLSX_MIME)
