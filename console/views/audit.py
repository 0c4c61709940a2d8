"""审计: points adjustments (those waiting for a second committee member's decision, and every
one decided), talk-record reads, binds and unbinds, console sign-ins, people marked as left (and
back on a roster), objections answered (the committee's mine)."""

from __future__ import annotations

from flask import render_template

from accounts import queries as account_queries
from console import labels
from console.auth import committee_or_404, principal
from console.blueprint import bp
from console.exports import Column, export_table, select_rows, when
from console.tables import arg_int, arg_str, ordered, paginate, wants_export
from console.views import points
from models import (
    LEAVE_ACTIONS,
    BindAudit,
    ConsoleSignIn,
    LeaveRecord,
    Objection,
    TalkAccess,
)
from pairings import queries as pairing_queries
from pairings import talks
from roster import queries as roster_queries
from votes import queries as vote_queries
from web.downloads import file_name

SECTIONS = ("points", "talks", "binds", "signins", "leavers", "objections")


TITLES = {
    "talks": "谈心记录查阅",
    "binds": "绑定与解绑",
    "signins": "控制台登录",
    "leavers": "离职登记",
    "objections": "异议答复",
}


def _who(person) -> str:
    return f"{person.name}（{person.employee_no}）" if person else ""


# Each section's 导出: the table's columns, every row the filters select.
POINTS_COLUMNS = [
    Column("提交时间", lambda r: when(r.request.requested_at), 18),
    Column("党员", lambda r: _who(r.request.person), 18),
    Column("党支部", lambda r: r.request.person.branch.name if r.request.person.branch else "", 22),
    Column("分值", lambda r: r.request.delta, 8),
    Column("申请原因", lambda r: r.request.reason, 40),
    Column("提出人", lambda r: _who(r.request.requested_by), 18),
    Column("状态", lambda r: labels.label(r.request.status, "request_status"), 10),
    Column("审批人", lambda r: _who(r.request.decided_by), 18),
    Column("审批时间", lambda r: when(r.request.decided_at), 18),
    Column("审批意见", lambda r: r.request.decision_reason or "", 40),
    Column("评选候选人", lambda r: "；".join(c["title"] for c in r.candidacies), 24),
]
COLUMNS = {
    "binds": [
        Column("时间", lambda r: when(r[0].at, "%Y-%m-%d %H:%M:%S"), 20),
        Column("操作", lambda r: labels.label(r[0].action, "bind_action"), 8),
        Column("人员", lambda r: _who(r[1]), 18),
        Column("微信账号", lambda r: f"#{r[2].id}", 10),
        Column("操作人", lambda r: r[0].actor or "本人", 18),
    ],
    "leavers": [
        Column("时间", lambda r: when(r[0].at, "%Y-%m-%d %H:%M:%S"), 20),
        Column("操作", lambda r: "标记离职" if r[0].action == "left" else "恢复在册", 10),
        Column("人员", lambda r: _who(r[1]), 18),
        Column("方式", lambda r: labels.label(r[0].source, "leave_source"), 12),
        Column("操作人", lambda r: _who(r[2]) or "命令行或系统", 18),
    ],
    "objections": [
        Column("答复时间", lambda r: when(r[0].answered_at, "%Y-%m-%d %H:%M:%S"), 20),
        Column("评选", lambda r: r[1], 24),
        Column("针对", lambda r: r[2], 14),
        Column("异议人", lambda r: _who(r[3]), 18),
        Column("结果", lambda r: labels.label(r[0].status, "objection_status"), 10),
        Column("答复理由", lambda r: r[0].answer or "", 40),
        Column("答复人", lambda r: _who(r[4]), 18),
    ],
    "signins": [
        Column("时间", lambda r: when(r[0].at, "%Y-%m-%d %H:%M:%S"), 20),
        Column("人员", lambda r: _who(r[1]), 18),
        Column("方式", lambda r: labels.label(r[0].method, "sign_in_method"), 10),
        Column("IP", lambda r: r[0].ip or "", 16),
        Column("浏览器", lambda r: r[0].user_agent or "", 40),
    ],
}


def talk_columns(names: dict) -> list[Column]:
    def name(person_id: int) -> str:
        return names[person_id].name if person_id in names else ""

    return [
        Column("时间", lambda r: when(r[0].at, "%Y-%m-%d %H:%M:%S"), 20),
        Column("查阅人", lambda r: _who(r[1]), 18),
        Column("方式", lambda r: labels.label(r[0].action, "access_action"), 10),
        Column("谈心记录", lambda r: f"#{r[0].talk_id} · {r[2].month}", 16),
        Column("党员", lambda r: name(r[2].member_id), 12),
        Column("职工", lambda r: name(r[2].employee_id), 12),
        Column("IP", lambda r: r[0].ip or "", 16),
    ]


def _sorted(stmt, at, tiebreak):
    """A section's select in the table's order (its one sortable column is the time)."""
    rows, _, _ = ordered(stmt, {"at": at}, "at", tiebreak=tiebreak)
    return rows


def _export(section: str, columns: list[Column], rows: list):
    return export_table(file_name("audit-" + section), TITLES[section], columns, rows)


@bp.get("/audit")
def audit():
    """One audit section at a time, each a filtered, sorted, paged table."""
    mine_id = committee_or_404()
    section = arg_str("section", 10, SECTIONS) or "points"
    q = arg_str("q")
    context: dict = {"section": section, "q": q}
    if section == "points":
        context.update(points.audit_context())
        if "export" in context:
            return export_table(
                file_name("audit-points"), "积分调整", POINTS_COLUMNS, context["export"]
            )
        return render_template("audit.html", **context)
    if section == "talks":
        talk_id = arg_int("talk_id")
        stmt = pairing_queries.talk_reads(principal(), talk_id, q)
        context["talk_id"] = talk_id
        if wants_export():
            rows = select_rows(_sorted(stmt, TalkAccess.at, TalkAccess.id), rows=True)
            names = talks.people_names(
                {t.member_id for _, _, t in rows} | {t.employee_id for _, _, t in rows}
            )
            return _export("talks", talk_columns(names), rows)
        page = paginate(stmt, {"at": TalkAccess.at}, "at", rows=True, tiebreak=TalkAccess.id)
        context["names"] = talks.people_names(
            {t.member_id for _, _, t in page.items} | {t.employee_id for _, _, t in page.items}
        )
    elif section == "binds":
        action = arg_str("action", 8, ("bind", "unbind"))
        stmt = account_queries.bind_records(mine_id, action, q)
        context["action"] = action
        if wants_export():
            rows = select_rows(_sorted(stmt, BindAudit.at, BindAudit.id), rows=True)
            return _export("binds", COLUMNS["binds"], rows)
        page = paginate(stmt, {"at": BindAudit.at}, "at", rows=True, tiebreak=BindAudit.id)
    elif section == "leavers":
        action = arg_str("action", 8, LEAVE_ACTIONS)
        stmt = roster_queries.leave_records(mine_id, action, q)
        context["action"] = action
        if wants_export():
            rows = select_rows(_sorted(stmt, LeaveRecord.at, LeaveRecord.id), rows=True)
            return _export("leavers", COLUMNS["leavers"], rows)
        page = paginate(stmt, {"at": LeaveRecord.at}, "at", rows=True, tiebreak=LeaveRecord.id)
    elif section == "objections":
        status = arg_str("status", 10, ("upheld", "dismissed"))
        stmt = vote_queries.answered_objections(mine_id, status, q)
        context["status"] = status
        if wants_export():
            rows = select_rows(_sorted(stmt, Objection.answered_at, Objection.id), rows=True)
            return _export("objections", COLUMNS["objections"], rows)
        page = paginate(stmt, {"at": Objection.answered_at}, "at", rows=True, tiebreak=Objection.id)
    else:
        method = arg_str("method", 8, ("scan", "demo"))
        stmt = account_queries.console_sign_ins(mine_id, method, q)
        context["method"] = method
        if wants_export():
            rows = select_rows(_sorted(stmt, ConsoleSignIn.at, ConsoleSignIn.id), rows=True)
            return _export("signins", COLUMNS["signins"], rows)
        page = paginate(stmt, {"at": ConsoleSignIn.at}, "at", rows=True, tiebreak=ConsoleSignIn.id)
    return render_template("audit.html", page=page, **context)
