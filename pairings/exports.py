"""Ledgers (台账) as .xlsx: the month's talks of a branch, and the points ledger.

User text is always written as a text cell: a name or a note that starts with = + - @ must
never become a formula when an inspector opens the file.
"""

from __future__ import annotations

from openpyxl import Workbook
from openpyxl.styles import Alignment
from openpyxl.worksheet.worksheet import Worksheet

from accounts.principal import Principal
from models import (
    Branch,
    MentorAssessment,
    MentorSession,
    Mentorship,
    Person,
    PointsEntry,
    PointsRequest,
    Talk,
    db,
)
from pairings import compliance, talks
from pairings.mentoring import RESULT_LABELS, STAGE_LABELS
from points.ledger import Period, in_period, members_totals_query
from points.rulebook import SOURCE_NAMES
from spreadsheets import append_row, header, workbook_bytes

MODE_LABELS = {
    "face_to_face": "当面谈心",
    "talk_room": "谈心室",
    "heart_station": "连心站",
    "home_visit": "走访家访",
    "phone": "电话",
    "wechat": "微信",
}
KIND_LABELS = {
    **SOURCE_NAMES,  # the rulebook's sources: meetings, pledges, deeds
    "monthly_talks_done": "每月谈心",
    "wish_completed": "圆梦微心愿",
    "manual": "书记/党委调整（经审批）",
    "apprenticeship_passed": "传帮带出师",
}
STATUS_LABELS = {"done": "已完成", "due": "未完成", "no_one_to_care": "无关怀对象"}


def talk_ledger(principal: Principal, branch: Branch, month: str, ip: str | None) -> bytes:
    """The branch's talk records of a month and its compliance, as a workbook; reads logged."""
    return _talk_workbook(principal, [branch], month, ip)


def mine_talk_ledger(principal: Principal, mine_id: int, month: str, ip: str | None) -> bytes:
    """Every branch's talk records of a month in one workbook (the committee's); reads logged."""
    principal.require("committee")
    branches = list(
        db.session.scalars(db.select(Branch).where(Branch.mine_id == mine_id).order_by(Branch.name))
    )
    return _talk_workbook(principal, branches, month, ip)


def _talk_workbook(
    principal: Principal, branches: list[Branch], month: str, ip: str | None
) -> bytes:
    names = {b.id: b.name for b in branches}
    rows = list(
        db.session.scalars(
            db.select(Talk)
            .where(Talk.branch_id.in_(list(names) or [0]), Talk.month == month)
            .order_by(Talk.talked_at, Talk.id)
        )
    )
    talks.record_reads(principal, rows, "export", ip)
    people = talks.people_names(
        {t.member_id for t in rows} | {t.employee_id for t in rows} | {t.author_id for t in rows}
    )
    wb = Workbook()
    ws = wb.active
    header(
        ws,
        "谈心台账",
        [
            ("编号", 8),
            ("谈心时间", 18),
            ("党员", 10),
            ("党员工号", 10),
            ("职工", 10),
            ("职工工号", 10),
            ("方式", 10),
            ("地点", 16),
            ("谈心内容", 40),
            ("反映问题", 40),
            ("跟进措施", 40),
            ("记录人", 10),
            ("关怀对象", 10),
            ("计入当月", 10),
            ("状态", 16),
            ("党支部", 16),
        ],
    )
    for t in rows:
        member, employee, author = people[t.member_id], people[t.employee_id], people[t.author_id]
        if t.corrected_by_id:
            state = f"已被更正（见 {t.corrected_by_id}）"
        elif t.corrects_id:
            state = f"更正记录（原 {t.corrects_id}）"
        else:
            state = "有效"
        append_row(
            ws,
            [
                t.id,
                t.talked_at,
                member.name,
                member.employee_no,
                employee.name,
                employee.employee_no,
                MODE_LABELS.get(t.mode, t.mode),
                t.place,
                t.topics,
                t.concerns,
                t.follow_up,
                author.name,
                "是" if t.care_flagged else "否",
                "是" if compliance.talk_counts(t) else "否",
                state,
                names[t.branch_id],
            ],
        )
    for row in ws.iter_rows(min_row=2, min_col=9, max_col=11):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")

    ws2 = wb.create_sheet()
    header(
        ws2,
        "月度完成情况",
        [
            ("党员", 10),
            ("工号", 10),
            ("结对职工数", 12),
            ("要求次数", 10),
            ("完成次数", 10),
            ("状态", 12),
            ("党支部", 16),
        ],
    )
    for branch in branches:
        _summary_rows(ws2, branch, month)
    return workbook_bytes(wb)


def _summary_rows(ws: Worksheet, branch: Branch, month: str) -> None:
    summary = compliance.branch_compliance(branch, month)
    for m in summary["members"]:
        append_row(
            ws,
            [
                m["name"],
                m["employee_no"],
                m["employees"],
                m["required"],
                m["done"],
                STATUS_LABELS[m["status"]],
                branch.name,
            ],
        )
    for m in summary["no_one_to_care"]:
        append_row(
            ws,
            [m["name"], m["employee_no"], m["employees"], "", "", "无关怀对象", branch.name],
        )
    rate = summary["rate"]
    append_row(
        ws,
        [
            f"{branch.name} {month}",
            "完成率",
            "无应谈党员" if rate is None else f"{rate:.1%}",
            summary["rule"]["label"],
        ],
    )
    for u in summary["unpaired"]:
        append_row(ws, [u["name"], u["employee_no"], 0, "", "", "未结对", branch.name])
    append_row(ws, [])


def points_ledger(mine_id: int, branch_id: int | None, period: Period) -> bytes:
    """Totals per party member and every entry over a period, as a workbook."""
    wb = Workbook()
    ws = wb.active
    header(
        ws,
        "积分汇总",
        [
            ("工号", 10),
            ("姓名", 10),
            ("党支部", 20),
            ("每月谈心", 10),
            ("圆梦微心愿", 12),
            ("调整", 10),
            ("合计", 10),
        ],
    )
    members = db.session.execute(members_totals_query(mine_id, branch_id, period)).all()
    branches = {
        b.id: b.name for b in db.session.scalars(db.select(Branch).where(Branch.mine_id == mine_id))
    }
    for person, total, talks_pts, wishes_pts, manual_pts in members:
        append_row(
            ws,
            [
                person.employee_no,
                person.name,
                branches.get(person.branch_id, ""),
                int(talks_pts),
                int(wishes_pts),
                int(manual_pts),
                int(total),
            ],
        )

    ws2 = wb.create_sheet()
    header(
        ws2,
        "积分明细",
        [
            ("时间", 18),
            ("工号", 10),
            ("姓名", 10),
            ("类别", 14),
            ("分值", 8),
            ("事由", 50),
            ("申请人", 10),
            ("审批人", 10),
        ],
    )
    stmt = (
        db.select(PointsEntry, Person)
        .join(Person, Person.id == PointsEntry.person_id)
        .where(Person.mine_id == mine_id)
        .order_by(PointsEntry.at, PointsEntry.id)
    )
    if branch_id is not None:
        stmt = stmt.where(Person.branch_id == branch_id)
    rows = db.session.execute(in_period(stmt, period)).all()
    approvals = dict(
        db.session.execute(
            db.select(PointsRequest.entry_id, PointsRequest.decided_by_id).where(
                PointsRequest.mine_id == mine_id, PointsRequest.entry_id.is_not(None)
            )
        ).all()
    )
    names = talks.people_names(
        {e.actor_person_id for e, _ in rows if e.actor_person_id}
        | {pid for pid in approvals.values() if pid}
    )
    for entry, person in rows:
        actor = names.get(entry.actor_person_id)
        approver = names.get(approvals.get(entry.id))
        append_row(
            ws2,
            [
                entry.at,
                person.employee_no,
                person.name,
                KIND_LABELS.get(entry.kind, entry.kind),
                entry.delta,
                entry.reason,
                actor.name if actor else "系统",
                approver.name if approver else "",
            ],
        )
    append_row(ws, [])
    append_row(ws, [f"统计周期 {period.key}"])
    return workbook_bytes(wb)


MENTOR_STATUS_LABELS = {"active": "带徒中", "passed": "已出师", "ended": "已解除"}


def mentoring_ledger(branches: list[Branch]) -> bytes:
    """传帮带台账: the branches' mentoring pairs, every session and every assessment."""

    names = {b.id: b.name for b in branches}
    pairs = list(
        db.session.scalars(
            db.select(Mentorship)
            .where(Mentorship.branch_id.in_(list(names) or [0]))
            .order_by(Mentorship.starts_on, Mentorship.id)
        )
    )
    ids = [p.id for p in pairs] or [0]
    sessions = list(
        db.session.scalars(
            db.select(MentorSession)
            .where(MentorSession.mentorship_id.in_(ids))
            .order_by(MentorSession.held_on, MentorSession.id)
        )
    )
    assessments = list(
        db.session.scalars(
            db.select(MentorAssessment)
            .where(MentorAssessment.mentorship_id.in_(ids))
            .order_by(MentorAssessment.at, MentorAssessment.id)
        )
    )
    people = talks.people_names(
        {p.mentor_id for p in pairs}
        | {p.apprentice_id for p in pairs}
        | {a.assessed_by_id for a in assessments}
    )
    by_id = {p.id: p for p in pairs}
    wb = Workbook()
    ws = wb.active
    header(
        ws,
        "传帮带结对",
        [
            ("编号", 8),
            ("党支部", 16),
            ("师傅", 10),
            ("师傅工号", 10),
            ("徒弟", 10),
            ("徒弟工号", 10),
            ("技能目标", 36),
            ("安全目标", 36),
            ("开始", 12),
            ("结束", 12),
            ("带徒次数", 10),
            ("状态", 10),
        ],
    )
    counts: dict[int, int] = {}
    for s in sessions:
        counts[s.mentorship_id] = counts.get(s.mentorship_id, 0) + 1
    for p in pairs:
        append_row(
            ws,
            [
                p.id,
                names[p.branch_id],
                people[p.mentor_id].name,
                people[p.mentor_id].employee_no,
                people[p.apprentice_id].name,
                people[p.apprentice_id].employee_no,
                p.skill_goals,
                p.safety_goals,
                p.starts_on.isoformat(),
                p.ends_on.isoformat(),
                counts.get(p.id, 0),
                MENTOR_STATUS_LABELS.get(p.status, p.status),
            ],
        )
    ws2 = wb.create_sheet()
    header(
        ws2,
        "带徒记录",
        [
            ("结对编号", 10),
            ("日期", 12),
            ("师傅", 10),
            ("徒弟", 10),
            ("传授内容", 40),
            ("实操练习", 40),
        ],
    )
    for s in sessions:
        p = by_id[s.mentorship_id]
        append_row(
            ws2,
            [
                p.id,
                s.held_on.isoformat(),
                people[p.mentor_id].name,
                people[p.apprentice_id].name,
                s.taught,
                s.practice,
            ],
        )
    ws3 = wb.create_sheet()
    header(
        ws3,
        "考核",
        [
            ("结对编号", 10),
            ("时间", 18),
            ("考核", 10),
            ("结果", 8),
            ("延至", 12),
            ("意见", 40),
            ("考核人", 10),
        ],
    )
    for a in assessments:
        append_row(
            ws3,
            [
                a.mentorship_id,
                a.at,
                STAGE_LABELS[a.stage],
                RESULT_LABELS[a.result],
                a.extended_to.isoformat() if a.extended_to else "",
                a.comment,
                people[a.assessed_by_id].name,
            ],
        )
    return workbook_bytes(wb)
