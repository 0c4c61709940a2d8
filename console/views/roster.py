"""花名册: importing the roster with a preview before anything is written (then exactly what was
previewed, optionally marking the people missing from the file as left), the template,
searching people, marking one person as left, grants, unbinding an account."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import render_template, request, url_for
from sqlalchemy.orm import joinedload

from accounts import grants
from accounts import login as login_service
from console import roster_files
from console.auth import committee_or_404, console_session, done, principal
from console.blueprint import bp
from console.tables import arg_int, arg_str, paginate, paginate_list
from console.views.branch import _form, xlsx
from domain_errors import DomainError, InvalidInput, NotFound
from inputs import contains
from models import GRANTABLE_ROLES, Account, Branch, Mine, Person, RoleGrant, db
from models.people import POLITICAL_STATUSES
from people import MAX_ID
from roster import leavers
from roster.importer import import_roster, preview_roster
from roster.template import TEMPLATE_FALLBACK, TEMPLATE_NAME, template_workbook

MAX_UPLOAD = 20 * 1024 * 1024


def _person(person_id: int, mine_id: int) -> Person:
    person = db.session.get(Person, person_id) if 0 < person_id <= MAX_ID else None
    if person is None or person.mine_id != mine_id:
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
    stmt = (
        db.select(Person, Account)
        .outerjoin(Account, Account.person_id == Person.id)
        .where(Person.mine_id == mine_id)
        .options(joinedload(Person.unit), joinedload(Person.branch))
    )
    if q:
        found = contains(Person.name, q) | contains(Person.employee_no, q)
        if q.isascii() and q.isdigit() and len(q) <= 4:
            # Only the last four digits are shown: a search by phone reveals no more.
            found = found | Person.phone.like(f"%{q}")
        stmt = stmt.where(found)
    if branch_id:
        stmt = stmt.where(Person.branch_id == branch_id)
    if status:
        stmt = stmt.where(Person.political_status == status)
    if bound:
        stmt = stmt.where(Account.id.is_not(None) if bound == "yes" else Account.id.is_(None))
    if presence != "all":
        stmt = stmt.where(
            Person.left_at.is_(None) if presence == "present" else Person.left_at.is_not(None)
        )
    page = paginate(
        stmt,
        {"employee_no": Person.employee_no, "name": Person.name, "updated_at": Person.updated_at},
        "employee_no",
        "asc",
        rows=True,
        tiebreak=Person.id,
    )
    grant_rows = paginate(
        db.select(RoleGrant)
        .join(Person, Person.id == RoleGrant.person_id)
        .where(Person.mine_id == mine_id)
        .options(joinedload(RoleGrant.person), joinedload(RoleGrant.branch)),
        {"employee_no": Person.employee_no, "role": RoleGrant.role, "at": RoleGrant.granted_at},
        "role",
        "asc",
        tiebreak=Person.employee_no,
        prefix="g_",
        page_size=10,
    )
    branches = db.session.scalars(
        db.select(Branch).where(Branch.mine_id == mine_id).order_by(Branch.name)
    ).all()
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
        preview_roster(db.session.get(Mine, mine_id), kept.filename, kept.data)
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
        db.session.get(Mine, mine_id), kept.filename, kept.data, mark_missing_as_left=mark
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
        db.session.get(Mine, mine_id),
        kept.filename,
        kept.data,
        mark_missing_as_left=mark,
        actor_id=principal().person_id,
        expect_digest=request.form.get("digest") or "",
    )
    db.session.commit()
    roster_files.drop(kept.id)
    left = f"，标记离职 {result.left} 人" if result.left else ""
    reviews = (
        f"；{len(result.pairing_reviews)} 个结对跨了支部，待两边书记确认"
        if result.pairing_reviews
        else ""
    )
    return done(
        f"花名册已导入：共 {result.rows} 行，新增 {result.created} 人，更新 {result.updated} 人，"
        f"未变 {result.unchanged} 人{left}；新建党支部 {result.branches_created} 个、"
        f"单位 {result.units_created} 个{reviews}",
        to=url_for("console.roster"),
    )


@bp.get("/roster/template.xlsx")
def roster_template():
    """The roster template: the header row, drop-downs for 政治面貌 and 是否干部, 填表说明."""
    committee_or_404()
    return xlsx(template_workbook(), TEMPLATE_NAME, TEMPLATE_FALLBACK)


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
    db.session.commit()
    parts = [
        f"{label} {n}"
        for label, n in (
            ("结束登录", outcome.tokens_revoked),
            ("撤销权限", outcome.grants_removed),
            ("解除结对", outcome.pairings_ended),
            ("退回认领心愿", outcome.claims_returned),
            ("关闭本人心愿", outcome.wishes_closed),
            ("撤回候选资格", outcome.candidacies_withdrawn),
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
    employee_no = _form("employee_no", 32).split(" ")[0]
    role = request.form.get("role") or ""
    person = login_service.person_by_employee_no(employee_no, mine_id)
    g = grants.grant(person, role, _form("branch", 100) or None)
    db.session.commit()
    where = f"（{g.branch.name}）" if g.branch else ""
    return done(f"已授予 {person.name} {'支部书记' if role == 'secretary' else '党委'}权限{where}")


@bp.post("/roster/grants/<int:grant_id>/revoke")
def roster_revoke(grant_id: int):
    """Take a grant away; the person's console session ends with it on its next request."""
    mine_id = committee_or_404()
    g = db.session.get(RoleGrant, grant_id) if 0 < grant_id <= MAX_ID else None
    if g is None or g.person.mine_id != mine_id:
        raise NotFound()
    name = g.person.name
    grants.revoke(g.person, g.role, g.branch.name if g.branch else None)
    db.session.commit()
    return done(f"已撤销 {name} 的权限")


@bp.post("/roster/people/<int:person_id>/unbind")
def roster_unbind(person_id: int):
    """Free a roster entry from its WeChat account (its tokens and console sessions end)."""
    mine_id = committee_or_404()
    person = _person(person_id, mine_id)
    unbound = login_service.unbind(person, actor=f"person:{principal().person_id}")
    db.session.commit()
    return done(f"已解除 {person.name} 的微信绑定" if unbound else f"{person.name} 未绑定微信")
