"""The roster's files are bounded before they are parsed, and checked in time linear in rows."""

from __future__ import annotations

from roster.reading import RosterTable, read_roster
from roster.rows import parse_rows
from tests.support import xlsx
from tests.support.hr_files import PLAIN

MiB = 1024 * 1024


def test_a_shared_string_of_60_mib_is_refused_before_parsing(
    app, client, world, monkeypatch, new_hr, upload_roster
):
    """issue 19 item 1: a small .xlsx whose shared-strings part inflates to 60 MiB (the review's
    held 1,000 MiB and took a worker to 3.4 GiB) is refused from the zip's directory."""
    import openpyxl

    calls: list[int] = []
    monkeypatch.setattr(openpyxl, "load_workbook", lambda *a, **k: calls.append(1))
    header = "".join(f'<c r="{xlsx.column_letter(i + 1)}1" t="s"><v>0</v></c>' for i in range(7))
    sheet = xlsx.sheet_xml([]).replace(
        b"<sheetData>", f'<sheetData><row r="1">{header}</row>'.encode()
    )
    data = xlsx.workbook(sheet, xlsx.shared_strings_xml(["工" * (30 * MiB)]))
    assert len(data) < 1 * MiB
    hr = new_hr()
    r = upload_roster(hr.h, data, dry_run="true")
    assert r.status_code == 422, r.json
    assert r.json["reason"] == "workbook_too_large", r.json
    assert r.json["errors"]["file"], r.json
    assert calls == []


def test_rows_far_apart_in_a_roster_end_the_sheet_without_reading_the_gap():
    """A row 1,000,000 below the people is past BLANK_RUN_END blank rows: the sheet ends there,
    and the rows between are never made."""
    people = [(n, [(1, f"E{n}"), (2, "张三"), (3, "13800000000"), (4, "一矿")]) for n in (2, 3)]
    rows = [(1, list(enumerate(PLAIN, start=1))), *people, (1_000_003, [(1, "E9")])]
    table = read_roster("花名册.xlsx", xlsx.workbook(xlsx.sheet_xml(rows)))
    assert [n for n, _ in table.rows] == [2, 3]


class CountingRow(int):
    """A row number that counts how often it is compared for equality."""

    compared = 0

    def __eq__(self, other: object) -> bool:
        CountingRow.compared += 1
        return int(self) == other

    __hash__ = int.__hash__


def test_the_dry_run_is_linear_in_bad_rows():
    """issue 19 item 3: has_error scanned every error once per row (quadratic: 20,000 bad rows
    took 34 s). Counted: row-number comparisons stay proportional to the rows."""
    n = 5_000
    rows = [
        (CountingRow(i), {"employee_no": f"E{i}", "name": "", "phone": "x", "unit": ""})
        for i in range(2, n + 2)
    ]
    CountingRow.compared = 0
    good, problems = parse_rows(RosterTable(None, 1, {}, [], rows))
    assert good == [] and len(problems.errors) == n
    assert all(len(e["errors"]) == 3 for e in problems.errors)
    assert CountingRow.compared <= 10 * n, CountingRow.compared
