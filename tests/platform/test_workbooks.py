"""workbooks.py: every .xlsx is bounded before openpyxl parses it, and read linearly.

Each test counts work (bytes read, rows yielded, whether openpyxl was called) instead of timing
it. The files are made by hand (tests/support/xlsx.py): Excel never writes them."""

from __future__ import annotations

import zipfile

import openpyxl
import pytest

import workbooks
from tests.support import xlsx

MiB = 1024 * 1024


@pytest.fixture
def openpyxl_calls(monkeypatch) -> list[int]:
    """Counts openpyxl.load_workbook calls (workbooks imports it lazily from the module)."""
    calls: list[int] = []
    real = openpyxl.load_workbook

    def counting(*args, **kwargs):
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(openpyxl, "load_workbook", counting)
    return calls


@pytest.fixture
def bytes_read(monkeypatch) -> list[int]:
    """Counts the uncompressed bytes read out of every zip member."""
    read: list[int] = []
    real = zipfile.ZipExtFile.read

    def counting(self, n=-1):
        data = real(self, n)
        read.append(len(data))
        return data

    monkeypatch.setattr(zipfile.ZipExtFile, "read", counting)
    return read


def _rows(data: bytes, limits: workbooks.Limits | None = None):
    with workbooks.open_workbook(data, limits or workbooks.Limits()) as wb:
        return list(wb.rows(wb.active))


def _huge_shared_string(size: int) -> bytes:
    sheet = xlsx.sheet_xml([])
    sheet = sheet.replace(
        b"<sheetData>", b'<sheetData><row r="1"><c r="A1" t="s"><v>0</v></c></row>'
    )
    return xlsx.workbook(sheet, xlsx.shared_strings_xml(["a" * size]))


def test_a_huge_shared_string_is_refused_from_its_declared_size_before_parsing(
    openpyxl_calls, bytes_read
):
    """issue 19 item 1: a small upload whose shared strings inflate far beyond the limit."""
    data = _huge_shared_string(60 * MiB)
    assert len(data) < 200_000
    limits = workbooks.Limits(max_shared_strings_bytes=8 * MiB)
    with pytest.raises(workbooks.WorkbookTooLarge) as err:
        workbooks.open_workbook(data, limits)
    assert err.value.reason == "workbook_too_large" and err.value.status == 422
    assert err.value.errors == {"file": [err.value.message]}
    assert openpyxl_calls == []
    assert sum(bytes_read) == 0  # the directory alone condemned it


def test_a_lying_size_header_gains_nothing(openpyxl_calls, bytes_read):
    """The zip says 100 bytes; the member inflates to 60 MiB. Reading stops at the cap."""
    data = xlsx.declare_size(_huge_shared_string(60 * MiB), "xl/sharedStrings.xml", 100)
    with pytest.raises(workbooks.WorkbookRefused) as err:
        workbooks.open_workbook(data, workbooks.Limits(max_shared_strings_bytes=8 * MiB))
    assert err.value.reason in ("workbook_too_large", "workbook_damaged")
    assert openpyxl_calls == []
    assert sum(bytes_read) < 1 * MiB


def test_actual_sizes_are_counted_through_a_capped_stream():
    """Whatever the header says, a member is read through a stream that stops one byte past
    its cap (zipfile itself also cuts at the declared size: the CRC then fails, as above)."""

    class Endless:
        given = 0

        def read(self, n: int) -> bytes:
            self.given += n
            return b"x" * n

    stream = Endless()
    with pytest.raises(workbooks.WorkbookTooLarge):
        workbooks._read_capped(stream, 1 * MiB, None)
    assert stream.given == 1 * MiB + 1


def test_one_shared_string_longer_than_a_cell_may_hold(openpyxl_calls):
    with pytest.raises(workbooks.CellTooLong) as err:
        workbooks.open_workbook(_huge_shared_string(40_000), workbooks.Limits())
    assert err.value.reason == "cell_too_long"
    assert openpyxl_calls == []


def test_rich_text_runs_are_summed_and_inline_strings_checked(openpyxl_calls):
    runs = "".join(f"<r><t>{'b' * 20_000}</t></r>" for _ in range(2))
    shared = (f'<sst xmlns="{xlsx.NS}"><si>{runs}</si></sst>').encode()
    with pytest.raises(workbooks.CellTooLong):
        workbooks.open_workbook(xlsx.workbook(xlsx.sheet_xml([]), shared), workbooks.Limits())
    inline = xlsx.workbook(xlsx.sheet_xml([(1, [(1, "c" * 40_000)])]))
    with pytest.raises(workbooks.CellTooLong):
        workbooks.open_workbook(inline, workbooks.Limits())
    assert openpyxl_calls == []


def test_rows_far_apart_are_read_as_two_rows(monkeypatch):
    """issue 19 item 2: two rows 1,000,000 apart; openpyxl's iter_rows would yield every row
    between them. The reader yields the two rows the file lists, and never calls iter_rows."""
    from openpyxl.worksheet._read_only import ReadOnlyWorksheet

    def refuse(*args, **kwargs):
        raise AssertionError("the gap-filling row iterator was used")

    monkeypatch.setattr(ReadOnlyWorksheet, "_cells_by_row", refuse)
    data = xlsx.workbook(xlsx.sheet_xml([(1, [(1, "工号"), (2, "积分")]), (1_000_001, [(1, 7)])]))
    assert _rows(data) == [(1, ("工号", "积分")), (1_000_001, (7,))]


def test_a_row_beyond_excel_is_a_damaged_file():
    data = xlsx.workbook(xlsx.sheet_xml([(1, [(1, "x")]), (12_000_001, [(1, 7)])]))
    with pytest.raises(workbooks.WorkbookDamaged):
        workbooks.open_workbook(data, workbooks.Limits())


def test_too_many_rows_are_refused_before_parsing_and_blank_rows_do_not_count(openpyxl_calls):
    limits = workbooks.Limits(max_rows=10)
    full = xlsx.workbook(xlsx.sheet_xml([(n, [(1, n)]) for n in range(1, 12)]))
    with pytest.raises(workbooks.TooManyRows) as err:
        workbooks.open_workbook(full, limits)
    assert err.value.reason == "too_many_rows"
    assert openpyxl_calls == []
    formatted = xlsx.sheet_xml([(n, [(1, n)]) for n in range(1, 11)]).replace(
        b"</sheetData>",
        b"".join(f'<row r="{n}"><c r="A{n}" s="1"/></row>'.encode() for n in range(11, 500))
        + b"</sheetData>",
    )
    rows = _rows(xlsx.workbook(formatted), limits)
    assert [r for r in rows if r[1]] == [(n, (n,)) for n in range(1, 11)]


def test_a_value_beyond_the_last_column_and_overlong_rows_are_refused(openpyxl_calls):
    limits = workbooks.Limits(max_columns=20)
    far = xlsx.workbook(xlsx.sheet_xml([(1, [(1, "a"), (5000, "b")])]))
    with pytest.raises(workbooks.TooManyColumns) as err:
        workbooks.open_workbook(far, limits)
    assert err.value.reason == "too_many_columns"
    cells = b"<c/>" * 100
    wide = xlsx.sheet_xml([]).replace(b"<sheetData>", b'<sheetData><row r="1">' + cells + b"</row>")
    with pytest.raises(workbooks.TooManyColumns):
        workbooks.open_workbook(xlsx.workbook(wide), workbooks.Limits(max_row_cells=50))
    assert openpyxl_calls == []
    # Styled empty cells far to the right are not values: the row is read up to its last value.
    styled = xlsx.sheet_xml([(1, [(1, "a")])]).replace(b"</row>", b'<c r="XFD1" s="1"/></row>')
    assert _rows(xlsx.workbook(styled), limits) == [(1, ("a",))]


def test_too_many_members_and_not_a_zip():
    with pytest.raises(workbooks.WorkbookTooLarge):
        workbooks.open_workbook(xlsx.workbook(xlsx.sheet_xml([])), workbooks.Limits(max_members=3))
    with pytest.raises(workbooks.WorkbookDamaged) as err:
        workbooks.open_workbook(b"PK\x03\x04 not really", workbooks.Limits())
    assert err.value.reason == "workbook_damaged"
    broken = xlsx.workbook(b"<worksheet><sheetData><row>")
    with pytest.raises(workbooks.WorkbookDamaged):
        workbooks.open_workbook(broken, workbooks.Limits())


def test_the_scan_holds_only_the_open_elements():
    """Every checked element is dropped: 10,000 merged ranges leave their parent empty."""
    scan = workbooks._PartScan(workbooks.Limits(), {"values": 0, "shared_strings": 0})
    scan.feed(f'<worksheet xmlns="{xlsx.NS}"><mergeCells>'.encode())
    scan.feed(b'<mergeCell ref="A1:B1"/>' * 10_000)
    assert [len(e) for e in scan.stack] == [1, 0]  # the worksheet holds the open mergeCells
