"""花名册: importing the roster, searching people, grants, unbinding an account.

The import preview (a dry run before anything is written) comes with the roster stream's
next round; the import form is where it slots in."""

from __future__ import annotations

from flask import render_template, request
from sqlalchemy.orm import joinedload

from accounts import grants
from accounts import login as login_service
from console.auth import committee_or_404, done, principal
from console.blueprint import bp
from console.tables import arg_int, arg_str, paginate
from console.views.branch import _form
from domain_errors import InvalidInput, NotFound
from models import GRANTABLE_ROLES, Account, Branch, Mine, Person, RoleGrant, db
from models.people import POLITICAL_STATUSES
from roster.importer import import_roster

MAX_UPLOAD = 20 * 1024 * 1024


def _person(person_id: int, mine_id: int) -> Person:
    person = db.session.get(Person, person_id) if 0 < person_id < 2**31 else None
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
    stmt = (
        db.select(Person, Account)
        .outerjoin(Account, Account.person_id == Person.id)
        .where(Person.mine_id == mine_id)
        .options(joinedload(Person.unit), joinedload(Person.branch))
    )
    if q:
        like = f"%{q}%"
        stmt = stmt.where(
            Person.name.like(like) | Person.employee_no.like(like) | Person.phone.like(like)
        )
    if branch_id:
        stmt = stmt.where(Person.branch_id == branch_id)
    if status:
        stmt = stmt.where(Person.political_status == status)
    if bound:
        stmt = stmt.where(Account.id.is_not(None) if bound == "yes" else Account.id.is_(None))
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
        branches=branches,
        statuses=POLITICAL_STATUSES,
        grants=grant_rows,
        roles=GRANTABLE_ROLES,
    )


@bp.post("/roster/import")
def roster_import():
    """Import a roster file: all rows or none; the answer names every bad row."""
    mine_id = committee_or_404()
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        raise InvalidInput(errors={"file": ["请选择花名册文件（.xlsx 或 .csv）"]})
    data = upload.read(MAX_UPLOAD + 1)
    if len(data) > MAX_UPLOAD:
        raise InvalidInput(errors={"file": ["文件过大"]})
    result = import_roster(db.session.get(Mine, mine_id), upload.filename, data)
    db.session.commit()
    return done(
        f"花名册已导入：共 {result.rows} 行，新增 {result.created} 人，更新 {result.updated} 人，"
        f"未变 {result.unchanged} 人；新建党支部 {result.branches_created} 个、"
        f"单位 {result.units_created} 个"
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
    g = db.session.get(RoleGrant, grant_id) if 0 < grant_id < 2**31 else None
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
