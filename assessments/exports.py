"""The month as .xlsx in the layout of the paper sheet: the ranking on the first sheet, then
one sheet per 区队 — per 班组 for a 六型班组 month, its 区队-scored items naming the 区队 as the
scoring unit — (its items by group, points, the office, the deduction, the score, the reason,
the objection and its answer, the total and grade at the bottom). Text is always a text cell
(spreadsheets.mark_text): a reason starting with = never becomes a formula."""

from __future__ import annotations

import io
import re
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

from accounts.principal import Principal
from assessments import queries, rounds
from spreadsheets import cell_text, mark_text

RANKING_HEADER = ["名次", "区队"]
SHEET_TITLES = {"team": "六好区队考核表", "group": "六型班组考核表"}
RANKING_TAIL = ["扣分合计", "调整", "总分", "等级", "一票否决"]
SHEET_HEADER = [
    "序号",
    "类别",
    "考核项目",
    "分值",
    "考核科室",
    "扣分",
    "得分",
    "扣分原因",
    "异议",
    "答复",
]
_BAD_TITLE = re.compile(r"[\[\]:*?/\\]")


def _row(ws, values: list[Any]) -> None:
    ws.append([cell_text(v) for v in values])
    for cell in ws[ws.max_row]:
        mark_text(cell)


def _title(ws, text: str, width: int) -> None:
    _row(ws, [text])
    ws.merge_cells(start_row=ws.max_row, start_column=1, end_row=ws.max_row, end_column=width)
    ws.cell(ws.max_row, 1).font = Font(bold=True, size=14)
    ws.cell(ws.max_row, 1).alignment = Alignment(horizontal="center")


def _bold_row(ws) -> None:
    for cell in ws[ws.max_row]:
        cell.font = Font(bold=True)


def sheet_title(name: str, used: set[str]) -> str:
    """A worksheet name Excel accepts (31 characters, none of []:*?/\\), unique in the book."""
    base = _BAD_TITLE.sub("_", name).strip("'")[:28] or "单位"
    title, n = base, 1
    while title in used:
        n += 1
        title = f"{base}({n})"
    used.add(title)
    return title


def month_workbook(principal: Principal, month_id: int) -> bytes:
    board = queries.board(principal, month_id)
    month = board["month"]
    offices = board["offices"]
    state = "已锁定" if month.status == "locked" else "进行中（未锁定，结果为暂定）"
    noun = rounds.unit_noun(month)
    wb = Workbook()
    ws = wb.active
    ws.title = "排名"
    header = [RANKING_HEADER[0], noun] + [f"{o['name']}扣分" for o in offices] + RANKING_TAIL
    _title(ws, f"{month.month} {noun}月度考核排名（{state}）", len(header))
    _row(ws, header)
    _bold_row(ws)
    for r in board["rows"]:
        _row(
            ws,
            [r["rank"], r["team"], *r["cells"], r["deducted"], r["adjusted"], r["total"]]
            + [r["grade"], "是" if r["vetoed"] else ""],
        )
    ws.column_dimensions["B"].width = 18
    used = {"排名"}
    for r in board["rows"]:
        sheet = queries.sheet(principal, month.id, r["team_id"])
        ws = wb.create_sheet(sheet_title(r["team"], used))
        _title(ws, f"{r['team']} {month.month} {SHEET_TITLES[month.kind]}", len(SHEET_HEADER))
        _row(ws, SHEET_HEADER)
        _bold_row(ws)
        for n, line in enumerate(sheet["items"], start=1):
            d, o = line["deduction"], line["objection"]
            points = d["points"] if d else 0
            vetoed = bool(d and d["vetoed"])
            _row(
                ws,
                [
                    n,
                    line["group"],
                    line["title"],
                    line["max_points"],
                    line["office"],
                    ("否决" if vetoed else points) if line["veto"] else points,
                    "" if line["veto"] else line["max_points"] - points,
                    d["reason"] if d else "",
                    o["text"] if o else "",
                    (o["answer"] or "") if o else "",
                ],
            )
        _row(ws, ["合计", "", "", 100, "", r["deducted"], r["total"], f"等级：{r['grade']}"])
        _bold_row(ws)
        if r["adjusted"]:
            _row(ws, ["锁定后调整", "", "", "", "", "", r["adjusted"], "经党委成员审批"])
        for col, width in zip("ABCDEFGHIJ", (6, 12, 24, 6, 12, 6, 6, 30, 24, 24), strict=True):
            ws.column_dimensions[col].width = width
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def file_kind(month) -> str:
    """The download kind (web/downloads.py KINDS) of a month's workbook."""
    return "assessment-group" if month.kind == "group" else "assessment"
