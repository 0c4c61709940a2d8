"""Roster files as mines' HR offices export them (workbooks, GBK CSVs) and the API template's
plain CSV: bytes only, no database, so any test may import this."""

from __future__ import annotations

import csv
import io
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill

TITLE = "官地矿2026年职工花名册"
# The header an HR office's export typically has: 序号 first, 职工编号 instead of 工号, …
HR_HEADER = ["序号", "职工编号", "职工姓名", "性别", "所在单位", "党支部", "政治面貌", "联系电话"]
HR_HEADER += ["是否干部", "入职日期"]


def hr_row(n: int, no: Any, name: str, unit: str, branch: str, status: str, phone: Any, cadre=""):
    return [n, no, name, "男", unit, branch, status, phone, cadre, "2015-07-01"]


def hr_workbook(
    rows: list[list[Any]],
    header: list[str] = HR_HEADER,
    *,
    title: str | None = TITLE,
    instructions_first: bool = True,
    roster_active: bool = True,
    blank_rows_after: int = 0,
    sheet_name: str = "在职人员",
) -> bytes:
    """A workbook like the ones HR offices hand over.

    A 填表说明 sheet first (optional), then the roster sheet: a title merged across the top, a
    subtitle line, the header, the rows (typed as the caller gives them: integers stay integers),
    and formatted blank rows below; a printed footer line at the end.
    """
    wb = Workbook()
    first = wb.active
    if instructions_first:
        first.title = "填表说明"
        first["A1"] = "填表说明"
        first["A2"] = "1. 工号请按人事系统填写；2. 政治面貌按国家标准填写。"
        ws = wb.create_sheet(sheet_name)
    else:
        first.title = sheet_name
        ws = first
    if title:
        ws.append([title])
        ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(header))
        ws["A1"].font = Font(size=16, bold=True)
        ws["A1"].alignment = Alignment(horizontal="center")
        ws.append(["填报单位：人力资源部", None, None, None, None, None, "制表日期：2026-01-05"])
    ws.append(header)
    for r in rows:
        ws.append(r)
    fill = PatternFill("solid", fgColor="FFF2CC")
    last = ws.max_row
    for i in range(1, blank_rows_after + 1):
        for col in range(1, len(header) + 1):
            ws.cell(row=last + i, column=col).fill = fill
    if blank_rows_after:
        ws.cell(row=last + blank_rows_after + 1, column=1, value="制表人：张会计    审核人：李科长")
    if roster_active:
        wb.active = wb.worksheets.index(ws)
    else:
        wb.active = 0
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def gbk_csv(rows: list[list[Any]], header: list[str], *, title: str | None = TITLE) -> bytes:
    """A CSV as Excel on a Chinese Windows saves it: GBK, CRLF, the title line kept."""
    buf = io.StringIO(newline="")
    w = csv.writer(buf, lineterminator="\r\n")
    if title:
        w.writerow([title] + [""] * (len(header) - 1))
    w.writerow(header)
    w.writerows(rows)
    return buf.getvalue().encode("gbk")


PLAIN = ["工号", "姓名", "手机号", "单位", "党支部", "政治面貌", "是否干部"]
# The plain columns and the 班组 / 职务 / 单位类别 ones.
GROUPS_HEADER = PLAIN + ["班组", "职务", "单位类别"]

# The plain header of the API's own template, and a CSV of rows under it.
HEADER_CN = PLAIN


def csv_bytes(rows, header=HEADER_CN, encoding="utf-8-sig") -> bytes:
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(header)
    w.writerows(rows)
    return buf.getvalue().encode(encoding)
