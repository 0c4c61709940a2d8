"""Committee tools for the roster: import over HTTP, grants, unbinding an account."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask.views import MethodView
from flask_smorest import Blueprint

from accounts import grants
from accounts import login as login_service
from accounts.schemas import GrantIn
from domain_errors import NotFound
from miniapp_api.auth import current_principal, login_required
from miniapp_api.transfers_api import ReviewPerson
from models import Mine, Person, db
from people import MAX_ID
from roster import leavers
from roster.importer import import_roster, preview_roster
from roster.schemas import RosterQuery
from roster.template import template_workbook
from spreadsheets import XLSX_MIME
from web import unit_of_work
from web.downloads import attachment, file_name

blp = Blueprint(
    "admin_people", __name__, url_prefix="/api/v1/admin", description="党委：花名册与权限"
)


class RosterUpload(ma.Schema):
    file = ma.fields.Raw(
        required=True,
        metadata={"type": "string", "format": "binary"},
        error_messages={"required": "请选择要上传的花名册文件（.xlsx 或 .csv，表单字段 file）"},
    )


class FromTo(ma.Schema):
    # "from" is a Python keyword: the attribute is named by data_key.
    from_ = ma.fields.Raw(data_key="from", attribute="from", allow_none=True)
    to = ma.fields.Raw(allow_none=True)


class NewPerson(ma.Schema):
    row = ma.fields.Integer(required=True)
    employee_no = ma.fields.String(required=True)
    name = ma.fields.String(required=True)
    unit = ma.fields.String(required=True)
    group = ma.fields.String(required=True, metadata={"description": "班组（空：不在班组）"})
    branch = ma.fields.String(required=True)
    political_status = ma.fields.String(required=True)


class PersonChange(ma.Schema):
    row = ma.fields.Integer(required=True)
    person_id = ma.fields.Integer(required=True)
    employee_no = ma.fields.String(required=True)
    name = ma.fields.String(required=True)
    fields = ma.fields.Dict(
        keys=ma.fields.String(),
        values=ma.fields.Nested(FromTo),
        required=True,
        metadata={
            "description": "变化的字段 → {from, to}：employee_no, name, phone, unit, group, "
            "branch, political_status, is_cadre, left（重新出现在花名册上的离职人员）"
        },
    )


class MissingPerson(ma.Schema):
    person_id = ma.fields.Integer(required=True)
    employee_no = ma.fields.String(required=True)
    name = ma.fields.String(required=True)
    unit = ma.fields.String(required=True)
    branch = ma.fields.String(required=True)
    bound = ma.fields.Boolean(required=True)
    pairings = ma.fields.Integer(required=True, metadata={"description": "进行中的结对"})
    claims = ma.fields.Integer(required=True, metadata={"description": "认领中的心愿"})


class Transfer(ma.Schema):
    person_id = ma.fields.Integer(required=True)
    employee_no = ma.fields.String(required=True)
    name = ma.fields.String(required=True)
    unit = ma.fields.Nested(FromTo, required=True)
    group = ma.fields.Nested(FromTo, required=True)
    branch = ma.fields.Nested(FromTo, required=True)


class NewGroup(ma.Schema):
    unit = ma.fields.String(required=True, metadata={"description": "所属区队"})
    group = ma.fields.String(required=True, metadata={"description": "新建班组的名称"})


class UnitKind(ma.Schema):
    unit = ma.fields.String(required=True)
    from_ = ma.fields.String(
        data_key="from",
        attribute="from",
        required=True,
        metadata={"description": "原类别 team / office / group / other；新单位为空"},
    )
    to = ma.fields.String(required=True)


class LeaderChange(ma.Schema):
    row = ma.fields.Integer(
        allow_none=True, required=True, metadata={"description": "行号；离职人员为 null"}
    )
    employee_no = ma.fields.String(required=True)
    name = ma.fields.String(required=True)
    unit = ma.fields.String(required=True, metadata={"description": "班组或区队"})
    duty = ma.fields.String(required=True, metadata={"description": "group_leader / team_leader"})
    change = ma.fields.String(required=True, metadata={"description": "granted / revoked"})


class CrossingPairing(ma.Schema):
    pairing_id = ma.fields.Integer(required=True)
    review_id = ma.fields.Integer(allow_none=True, required=True)
    cause = ma.fields.String(required=True)
    member = ma.fields.Nested(ReviewPerson, required=True)
    employee = ma.fields.Nested(ReviewPerson, required=True)


class RowError(ma.Schema):
    row = ma.fields.Integer(required=True)
    employee_no = ma.fields.String(required=True)
    errors = ma.fields.Dict(
        keys=ma.fields.String(), values=ma.fields.List(ma.fields.String()), required=True
    )


class Warning_(ma.Schema):
    row = ma.fields.Integer(allow_none=True, required=True)
    message = ma.fields.String(required=True)


class RosterResult(ma.Schema):
    ok = ma.fields.Boolean(required=True, metadata={"description": "没有错误行"})
    dry_run = ma.fields.Boolean(required=True)
    mark_missing_as_left = ma.fields.Boolean(required=True)
    sheet = ma.fields.String(
        allow_none=True, required=True, metadata={"description": "读取的工作表（CSV 为 null）"}
    )
    header_row = ma.fields.Integer(required=True, metadata={"description": "表头所在行号"})
    columns = ma.fields.Dict(
        keys=ma.fields.String(),
        values=ma.fields.String(),
        required=True,
        metadata={"description": "列 → 文件中的表头文字"},
    )
    ignored_columns = ma.fields.List(ma.fields.String(), required=True)
    rows = ma.fields.Integer(required=True)
    created = ma.fields.Integer(required=True)
    updated = ma.fields.Integer(required=True)
    unchanged = ma.fields.Integer(required=True)
    left = ma.fields.Integer(required=True, metadata={"description": "标记为离职的人数"})
    branches_created = ma.fields.Integer(required=True)
    units_created = ma.fields.Integer(required=True)
    groups_created = ma.fields.Integer(required=True, metadata={"description": "新建的班组数"})
    new = ma.fields.List(ma.fields.Nested(NewPerson), required=True)
    changes = ma.fields.List(ma.fields.Nested(PersonChange), required=True)
    missing = ma.fields.List(
        ma.fields.Nested(MissingPerson),
        required=True,
        metadata={"description": "花名册中有、文件中没有的人员"},
    )
    transfers = ma.fields.List(ma.fields.Nested(Transfer), required=True)
    pairing_reviews = ma.fields.List(
        ma.fields.Nested(CrossingPairing),
        required=True,
        metadata={"description": "调动后跨支部的结对：预览时为将要出现的，导入后为待确认的"},
    )
    new_groups = ma.fields.List(ma.fields.Nested(NewGroup), required=True)
    unit_kinds = ma.fields.List(
        ma.fields.Nested(UnitKind),
        required=True,
        metadata={"description": "按单位类别、班组或区队长设定类别的单位"},
    )
    leaders = ma.fields.List(
        ma.fields.Nested(LeaderChange),
        required=True,
        metadata={"description": "班组长、区队长的任命与解除（调动、不再任职、离职）"},
    )
    errors = ma.fields.List(ma.fields.Nested(RowError), required=True)
    warnings = ma.fields.List(ma.fields.Nested(Warning_), required=True)


def _my_mine() -> Mine:
    return db.session.get(Mine, current_principal().person.mine_id)


@blp.route("/roster")
class RosterImportView(MethodView):
    @blp.arguments(RosterQuery, location="query")
    @blp.arguments(RosterUpload, location="files")
    @blp.response(200, RosterResult)
    @login_required("committee")
    def post(self, query: dict[str, Any], files: dict[str, Any]):
        """Import the roster (.xlsx or .csv, multipart `file`): all rows or none.

        `?dry_run=true` answers what would change (new, updated with the fields, unchanged, row
        errors, people missing from the file, transfers, pairings that would cross branches)
        and writes nothing. `?mark_missing_as_left=true` marks people missing from the file as
        left (离职). Every answer names the sheet and header row that were read.
        """
        upload = files["file"]
        data, name = upload.read(), upload.filename or ""
        mark = query["mark_missing_as_left"]
        if query["dry_run"]:
            report = preview_roster(_my_mine(), name, data, mark_missing_as_left=mark)
            db.session.rollback()
        else:
            report = import_roster(
                _my_mine(),
                name,
                data,
                mark_missing_as_left=mark,
                actor_id=current_principal().person_id,
            )
        return report.as_dict()


@blp.route("/roster/template.xlsx")
class RosterTemplateView(MethodView):
    @blp.response(200, content_type=XLSX_MIME)
    @login_required("committee")
    def get(self):
        """The roster template: header row, drop-downs for 政治面貌 and 是否干部, 填表说明."""
        return attachment(template_workbook(), file_name("roster-template"), XLSX_MIME)


class GrantOut(ma.Schema):
    person_id = ma.fields.Integer(required=True)
    role = ma.fields.String(required=True)
    branch_id = ma.fields.Integer(allow_none=True, required=True)


def _person_in_my_mine(employee_no: str) -> Person:
    mine_id = current_principal().person.mine_id
    return login_service.person_by_employee_no(employee_no, mine_id)


@blp.route("/grants")
class GrantsView(MethodView):
    @blp.arguments(GrantIn)
    @blp.response(201, GrantOut)
    @login_required("committee")
    def post(self, data: dict[str, Any]):
        """Make someone of my mine a branch secretary or committee staff."""
        person = _person_in_my_mine(data["employee_no"])
        g = grants.grant(person, data["role"], data.get("branch"))
        unit_of_work.flush()
        return {"person_id": g.person_id, "role": g.role, "branch_id": g.branch_id}


class LeaveOut(ma.Schema):
    people = ma.fields.Integer(required=True)
    tokens_revoked = ma.fields.Integer(required=True)
    grants_removed = ma.fields.Integer(required=True)
    pairings_ended = ma.fields.Integer(required=True)
    claims_returned = ma.fields.Integer(required=True)
    wishes_closed = ma.fields.Integer(required=True)
    candidacies_withdrawn = ma.fields.Integer(required=True)
    duties_removed = ma.fields.Integer(
        required=True, metadata={"description": "结束的区队长、班组长、评分人职责"}
    )


def _person_of_my_mine(person_id: int) -> Person:
    principal = current_principal()
    person = db.session.get(Person, person_id) if 0 < person_id <= MAX_ID else None
    if person is None or person.mine_id not in principal.committee_of:
        raise NotFound()
    return person


@blp.route("/people/<int:person_id>/leave")
class LeaveView(MethodView):
    @blp.response(200, LeaveOut)
    @login_required("committee")
    def post(self, person_id: int):
        """Mark one person as left (离职) between two roster imports: tokens revoked, pairings
        ended (离职), open claims back to the pool with the wisher told; history kept."""
        person = _person_of_my_mine(person_id)
        outcome = leavers.leave(person, actor_id=current_principal().person_id)
        return outcome


class UnbindOut(ma.Schema):
    unbound = ma.fields.Boolean(required=True)


@blp.route("/people/<int:person_id>/unbind")
class UnbindView(MethodView):
    @blp.response(200, UnbindOut)
    @login_required("committee")
    def post(self, person_id: int):
        """Free a roster entry for another WeChat account (rebinding is an admin act)."""
        person = _person_of_my_mine(person_id)
        me = current_principal().person_id
        done = login_service.unbind(person, actor=f"person:{me}", actor_person_id=me)
        return {"unbound": done}
