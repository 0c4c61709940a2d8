"""The one reader of every .xlsx workbook we accept (the roster, points sheets, templates to come).

An .xlsx is a zip of XML parts, and a small file can stand for gigabytes: a 1,000 KiB upload whose
shared-strings part holds one 1,000 MiB string, or a 4.7 KB sheet whose two rows lie 12,000,000
apart (openpyxl's `iter_rows` fills the gap with 12,000,000 empty rows). So, before openpyxl
parses anything, `open_workbook`:

1. checks the zip's directory: the number of members and each member's *declared* uncompressed
   size, per member and in total;
2. reads every member through a capped stream, counting the *actual* uncompressed bytes (a
   header that lies gains nothing: reading stops at the cap), and feeds the XML parts of `xl/`
   to a pull parser that checks, as the bytes come, the spreadsheet structure: rows with data
   per sheet, cells per row, the column of every value, the length of every value and shared
   string (rich-text runs summed), the number of shared strings and of values in the workbook.

Only then does openpyxl (read-only) open the workbook, and `Workbook.rows` walks a sheet's rows
as the file lists them — lazily, one row at a time, never materialising the gaps: a row number
jump of 12,000,000 costs nothing. Each row is `(row number, values)` with the values up to the
last column holding one.

Every refusal is a `WorkbookRefused` (422) with a stable reason and a Chinese message, also
given as `errors={"file": [message]}` so the console shows it where it shows a bad file.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO, Any
from xml.etree.ElementTree import ParseError, XMLPullParser

from domain_errors import InvalidInput

MiB = 1024 * 1024
EXCEL_MAX_ROW = 1_048_576
EXCEL_MAX_COLUMN = 16_384
CHUNK = 64 * 1024

_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_ROW, _CELL, _VALUE, _TEXT, _SI, _IS = (
    _NS + "row",
    _NS + "c",
    _NS + "v",
    _NS + "t",
    _NS + "si",
    _NS + "is",
)
_REF = re.compile(r"^([A-Z]{1,3})(\d+)$", re.IGNORECASE)


@dataclass(frozen=True)
class Limits:
    """What one workbook may hold. The defaults fit a 200,000-row roster with room to spare;
    a caller passes its own `max_rows` (and may tighten the rest)."""

    max_rows: int = 10_000  # rows holding a value, per sheet
    max_columns: int = 256  # the last column that may hold a value
    max_cell_chars: int = 32_767  # Excel's own limit for one cell
    max_values: int = 4_000_000  # cells holding a value, in the whole workbook
    max_row_cells: int = EXCEL_MAX_COLUMN  # <c> elements in one row, valued or not
    max_shared_strings: int = 2_000_000
    max_members: int = 500
    max_member_bytes: int = 128 * MiB  # uncompressed, one part
    max_shared_strings_bytes: int = 48 * MiB  # uncompressed, the shared-strings part
    max_total_bytes: int = 256 * MiB  # uncompressed, all parts


class WorkbookRefused(InvalidInput):
    """A workbook we do not parse; each reason below is a subclass."""

    reason = "workbook_invalid"
    message = "无法读取该 Excel 工作簿"

    def __init__(self, message: str | None = None, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        if self.errors is None:
            self.errors = {"file": [self.message]}


class WorkbookDamaged(WorkbookRefused):
    reason = "workbook_damaged"
    message = "文件已损坏或不是 Excel 工作簿，无法读取；请在 Excel 中打开后另存为 .xlsx 再试"


class WorkbookTooLarge(WorkbookRefused):
    reason = "workbook_too_large"
    message = "工作簿解压后过大（可能含有异常内容），请删除多余的工作表、图片和格式后再试"


class TooManyRows(WorkbookRefused):
    reason = "too_many_rows"
    message = "工作表的行数超过上限，请分批处理"


class TooManyColumns(WorkbookRefused):
    reason = "too_many_columns"
    message = "工作表的列数超过上限，请删除多余的列后再试"


class CellTooLong(WorkbookRefused):
    reason = "cell_too_long"
    message = "有单元格内容过长，请检查后再试"


# -- before openpyxl: the zip and the XML, bounded -------------------------------------------


def _column(ref: str | None, counter: int) -> int:
    if ref:
        m = _REF.match(ref)
        if m is None:
            raise WorkbookDamaged()
        n = 0
        for ch in m.group(1).upper():
            n = n * 26 + ord(ch) - 64
        return n
    return counter + 1


class _PartScan:
    """Checks one XML part as its bytes arrive (elements are dropped once checked)."""

    def __init__(self, limits: Limits, totals: dict[str, int]) -> None:
        self.limits = limits
        self.totals = totals
        self.parser = XMLPullParser(events=("start", "end"))
        self.stack: list[Any] = []
        self.data_rows = 0
        self.row_number = 0
        self.row_cells = 0
        self.column = 0
        self.row_has_value = False
        self.text_chars = 0
        self.cell_has_value = False

    def feed(self, data: bytes) -> None:
        try:
            self.parser.feed(data)
        except ParseError as exc:
            raise WorkbookDamaged() from exc
        self._events()

    def close(self) -> None:
        try:
            self.parser.close()
        except ParseError as exc:
            raise WorkbookDamaged() from exc
        self._events()

    def _too_long(self) -> CellTooLong:
        return CellTooLong(f"有单元格内容超过 {self.limits.max_cell_chars} 个字符，请检查后再试")

    def _long(self, text: str | None) -> int:
        n = len(text or "")
        if n > self.limits.max_cell_chars:
            raise self._too_long()
        return n

    def _events(self) -> None:
        limits = self.limits
        for event, elem in self.parser.read_events():
            tag = elem.tag
            if event == "start":
                self.stack.append(elem)
                if tag == _ROW:
                    self.row_number = _row_number(elem.get("r"), self.row_number)
                    self.row_cells = self.column = 0
                    self.row_has_value = False
                elif tag == _CELL:
                    self.row_cells += 1
                    if self.row_cells > limits.max_row_cells:
                        raise TooManyColumns()
                    self.column = _column(elem.get("r"), self.column)
                    self.cell_has_value = False
                    if self.column > EXCEL_MAX_COLUMN:
                        raise WorkbookDamaged()
                elif tag in (_SI, _IS):
                    self.text_chars = 0
                    if tag == _SI:
                        self.totals["shared_strings"] += 1
                        if self.totals["shared_strings"] > limits.max_shared_strings:
                            raise WorkbookTooLarge()
                continue
            self.stack.pop()
            if tag == _VALUE:
                self._long(elem.text)
                self.cell_has_value = True
            elif tag == _TEXT:
                self.text_chars += self._long(elem.text)
                if self.text_chars > limits.max_cell_chars:
                    raise self._too_long()
            elif tag == _IS:
                self.cell_has_value = True
            elif tag == _CELL:
                if self.cell_has_value:
                    self._value()
            elif tag == _ROW and self.row_has_value:
                self.data_rows += 1
                if self.data_rows > limits.max_rows:
                    raise TooManyRows(f"一个工作表最多 {limits.max_rows} 行，请分批处理")
            elem.clear()
        self._prune()

    def _value(self) -> None:
        self.row_has_value = True
        if self.column > self.limits.max_columns:
            raise TooManyColumns(
                f"第 {self.column} 列有内容：最多读取 {self.limits.max_columns} 列"
            )
        self.totals["values"] += 1
        if self.totals["values"] > self.limits.max_values:
            raise WorkbookTooLarge()

    def _prune(self) -> None:
        """Drop every element already checked, so the tree holds no more than the open path
        (plus what one chunk of input builds)."""
        for i, parent in enumerate(self.stack):
            if not len(parent):
                continue
            still_open = i + 1 < len(self.stack) and parent[-1] is self.stack[i + 1]
            del parent[: -1 if still_open else len(parent)]


def _row_number(ref: str | None, counter: int) -> int:
    if ref is None:
        return counter + 1
    try:
        n = int(ref)
    except ValueError as exc:
        raise WorkbookDamaged() from exc
    if not 1 <= n <= EXCEL_MAX_ROW:
        raise WorkbookDamaged()
    return n


def _read_capped(stream: IO[bytes], cap: int, scan: _PartScan | None) -> int:
    """The actual uncompressed size of a member, reading at most cap + 1 bytes of it."""
    n = 0
    while True:
        chunk = stream.read(min(CHUNK, cap + 1 - n))
        if not chunk:
            return n
        n += len(chunk)
        if n > cap:
            raise WorkbookTooLarge()
        if scan is not None:
            scan.feed(chunk)


def check_archive(data: bytes, limits: Limits) -> None:
    """Everything `open_workbook` checks before openpyxl parses (see the module's docstring)."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError, OSError, EOFError) as exc:
        raise WorkbookDamaged() from exc
    with archive:
        members = archive.infolist()
        if len(members) > limits.max_members:
            raise WorkbookTooLarge()

        def cap(info: zipfile.ZipInfo) -> int:
            if info.filename.lower().endswith("sharedstrings.xml"):
                return limits.max_shared_strings_bytes
            return limits.max_member_bytes

        declared = 0
        for info in members:
            if info.file_size > cap(info):
                raise WorkbookTooLarge()
            declared += info.file_size
        if declared > limits.max_total_bytes:
            raise WorkbookTooLarge()
        totals = {"values": 0, "shared_strings": 0}
        actual = 0
        for info in members:
            if info.is_dir():
                continue
            name = info.filename.lower()
            scan = (
                _PartScan(limits, totals)
                if name.startswith("xl/") and name.endswith(".xml")
                else None
            )
            left = limits.max_total_bytes - actual
            try:
                with archive.open(info) as stream:
                    actual += _read_capped(stream, min(cap(info), left), scan)
            except (
                zipfile.BadZipFile,
                NotImplementedError,
                RuntimeError,
                OSError,
                EOFError,
            ) as exc:
                raise WorkbookDamaged() from exc
            except ValueError as exc:  # zlib/lzma errors on a damaged stream
                raise WorkbookDamaged() from exc
            if scan is not None:
                scan.close()


# -- openpyxl, read-only, rows as the file lists them ----------------------------------------


@dataclass
class Sheet:
    title: str
    state: str  # "visible", "hidden", "veryHidden"
    _ws: Any


class Workbook:
    """An opened, checked workbook: its sheets (the active one first) and their rows."""

    def __init__(self, wb: Any, limits: Limits) -> None:
        self._wb = wb
        self.limits = limits
        sheets = [ws for ws in wb.worksheets if hasattr(ws, "_get_source")]
        if not sheets:
            raise WorkbookDamaged()
        active = wb.active if wb.active in sheets else sheets[0]
        self.sheets = [Sheet(ws.title, ws.sheet_state, ws) for ws in sheets]
        self.active = next(s for s in self.sheets if s._ws is active)

    def rows(self, sheet: Sheet) -> Iterator[tuple[int, tuple[Any, ...]]]:
        """(row number, values up to the last valued column) for each row the file lists,
        in order; a row without values is yielded as (number, ()). Gaps are skipped, never
        filled. The limits are enforced again here, so nothing depends on the pre-scan alone."""
        from openpyxl.worksheet._reader import WorkSheetParser

        ws, wb, limits = sheet._ws, self._wb, self.limits
        n = 0
        try:
            with ws._get_source() as src:
                parser = WorkSheetParser(
                    src,
                    ws._shared_strings,
                    data_only=wb.data_only,
                    epoch=wb.epoch,
                    date_formats=wb._date_formats,
                    timedelta_formats=wb._timedelta_formats,
                )
                for number, cells in parser.parse():
                    values: dict[int, Any] = {}
                    for cell in cells:
                        value = cell["value"]
                        if value is None or value == "":
                            continue
                        column = cell["column"]
                        if column > limits.max_columns:
                            raise TooManyColumns()
                        if isinstance(value, str) and len(value) > limits.max_cell_chars:
                            raise CellTooLong()
                        values[column] = value
                    if values:
                        n += 1
                        if n > limits.max_rows:
                            raise TooManyRows(f"一个工作表最多 {limits.max_rows} 行，请分批处理")
                        width = max(values)
                        yield number, tuple(values.get(c) for c in range(1, width + 1))
                    else:
                        yield number, ()
        except WorkbookRefused:
            raise
        except _DAMAGED as exc:
            raise WorkbookDamaged() from exc

    def close(self) -> None:
        self._wb.close()

    def __enter__(self) -> Workbook:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


# What openpyxl raises on a damaged workbook, while opening it or while reading its sheets: a
# broken zip, missing parts, malformed XML (ParseError is a SyntaxError), nonsense values.
_DAMAGED = (zipfile.BadZipFile, KeyError, ValueError, OSError, TypeError, IndexError, EOFError)
_DAMAGED += (SyntaxError, AttributeError, OverflowError)


def open_workbook(data: bytes, limits: Limits) -> Workbook:
    """Check the archive within `limits`, then open it read-only; WorkbookRefused otherwise."""
    check_archive(data, limits)
    from openpyxl import load_workbook

    try:
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except _DAMAGED as exc:
        raise WorkbookDamaged() from exc
    try:
        return Workbook(wb, limits)
    except BaseException:
        wb.close()
        raise
