"""Committee tools for the roster: import over HTTP, grants, unbinding an account."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

import marshmallow as ma
from flask.views import MethodView
from flask_smorest import Blueprint

from accounts import grants
from accounts import login as login_service
from accounts.roster import import_roster
from domain_errors import InvalidInput, NotFound
from miniapp_api.auth import current_principal, login_required
from miniapp_api.fields import Text
from models import Mine, Person, db

blp = Blueprint(
    "admin_people", __name__, url_prefix="/api/v1/admin", description="党委：花名册与权限"
)


class RosterUpload(ma.Schema):
    file = ma.fields.Raw(required=True, metadata={"type": "string", "format": "binary"})


class RosterResult(ma.Schema):
    rows = ma.fields.Integer(required=True)
    created = ma.fields.Integer(required=True)
    updated = ma.fields.Integer(required=True)
    unchanged = ma.fields.Integer(required=True)
    branches_created = ma.fields.Integer(required=True)
    units_created = ma.fields.Integer(required=True)


@blp.route("/roster")
class RosterImportView(MethodView):
    @blp.arguments(RosterUpload, location="files")
    @blp.response(200, RosterResult)
    @login_required("committee")
    def post(self, files: dict[str, Any]):
        """Import the roster (.xlsx or .csv, multipart field `file`): all rows or none."""
        upload = files["file"]
        if not hasattr(upload, "read"):
            raise InvalidInput(errors={"file": ["请上传文件"]})
        person = current_principal().person
        mine = db.session.get(Mine, person.mine_id)
        result = import_roster(mine, upload.filename or "", upload.read())
        db.session.commit()
        out = asdict(result)
        out.pop("errors")
        return out


class GrantIn(ma.Schema):
    employee_no = Text(32, blank=False, required=True)
    role = ma.fields.String(required=True, validate=ma.validate.OneOf(["secretary", "committee"]))
    branch = Text(100, load_default=None, metadata={"description": "党支部名称（书记必填）"})


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
        db.session.commit()
        return {"person_id": g.person_id, "role": g.role, "branch_id": g.branch_id}


class UnbindOut(ma.Schema):
    unbound = ma.fields.Boolean(required=True)


@blp.route("/people/<int:person_id>/unbind")
class UnbindView(MethodView):
    @blp.response(200, UnbindOut)
    @login_required("committee")
    def post(self, person_id: int):
        """Free a roster entry for another WeChat account (rebinding is an admin act)."""
        principal = current_principal()
        person = db.session.get(Person, person_id)
        if person is None or person.mine_id not in principal.committee_of:
            raise NotFound()
        done = login_service.unbind(person, actor=f"person:{principal.person_id}")
        db.session.commit()
        return {"unbound": done}
