"""Excel ledgers (台账): the one rule every export follows — user text is text, never a formula."""

from __future__ import annotations

from openpyxl.cell import Cell

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# What Excel (or a CSV re-import) would read as the start of a formula.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def mark_text(cell: Cell) -> Cell:
    """Make a string cell text, whatever it starts with; returns the cell."""
    if isinstance(cell.value, str):
        cell.data_type = "s"  # openpyxl would otherwise store "=..." as a formula
        if cell.value.startswith(FORMULA_PREFIXES):
            cell.quotePrefix = True  # and Excel keeps it text when the cell is edited
    return cell
