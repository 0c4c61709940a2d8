"""Finding the roster in what HR hands over: any sheet, the header row below any title rows.

An .xlsx is searched sheet by sheet (the active sheet first) for a row, among the first rows,
that holds every required column under one of its accepted names; a CSV (UTF-8, GBK, UTF-16;
comma, tab or semicolon) is searched the same way. The answer names the sheet and the row.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

import workbooks
from roster.columns import BY_KEY, NAME_KEYS, REQUIRED, header_key, spellings
from roster.errors import RosterInvalid

HEADER_SCAN_ROWS = 50  # a header further down than this is not looked for
MAX_ROWS = 200_000
BLANK_RUN_END = 1000  # this many empty rows in a row end the sheet (formatted blank rows)
OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


@dataclass
class RosterTable:
    """The roster part of a file: where it was found and its rows, cells keyed by column."""

    sheet: str | None  # None for a CSV
    header_row: int
    columns: dict[str, str]  # column key → the header as written in the file
    ignored: list[str]  # header cells that are not roster columns
    rows: list[tuple[int, dict[str, Any]]]  # (row number in the sheet, key → raw cell)
    notes: list[str] = field(default_factory=list)


@dataclass
class _Candidate:
    found: int
    sheet: str | None
    row: int | None
    columns: dict[str, int]


def _match_header(cells: tuple[Any, ...]) -> dict[str, int]:
    """Column key → cell index for the roster columns in a row (best spelling, leftmost)."""
    best: dict[str, tuple[int, int]] = {}
    for i, value in enumerate(cells):
        if not isinstance(value, str) or not value.strip():
            continue
        k = header_key(value)
        for key, names in NAME_KEYS.items():
            rank = names.get(k)
            if rank is not None and (key not in best or rank < best[key][0]):
                best[key] = (rank, i)
    return {key: i for key, (_, i) in best.items()}


def _blank(cells: Iterable[Any]) -> bool:
    return all(c is None or (isinstance(c, str) and not c.strip()) for c in cells)


def _scan(
    sheet: str | None, rows: Iterator[tuple[int, tuple[Any, ...]]], best: _Candidate
) -> tuple[int, dict[str, int], tuple[Any, ...]] | None:
    """(row number, column indexes, header cells) of the sheet's header, if it has one."""
    for number, cells in rows:
        if number > HEADER_SCAN_ROWS:
            return None
        if _blank(cells):
            continue
        found = _match_header(cells)
        n = sum(k in found for k in REQUIRED)
        if n == len(REQUIRED):
            return number, found, cells
        if n > best.found:
            best.found, best.sheet, best.row, best.columns = n, sheet, number, found
    return None


def _table(
    sheet: str | None,
    header: tuple[int, dict[str, int], tuple[Any, ...]],
    rows: Iterator[tuple[int, tuple[Any, ...]]],
) -> RosterTable:
    number, index, cells = header
    used = set(index.values())
    # Other columns that could be the unit (单位 beside 部门): kept in case 单位 is the mine.
    spare = [
        i
        for i, c in enumerate(cells)
        if i not in used and isinstance(c, str) and header_key(c) in NAME_KEYS["unit"]
    ]
    out: list[tuple[int, dict[str, Any]]] = []
    spare_cells: list[tuple[Any, ...]] = []
    blank_run, last = 0, number
    for n, row in rows:
        # Rows the file does not list are blank too (never materialised: counted by the gap).
        blank_run += n - last - 1
        last = n
        if blank_run >= BLANK_RUN_END:
            break
        if _blank(row):
            blank_run += 1
            if blank_run >= BLANK_RUN_END:
                break
            continue
        blank_run = 0
        if len(out) >= MAX_ROWS:
            raise RosterInvalid(errors={"file": [f"一次最多导入 {MAX_ROWS} 行，请分批导入"]})
        out.append((n, {key: (row[i] if i < len(row) else None) for key, i in index.items()}))
        if spare:
            spare_cells.append(tuple(row[i] if i < len(row) else None for i in spare))
    notes = []
    if spare and len(_distinct(v["unit"] for _, v in out)) <= 1:
        for j, i in enumerate(spare):
            if len(_distinct(s[j] for s in spare_cells)) > 1:
                whole = next(iter(_distinct(v["unit"] for _, v in out)), "")
                notes.append(
                    f"「{cells[index['unit']]}」列所有人都是「{whole}」，"
                    f"已改用「{cells[i]}」列作为单位"
                )
                for (_, values), s in zip(out, spare_cells, strict=True):
                    values["unit"] = s[j]
                index = index | {"unit": i}
                break
    used = set(index.values())
    ignored = [
        str(c).strip()
        for i, c in enumerate(cells)
        if i not in used and c is not None and str(c).strip()
    ]
    columns = {key: str(cells[i]).strip() for key, i in index.items()}
    return RosterTable(sheet, number, columns, ignored, out, notes)


def _distinct(values: Iterable[Any]) -> set[str]:
    return {str(v).strip() for v in values if v is not None and str(v).strip()}


def _missing_header(best: _Candidate, first_sheet: str | None) -> RosterInvalid:
    missing = [k for k in REQUIRED if k not in best.columns]
    where = (
        (f"工作表「{best.sheet}」" if best.sheet else "文件") + f"第 {best.row} 行"
        if best.row
        else (f"工作表「{first_sheet}」" if first_sheet else "文件")
    )
    lines = [
        f"{where}的表头缺少必填列：{'、'.join(BY_KEY[k].label for k in missing)}。",
        *(f"「{BY_KEY[k].label}」列可写作：{spellings(k)}" for k in missing),
    ]
    if not best.row:
        lines[0] = (
            f"没有找到表头：前 {HEADER_SCAN_ROWS} 行中没有同时包含"
            f"{'、'.join(BY_KEY[k].label for k in REQUIRED)}的一行。"
        )
    return RosterInvalid(
        "花名册缺少必填列，未导入任何数据",
        errors={
            "header": lines,
            "missing": missing,
            "sheet": best.sheet if best.row else first_sheet,
            "header_row": best.row,
        },
    )


# -- .xlsx ---------------------------------------------------------------------------------


# A sheet may list this many rows holding a value (footers, repeated headers and title rows
# beside the MAX_ROWS people), however many formatted blank rows it also lists.
WORKBOOK_LIMITS = workbooks.Limits(max_rows=MAX_ROWS + 10_000)


def _damaged() -> RosterInvalid:
    return RosterInvalid(
        errors={
            "file": [
                "文件已损坏或不是 Excel 工作簿，无法读取；请在 Excel 中打开后另存为 .xlsx 再导入"
            ]
        }
    )


def _read_xlsx(data: bytes) -> RosterTable:
    """Through the one bounded workbook reader: a workbook over its limits is refused with the
    reader's own reason (workbook_too_large, too_many_rows, cell_too_long…) before it is parsed;
    a damaged one with the roster's message."""
    try:
        with workbooks.open_workbook(data, WORKBOOK_LIMITS) as wb:
            return _find_in_workbook(wb)
    except workbooks.WorkbookDamaged as exc:
        raise _damaged() from exc


def _find_in_workbook(wb: workbooks.Workbook) -> RosterTable:
    active = wb.active
    order = [active] + [s for s in wb.sheets if s is not active and s.state == "visible"]
    order += [s for s in wb.sheets if s not in order]
    best = _Candidate(0, None, None, {})
    chosen: RosterTable | None = None
    others: list[str] = []
    for sheet in order:
        rows = wb.rows(sheet)
        header = _scan(sheet.title, rows, best)
        if header is None:
            continue
        if chosen is None:
            chosen = _table(sheet.title, header, rows)
        else:
            others.append(sheet.title)
    if chosen is None:
        raise _missing_header(best, active.title)
    if others:
        chosen.notes.append(
            f"只读取了工作表「{chosen.sheet}」；工作表「{'」「'.join(others)}」也像花名册，"
            "未读取（如需导入请合并到一个工作表）"
        )
    return chosen


# -- .csv ----------------------------------------------------------------------------------


def _decode(data: bytes) -> str:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise RosterInvalid(errors={"file": ["无法识别文件编码，请另存为 UTF-8 或 GBK 编码的 CSV"]})


def _read_csv(data: bytes) -> RosterTable:
    try:
        return _find_in_csv(_decode(data))
    except csv.Error as exc:  # e.g. a field longer than the csv module's limit
        raise RosterInvalid(
            errors={"file": ["CSV 文件格式有误，无法读取；请在 Excel 中另存为 CSV 后再导入"]}
        ) from exc


def _find_in_csv(text: str) -> RosterTable:
    if "\x00" in text:
        raise RosterInvalid(errors={"file": ["无法识别的文件：请上传 .xlsx 或 .csv 格式的花名册"]})
    sample = "\n".join(text.splitlines()[:HEADER_SCAN_ROWS])
    try:
        dialect: Any = csv.Sniffer().sniff(sample, delimiters=",\t;")
    except csv.Error:
        dialect = csv.excel
    rows = (
        (n, tuple(r))
        for n, r in enumerate(csv.reader(io.StringIO(text, newline=""), dialect), start=1)
    )
    best = _Candidate(0, None, None, {})
    header = _scan(None, rows, best)
    if header is None:
        raise _missing_header(best, None)
    return _table(None, header, rows)


def read_roster(filename: str, data: bytes) -> RosterTable:
    """The roster in an .xlsx or .csv file (recognised by content, not by name)."""
    name = filename.lower()
    if not data.strip():
        raise RosterInvalid(errors={"file": ["文件为空"]})
    if data.startswith(b"PK\x03\x04"):
        return _read_xlsx(data)
    if data.startswith(OLE2):
        raise RosterInvalid(
            errors={
                "file": [
                    "这是旧版 Excel（.xls）或设了密码的工作簿，无法读取；"
                    "请在 Excel 中另存为 .xlsx（不设密码）后再导入"
                ]
            }
        )
    if name.endswith((".xlsx", ".xlsm", ".xls", ".et")):
        if data.lstrip()[:1] == b"<":
            msg = "这个文件实际是网页（HTML/XML）格式的导出，不是 Excel 工作簿；"
        else:
            msg = "文件已损坏：扩展名是 Excel，但内容不是 Excel 工作簿；"
        raise RosterInvalid(errors={"file": [msg + "请在 Excel 中打开后另存为 .xlsx 再导入"]})
    return _read_csv(data)
