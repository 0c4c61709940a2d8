"""The points sheet is read through the bounded workbook reader (issue 19 item 2)."""

from __future__ import annotations

import pytest

import workbooks
from tests.support import xlsx
from votes.errors import PointsSheetInvalid
from votes.results import POINTS_SHEET_MAX_ROWS, _read_rows


def test_two_rows_twelve_hundred_thousand_apart_are_two_rows():
    """A 4.7 KB sheet with rows far apart cost +902 MiB: every generated row became a list."""
    data = xlsx.workbook(
        xlsx.sheet_xml([(1, [(1, "工号"), (2, "积分")]), (1_048_576, [(1, "E1"), (2, 5)])])
    )
    assert _read_rows("积分.xlsx", data) == [(1, ["工号", "积分"]), (1_048_576, ["E1", 5])]


def test_a_row_past_excel_and_too_many_rows_are_refused():
    far = xlsx.workbook(xlsx.sheet_xml([(1, [(1, "工号")]), (12_000_001, [(1, "E1")])]))
    with pytest.raises(PointsSheetInvalid):  # damaged: Excel has no such row
        _read_rows("积分.xlsx", far)
    many = [(n, [(1, f"E{n}"), (2, 1)]) for n in range(1, POINTS_SHEET_MAX_ROWS + 2)]
    with pytest.raises(workbooks.TooManyRows) as err:
        _read_rows("积分.xlsx", xlsx.workbook(xlsx.sheet_xml(many)))
    assert err.value.reason == "too_many_rows"
    csv_rows = "工号,积分\n" + "E1,1\n" * (POINTS_SHEET_MAX_ROWS + 1)
    with pytest.raises(workbooks.TooManyRows):
        _read_rows("积分.csv", csv_rows.encode())
