"""Login, binding, `/me`, and the roster people of a branch."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask import current_app, request
from flask.views import MethodView
from flask_smorest import Blueprint
from sqlalchemy.orm import selectinload

from accounts import login as login_service
from accounts.principal import Principal, principal_for
from accounts.tokens import revoke_session
from domain_errors import NotFound
from miniapp_api.auth import client_ip, current_principal, current_session, login_required
from miniapp_api.extensions import limiter
from miniapp_api.pagination import page_of
from miniapp_api.schemas import UserSchema
from models import Branch, Person, db
from pairings.care import care_flags_by_person

blp = Blueprint("identity", __name__, url_prefix="/api/v1", description="登录、绑定与身份")


def user_view(p: Principal) -> dict[str, Any]:
    """The `user` object of API.md for a principal."""
    person = p.person
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
        "unit": person.unit.name,
        "branch": {"id": person.branch.id, "name": person.branch.name} if person.branch else None,
        "political_status": person.political_status,
        "is_cadre": person.is_cadre,
        "roles": p.roles,
        "secretary_of": p.secretary_of,
    }


class LoginIn(ma.Schema):
    code = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=128))


class LoginOut(ma.Schema):
    token = ma.fields.String(required=True)
    expires_in = ma.fields.Integer(required=True)
    user = ma.fields.Nested(UserSchema, required=True)


class BindIn(ma.Schema):
    employee_no = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=32))
    name = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=64))
    phone_tail = ma.fields.String(
        required=True, validate=ma.validate.Regexp(r"^\d{4}$", error="请输入手机号后四位数字")
    )


class BindOut(ma.Schema):
    user = ma.fields.Nested(UserSchema, required=True)


def _account_key() -> str:
    """Rate-limit key for bind attempts: the account behind the token."""
    try:
        return f"bind-account:{current_session().account_id}"
    except Exception:  # noqa: BLE001 - unauthenticated: the view answers 401 anyway
        return f"bind-ip:{client_ip()}"


def _failed_bind(response) -> bool:
    return response.status_code in (409, 422)


@blp.route("/auth/login")
class LoginView(MethodView):
    @blp.doc(security=[])
    @blp.arguments(LoginIn)
    @blp.response(200, LoginOut)
    def post(self, data: dict[str, Any]):
        """Exchange a `wx.login` code for a bearer token."""
        token, expires_in, account = login_service.login(
            data["code"], client_ip(), request.headers.get("User-Agent")
        )
        db.session.commit()
        return {"token": token, "expires_in": expires_in, "user": user_view(principal_for(account))}


def _bind_limits() -> str:
    return current_app.config["BIND_FAILURE_LIMITS"]


def _bind_ip_limits() -> str:
    return current_app.config["BIND_FAILURE_IP_LIMITS"]


@blp.route("/auth/bind")
class BindView(MethodView):
    # Only failed attempts count: guessing 工号/姓名/手机尾号 is what these limits stop.
    decorators = [
        limiter.limit(
            _bind_limits, key_func=_account_key, deduct_when=_failed_bind, scope="bind-account"
        ),
        limiter.limit(
            _bind_ip_limits,
            key_func=lambda: f"bind-ip:{client_ip()}",
            deduct_when=_failed_bind,
            scope="bind-ip",
        ),
    ]

    @blp.arguments(BindIn)
    @blp.response(200, BindOut)
    @login_required(bound=False)
    def post(self, data: dict[str, Any]):
        """Bind this WeChat account to a roster entry (工号 + 姓名 + 手机后四位)."""
        principal = current_principal()
        login_service.bind(principal.account, data["employee_no"], data["name"], data["phone_tail"])
        db.session.commit()
        return {"user": user_view(principal_for(principal.account))}


@blp.route("/auth/logout")
class LogoutView(MethodView):
    @blp.response(204)
    @login_required(bound=False)
    def post(self):
        """Revoke the token of this request."""
        revoke_session(current_session())
        db.session.commit()


@blp.route("/me")
class MeView(MethodView):
    @blp.response(200, UserSchema)
    @login_required(bound=False)
    def get(self):
        """Who I am: roster entry, branch and roles (`bound: false` until bound)."""
        return user_view(current_principal())


class PeopleQuery(ma.Schema):
    q = ma.fields.String(load_default=None, validate=ma.validate.Length(max=64))


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
            like = f"%{query['q']}%"
            stmt = stmt.where(Person.name.like(like) | Person.employee_no.like(like))
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
