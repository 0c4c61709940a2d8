"""花名册: importing the roster with a preview before anything is written (then exactly what was
previewed, optionally marking the people missing from the file as left), the template,
searching people, marking one person as left, grants, unbinding an account."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import render_template, request, url_for

from accounts import grants
from accounts import login as login_service
from accounts import queries as account_queries
from accounts.schemas import GrantIn
from console import labels, roster_files
from console.auth import committee_or_404, console_session, done, principal
from console.blueprint import bp
from console.exports import Column, export_table, select_rows, when
from console.tables import (
    arg_int,
    arg_str,
    form_value,
    load_form,
    ordered,
    paginate,
    paginate_list,
    wants_export,
)
from console.views.branch import xlsx
from domain_errors import DomainError, InvalidInput, NotFound
from models import GRANTABLE_ROLES, Person, RoleGrant, db
from models.people import POLITICAL_STATUSES
from roster import leavers
from roster import queries as roster_queries
from roster.importer import import_roster, preview_roster
from roster.template import template_workbook
from web import unit_of_work
from web.downloads import file_name

MAX_UPLOAD = 20 * 1024 * 1024
PRESENCE = {"present": "在册", "left": "已离职", "all": "全部"}
# 花名册's 导出: the table's columns (phones masked as on the page: the API lists people so).
PEOPLE_COLUMNS = [
    Column("工号", lambda r: r[0].employee_no, 12),
    Column("姓名", lambda r: r[0].name, 12),
    Column("手机号", lambda r: labels.masked_phone(r[0].phone), 14),
    Column("单位", lambda r: r[0].unit.name if r[0].unit else "", 20),
    Column("班组", lambda r: r[0].group.name if r[0].group else "", 20),
    Column("党支部", lambda r: r[0].branch.name if r[0].branch else "", 22),
    Column("政治面貌", lambda r: labels.label(r[0].political_status, "political"), 12),
    Column("干部", lambda r: "是" if r[0].is_cadre else "", 8),
    Column("微信", lambda r: "已绑定" if r[1] else "未绑定", 10),
    Column("离职时间", lambda r: when(r[0].left_at), 18),
    Column("更新时间", lambda r: when(r[0].updated_at), 18),
]


def _person(person_id: int, mine_id: int) -> Person:
    person = roster_queries.person_of_mine(person_id, mine_id)
    if person is None:
        raise NotFound()
    return person


@bp.get("/roster")
def roster():
    """People of the mine (search, filter, sort, pages), the import form and the grants."""
    mine_id = committee_or_404()
    q = arg_str("q")
    branch_id = arg_int("branch_id")
    status = arg_str("status", 16, POLITICAL_STATUSES)
    bound = arg_str("bound", 3, ("yes", "no"))
    # 在册 by default; 已离职 or everyone on request
    presence = arg_str("presence", 8, ("present", "left", "all")) or "present"
    stmt = roster_queries.people(
        mine_id, q=q, branch_id=branch_id, status=status, bound=bound, presence=presence
    )
    sorts = {
        "employee_no": Person.employee_no,
        "name": Person.name,
        "updated_at": Person.updated_at,
    }
    if wants_export():
        rows, _, _ = ordered(stmt, sorts, "employee_no", "asc", tiebreak=Person.id)
        return export_table(
            file_name("roster", (PRESENCE[presence], presence)),
            "花名册",
            PEOPLE_COLUMNS,
            select_rows(rows, rows=True),
        )
    page = paginate(stmt, sorts, "employee_no", "asc", rows=True, tiebreak=Person.id)
    grant_rows = paginate(
        account_queries.grants_of_mine(mine_id),
        {"employee_no": Person.employee_no, "role": RoleGrant.role, "at": RoleGrant.granted_at},
        "role",
        "asc",
        tiebreak=Person.employee_no,
        prefix="g_",
        page_size=10,
    )
    branches = roster_queries.branches_of_mine(mine_id)
    return render_template(
        "roster/index.html",
        page=page,
        q=q,
        branch_id=branch_id,
        status=status,
        bound=bound,
        presence=presence,
        branches=branches,
        statuses=POLITICAL_STATUSES,
        grants=grant_rows,
        roles=GRANTABLE_ROLES,
    )


def _roster_file() -> tuple[bytes, str]:
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        raise InvalidInput(errors={"file": ["请选择花名册文件（.xlsx 或 .csv）"]})
    data = upload.read(MAX_UPLOAD + 1)
    if len(data) > MAX_UPLOAD:
        raise InvalidInput(errors={"file": ["文件过大"]})
    return data, upload.filename


@bp.post("/roster/preview")
def roster_upload():
    """Upload a roster file: it is kept on the server for this session and read once (a file
    that cannot be read is refused here), then the preview page shows what it would do."""
    mine_id = committee_or_404()
    data, filename = _roster_file()
    kept = roster_files.keep(data, filename, console_session().id, mine_id)
    try:
        preview_roster(roster_queries.mine(mine_id), kept.filename, kept.data)
    except DomainError:
        roster_files.drop(kept.id)
        raise
    finally:
        db.session.rollback()  # a preview writes nothing
    return done(
        f"已读取「{kept.filename}」，请核对预览，确认后才会导入",
        to=url_for("console.roster_preview", file_id=kept.id),
    )


@bp.get("/roster/preview/<string:file_id>")
def roster_preview(file_id: str):
    """What importing the uploaded file would do (nothing is written): the sheet and header row
    read, new people, changes from → to, unchanged, row errors, people missing from the file
    (and, when chosen, marked as left), transfers, pairings that would cross branches."""
    mine_id = committee_or_404()
    kept = roster_files.load(file_id, console_session().id, mine_id)
    mark = request.args.get("mark_missing_as_left") == "1"
    report = preview_roster(
        roster_queries.mine(mine_id), kept.filename, kept.data, mark_missing_as_left=mark
    )
    db.session.rollback()
    sections = {
        key: paginate_list(getattr(report, key), prefix)
        for key, prefix in (
            ("errors", "e_"),
            ("new", "n_"),
            ("changes", "c_"),
            ("missing", "m_"),
            ("transfers", "t_"),
            ("pairing_reviews", "r_"),
            ("leaders", "l_"),
        )
    }
    return render_template(
        "roster/preview.html",
        file=kept,
        report=report,
        digest=report.digest(),
        mark=mark,
        sections=sections,
        me_missing=any(m["person_id"] == principal().person_id for m in report.missing),
        expires_at=datetime.fromtimestamp(kept.created_at + roster_files.STASH_TTL, UTC),
    )


@bp.post("/roster/import")
def roster_import():
    """Confirm a preview: import exactly what it showed (refused if the file or the roster
    changed since), all rows or none, marking the missing people as left if it said so."""
    mine_id = committee_or_404()
    file_id = (request.form.get("file_id") or "").strip()
    kept = roster_files.load(
        file_id, console_session().id, mine_id, sha256=request.form.get("sha256") or ""
    )
    mark = request.form.get("mark_missing_as_left") == "1"
    result = import_roster(
        roster_queries.mine(mine_id),
        kept.filename,
        kept.data,
        mark_missing_as_left=mark,
        actor_id=principal().person_id,
        expect_digest=request.form.get("digest") or "",
    )
    unit_of_work.after_commit(lambda: roster_files.drop(kept.id))
    left = f"，标记离职 {result.left} 人" if result.left else ""
    groups = f"、班组 {result.groups_created} 个" if result.groups_created else ""
    reviews = (
        f"；{len(result.pairing_reviews)} 个结对跨了支部，待两边书记确认"
        if result.pairing_reviews
        else ""
    )
    return done(
        f"花名册已导入：共 {result.rows} 行，新增 {result.created} 人，更新 {result.updated} 人，"
        f"未变 {result.unchanged} 人{left}；新建党支部 {result.branches_created} 个、"
        f"单位 {result.units_created} 个{groups}{reviews}",
        to=url_for("console.roster"),
    )


@bp.get("/roster/template.xlsx")
def roster_template():
    """The roster template: the header row, drop-downs for 政治面貌 and 是否干部, 填表说明."""
    committee_or_404()
    return xlsx(template_workbook(), file_name("roster-template"))


@bp.get("/roster/people/<int:person_id>/leave")
def roster_leave_form(person_id: int):
    """The confirmation of marking one person as left, saying what it will do."""
    mine_id = committee_or_404()
    person = _person(person_id, mine_id)
    return render_template(
        "roster/leave_drawer.html", person=person, impact=leavers.leave_impact(person)
    )


@bp.post("/roster/people/<int:person_id>/leave")
def roster_leave(person_id: int):
    """Mark one person as left (离职) between imports: access ends, pairings end, claims go
    back to the pool, candidacies are withdrawn; history stays."""
    mine_id = committee_or_404()
    person = _person(person_id, mine_id)
    outcome = leavers.leave(person, actor_id=principal().person_id)
    unit_of_work.flush()
    parts = [
        f"{label} {n}"
        for label, n in (
            ("结束登录", outcome.tokens_revoked),
            ("撤销权限", outcome.grants_removed),
            ("解除结对", outcome.pairings_ended),
            ("退回认领心愿", outcome.claims_returned),
            ("关闭本人心愿", outcome.wishes_closed),
            ("撤回候选资格", outcome.candidacies_withdrawn),
            ("解除职责", outcome.duties_removed),
        )
        if n
    ]
    return done(
        f"已将 {person.name}（{person.employee_no}）标记为离职"
        + ("：" + "，".join(parts) if parts else "")
    )


@bp.post("/roster/grants")
def roster_grant():
    """Make someone of the mine a branch secretary or committee staff."""
    mine_id = committee_or_404()
    data = load_form(
        GrantIn(),
        {
            # the picker's option reads "工号 姓名"
            "employee_no": form_value("employee_no").split(" ")[0],
            "role": request.form.get("role") or "",
            "branch": form_value("branch") or None,
        },
    )
    role = data["role"]
    person = login_service.person_by_employee_no(data["employee_no"], mine_id)
    g = grants.grant(person, role, data["branch"])
    unit_of_work.flush()
    where = f"（{g.branch.name}）" if g.branch else ""
    return done(f"已授予 {person.name} {'支部书记' if role == 'secretary' else '党委'}权限{where}")


@bp.post("/roster/grants/<int:grant_id>/revoke")
def roster_revoke(grant_id: int):
    """Take a grant away; the person's console session ends with it on its next request."""
    mine_id = committee_or_404()
    g = account_queries.grant_of_mine(grant_id, mine_id)
    if g is None:
        raise NotFound()
    name = g.person.name
    grants.revoke(g.person, g.role, g.branch.name if g.branch else None)
    return done(f"已撤销 {name} 的权限")


@bp.post("/roster/people/<int:person_id>/unbind")
def roster_unbind(person_id: int):
    """Free a roster entry from its WeChat account (its tokens and console sessions end)."""
    mine_id = committee_or_404()
    person = _person(person_id, mine_id)
    me = principal().person_id
    unbound = login_service.unbind(person, actor=f"person:{me}", actor_person_id=me)
    unit_of_work.flush()
    return done(f"已解除 {person.name} 的微信绑定" if unbound else f"{person.name} 未绑定微信")
