"""The wishes ledger (台账) as an .xlsx workbook.

User text never becomes a formula: every text cell is written with the string type and a quote
prefix, so 「=HYPERLINK(...)」 or 「+86...」 typed by a user opens as the text it is.
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from typing import Any

from openpyxl import Workbook
from openpyxl.cell.cell import Cell
from sqlalchemy import select

from clock import local_time
from models import Wish, WishEvent, db
from spreadsheets import cell_text, mark_text

STATUS_ZH = {
    "pending_review": "待审核",
    "rejected": "未通过",
    "open": "待认领",
    "claimed": "已认领",
    "fulfilled": "已点亮",
    "completed": "已完成",
    "withdrawn": "已撤回",
    "closed": "已关闭",
}
CATEGORY_ZH = {
    "life": "生活",
    "study": "学习、子女教育",
    "health": "医疗健康",
    "work": "工作",
    "other": "其他",
}
ACTION_ZH = {
    "submit": "提交",
    "approve": "审核通过",
    "reject": "审核驳回",
    "claim": "认领",
    "release": "放弃认领",
    "expire": "认领超期",
    "fulfil": "点亮",
    "confirm": "确认完成",
    "withdraw": "撤回",
    "close": "关闭",
}


def text_cell(cell: Cell, value: Any) -> None:
    """Write a value; strings always as text, never evaluated."""
    if value is None:
        return
    cell.value = cell_text(value)
    mark_text(cell)


def _append(ws, values: Iterable[Any]) -> None:
    row = ws.max_row + 1 if ws.max_row > 1 or ws.cell(1, 1).value is not None else 1
    for col, value in enumerate(values, start=1):
        text_cell(ws.cell(row=row, column=col), value)


def workbook(wishes: list[Wish]) -> bytes:
    """Two sheets: the wishes, and every transition of them."""
    wb = Workbook()
    ws = wb.active
    ws.title = "心愿台账"
    _append(
        ws,
        [
            "编号", "标题", "内容", "类别", "状态", "党支部", "许愿人", "许愿人工号", "许愿人电话",
            "代发人", "提交时间", "认领党员", "认领党员工号", "认领时间", "认领期限", "点亮说明",
            "点亮时间", "评分", "感谢语", "完成时间", "驳回/关闭原因",
        ],
    )  # fmt: skip
    for w in wishes:
        _append(
            ws,
            [
                w.id,
                w.title,
                w.content,
                CATEGORY_ZH.get(w.category, w.category),
                STATUS_ZH.get(w.status, w.status),
                w.branch.name,
                w.wisher.name,
                w.wisher.employee_no,
                w.wisher.phone,
                w.author.name if w.author_id != w.wisher_id else None,
                local_time(w.created_at),
                w.claimer.name if w.claimer else None,
                w.claimer.employee_no if w.claimer else None,
                local_time(w.claimed_at) or None,
                local_time(w.claim_deadline) or None,
                w.fulfil_note,
                local_time(w.fulfilled_at) or None,
                w.rating,
                w.thanks,
                local_time(w.completed_at) or None,
                w.reject_reason or w.closed_reason,
            ],
        )
    hs = wb.create_sheet("流转记录")
    _append(hs, ["心愿编号", "心愿标题", "操作", "原状态", "新状态", "操作人", "时间", "原因"])
    by_id = {w.id: w for w in wishes}
    if by_id:
        events = db.session.scalars(
            select(WishEvent)
            .where(WishEvent.wish_id.in_(list(by_id)))
            .order_by(WishEvent.wish_id, WishEvent.id)
        )
        for e in events:
            _append(
                hs,
                [
                    e.wish_id,
                    by_id[e.wish_id].title,
                    ACTION_ZH.get(e.action, e.action),
                    STATUS_ZH.get(e.from_status, e.from_status) if e.from_status else None,
                    STATUS_ZH.get(e.to_status, e.to_status),
                    e.actor.name if e.actor else "系统",
                    local_time(e.at),
                    e.reason,
                ],
            )
    for sheet in (ws, hs):
        sheet.freeze_panes = "A2"
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
