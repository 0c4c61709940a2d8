"""Excel ledgers (台账): the rules every export follows — user text is text, never a formula,
and no cell can break the workbook.

`cell_text` is the last line of defence: whatever a row holds (an older version's data, a
header a client sent, another tool's write), characters XML 1.0 cannot carry (C0 controls but
tab/CR/LF, lone surrogates, U+FFFE/U+FFFF) become U+FFFD, and text is cut to Excel's cell
limit, so one bad row can never make a ledger unexportable again.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import Cell, WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.worksheet.worksheet import Worksheet

from clock import local_time

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# What Excel (or a CSV re-import) would read as the start of a formula.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
MAX_CELL_CHARS = 32_767
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def cell_text(value: Any) -> Any:
    """A value fit for a cell: strings cleaned and cut to Excel's limit, others unchanged."""
    if isinstance(value, str):
        return _NOT_XML.sub("\ufffd", value)[:MAX_CELL_CHARS]
    return value


def mark_text(cell: Cell) -> Cell:
    """Make a string cell text, whatever it starts with; returns the cell."""
    if isinstance(cell.value, str):
        cell.data_type = "s"  # openpyxl would otherwise store "=..." as a formula
        if cell.value.startswith(FORMULA_PREFIXES):
            cell.quotePrefix = True  # and Excel keeps it text when the cell is edited
    return cell


def write_only_cell(ws: Any, value: Any) -> WriteOnlyCell:
    """A cell for a write-only sheet: cleaned, and text kept as text."""
    return mark_text(WriteOnlyCell(ws, value=cell_text(value)))


def append_row(ws: Worksheet, values: Iterable[Any]) -> None:
    """Append a row to a sheet: instants in China time, strings cleaned and kept text."""
    ws.append([local_time(v) if isinstance(v, datetime) else cell_text(v) for v in values])
    for cell in ws[ws._current_row]:
        mark_text(cell)


def header(ws: Worksheet, title: str, columns: list[tuple[str, int]]) -> None:
    """Name a sheet and write its bold header row of (heading, column width), frozen."""
    ws.title = title
    append_row(ws, [c for c, _ in columns])
    for i, (_, width) in enumerate(columns, start=1):
        ws.cell(1, i).font = Font(bold=True)
        ws.column_dimensions[ws.cell(1, i).column_letter].width = width
    ws.freeze_panes = "A2"


def workbook_bytes(wb: Workbook) -> bytes:
    """The workbook as the bytes of an .xlsx file."""
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
