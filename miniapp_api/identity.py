"""Login, binding, `/me`, and the roster people of a branch."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask import current_app, jsonify, request
from flask.views import MethodView
from flask_smorest import Blueprint
from sqlalchemy.orm import selectinload

from accounts import login as login_service
from accounts.principal import Principal, principal_for
from accounts.schemas import BindIn, LoginIn, PeopleQuery
from accounts.tokens import revoke_session
from domain_errors import NotFound
from inputs import contains
from miniapp_api.attempts import AttemptLimit, limited
from miniapp_api.auth import (
    client_ip,
    current_account_id,
    current_principal,
    current_session,
    login_required,
)
from miniapp_api.fields import clean_text
from miniapp_api.pagination import page_of
from miniapp_api.schemas import UserSchema
from models import Branch, Person, db
from pairings.care import care_flags_by_person
from web import unit_of_work

blp = Blueprint("identity", __name__, url_prefix="/api/v1", description="登录、绑定与身份")


def user_view(p: Principal) -> dict[str, Any]:
    """The `user` object of API.md for a principal (from its plain view: no ORM row)."""
    person = p.view
    if person is None:
        return {
            "id": None,
            "bound": False,
            "employee_no": None,
            "name": None,
            "unit": None,
            "branch": None,
            "political_status": None,
            "is_cadre": None,
            "roles": [],
            "secretary_of": [],
        }
    return {
        "id": person.id,
        "bound": True,
        "employee_no": person.employee_no,
        "name": person.name,
        "unit": person.unit_name,
        "branch": {"id": person.branch_id, "name": person.branch_name}
        if person.branch_id is not None
        else None,
        "political_status": person.political_status,
        "is_cadre": person.is_cadre,
        "roles": p.roles,
        "secretary_of": p.secretary_of,
    }


class LoginOut(ma.Schema):
    token = ma.fields.String(required=True)
    expires_in = ma.fields.Integer(required=True)
    user = ma.fields.Nested(UserSchema, required=True)


class BindOut(ma.Schema):
    user = ma.fields.Nested(UserSchema, required=True)


def _failed_bind(status: int) -> bool:
    return status in (409, 422)


# Only failed attempts count: guessing 工号/姓名/手机尾号 is what these limits stop. Each attempt
# is counted before it runs and given back when it succeeds (or fails for another reason).
BIND_PER_ACCOUNT = AttemptLimit(
    "bind-account",
    lambda: current_app.config["BIND_FAILURE_LIMITS"],
    lambda: str(current_account_id()),
    _failed_bind,
)
BIND_PER_IP = AttemptLimit(
    "bind-ip", lambda: current_app.config["BIND_FAILURE_IP_LIMITS"], client_ip, _failed_bind
)


@blp.route("/auth/login")
class LoginView(MethodView):
    @blp.doc(security=[])
    @blp.arguments(LoginIn)
    @blp.response(200, LoginOut)
    def post(self, data: dict[str, Any]):
        """Exchange a `wx.login` code for a bearer token."""
        token, expires_in, account = login_service.login(
            data["code"], client_ip(), clean_text(request.headers.get("User-Agent"), 255)
        )
        unit_of_work.flush()
        return {"token": token, "expires_in": expires_in, "user": user_view(principal_for(account))}


@blp.route("/auth/bind")
class BindView(MethodView):
    decorators = [limited(BIND_PER_ACCOUNT, BIND_PER_IP)]

    @blp.arguments(BindIn)
    @blp.response(200, BindOut)
    @login_required(bound=False)
    def post(self, data: dict[str, Any]):
        """Bind this WeChat account to a roster entry (工号 + 姓名 + 手机后四位)."""
        principal = current_principal()
        login_service.bind(principal.account, data["employee_no"], data["name"], data["phone_tail"])
        unit_of_work.flush()
        return {"user": user_view(principal_for(principal.account))}


@blp.route("/auth/logout")
class LogoutView(MethodView):
    @blp.response(204)
    @login_required(bound=False)
    def post(self):
        """Revoke the token of this request."""
        revoke_session(current_session())


@blp.route("/me")
class MeView(MethodView):
    @blp.response(200, UserSchema)
    @login_required(bound=False)
    def get(self):
        """Who I am: roster entry, branch and roles (`bound: false` until bound)."""
        # Already the schema's shape (tests/accounts/test_identity.py pins UserSchema's dump of
        # it equal): answered as is, without a second pass through marshmallow on every call.
        return jsonify(user_view(current_principal()))


class PersonOut(ma.Schema):
    id = ma.fields.Integer(required=True)
    employee_no = ma.fields.String(required=True)
    name = ma.fields.String(required=True)
    unit = ma.fields.String(required=True)
    political_status = ma.fields.String(required=True)
    is_cadre = ma.fields.Boolean(required=True)
    care_flags = ma.fields.List(ma.fields.String(), required=True)


def visible_branch(principal: Principal, branch_id: int) -> Branch:
    """A branch the caller manages (secretary of it, or committee of its mine); 404 otherwise."""
    branch = db.session.get(Branch, branch_id)
    if branch is None or not principal.manages_branch(branch.id, branch.mine_id):
        raise NotFound()
    return branch


@blp.route("/branches/<int:branch_id>/people")
class BranchPeopleView(MethodView):
    @blp.arguments(PeopleQuery, location="query")
    @blp.response(200, PersonOut(many=True))
    @blp.paginate()
    @login_required("secretary", "committee")
    def get(self, query: dict[str, Any], branch_id: int, pagination_parameters):
        """The roster people of a branch, searchable by name or 工号."""
        branch = visible_branch(current_principal(), branch_id)
        stmt = db.select(Person).where(Person.branch_id == branch.id, Person.left_at.is_(None))
        if query.get("q"):
            q = query["q"]
            stmt = stmt.where(contains(Person.name, q) | contains(Person.employee_no, q))
        stmt = stmt.order_by(Person.employee_no).options(selectinload(Person.unit))
        people = page_of(stmt, pagination_parameters)
        flags = care_flags_by_person([p.id for p in people])
        return [
            {
                "id": p.id,
                "employee_no": p.employee_no,
                "name": p.name,
                "unit": p.unit.name,
                "political_status": p.political_status,
                "is_cadre": p.is_cadre,
                "care_flags": flags.get(p.id, []),
            }
            for p in people
        ]
