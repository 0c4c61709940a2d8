"""The paper ledgers as .xlsx: the 三会一课登记簿 (every meeting of a period with who was
there, on leave or absent) and the 承诺践诺台账. User text is written as text cells, never a
formula."""

from __future__ import annotations

from openpyxl import Workbook

from meetings import queries
from models import MEETING_KIND_NAMES, Branch, Meeting, Pledge, db
from spreadsheets import append_row, header, workbook_bytes

ATTENDANCE_NAMES = {"present": "实到", "leave": "请假", "absent": "缺席"}
VERDICTS = {"kept": "已践诺", "partly": "部分践诺", "not_kept": "未践诺", None: "未评议"}


def meeting_register(meetings: list[Meeting]) -> bytes:
    """三会一课登记簿: one row per meeting (应到/实到/请假/缺席 and their names), then every
    attendee's line."""
    wb = Workbook()
    ws = wb.active
    header(
        ws,
        "三会一课登记",
        [
            ("日期", 18),
            ("支部", 18),
            ("类型", 12),
            ("主题", 30),
            ("地点", 16),
            ("状态", 8),
            ("应到", 6),
            ("实到", 6),
            ("请假", 6),
            ("缺席", 6),
            ("请假人员", 20),
            ("缺席人员", 20),
            ("会议记录", 40),
        ],
    )
    branches = {b.id: b.name for b in db.session.scalars(db.select(Branch))}
    people = wb.create_sheet()
    header(
        people,
        "签到明细",
        [
            ("日期", 18),
            ("会议", 30),
            ("姓名", 10),
            ("出勤", 8),
            ("签到方式", 10),
            ("签到时间", 18),
            ("说明", 30),
        ],
    )
    for m in meetings:
        rows = queries.attendance_of(m.id)
        by = {s: [a.person.name for a in rows if a.status == s] for s in ATTENDANCE_NAMES}
        status = {"scheduled": "未结束", "closed": "已结束", "cancelled": "已取消"}[m.status]
        append_row(
            ws,
            [
                m.starts_at,
                branches.get(m.branch_id, ""),
                MEETING_KIND_NAMES[m.kind],
                m.topic,
                m.place,
                status,
                len(rows),
                len(by["present"]),
                len(by["leave"]),
                len(by["absent"]),
                "、".join(by["leave"]),
                "、".join(by["absent"]),
                m.minutes or "",
            ],
        )
        for a in rows:
            method = {"code": "扫码", "marked": "书记补记"}.get(a.method or "", "")
            append_row(
                people,
                [
                    m.starts_at,
                    m.topic,
                    a.person.name,
                    ATTENDANCE_NAMES.get(a.status, "未签到"),
                    method,
                    a.signed_at,
                    a.note or a.leave_reason or "",
                ],
            )
    return workbook_bytes(wb)


def pledge_ledger(pledges: list[Pledge]) -> bytes:
    """承诺践诺台账: each member's pledge items and the two reviews."""
    wb = Workbook()
    ws = wb.active
    header(
        ws,
        "承诺践诺",
        [
            ("工号", 10),
            ("姓名", 10),
            ("年度", 6),
            ("承诺事项", 50),
            ("年中评议", 10),
            ("年中说明", 24),
            ("年终评议", 10),
            ("年终说明", 24),
        ],
    )
    for p in pledges:
        append_row(
            ws,
            [
                p.person.employee_no,
                p.person.name,
                str(p.year),
                "\n".join(f"{i}. {item}" for i, item in enumerate(p.items, start=1)),
                VERDICTS[p.mid_verdict],
                p.mid_note or "",
                VERDICTS[p.end_verdict],
                p.end_note or "",
            ],
        )
    return workbook_bytes(wb)
