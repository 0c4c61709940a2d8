"""The honour roll (荣誉墙) over HTTP: the public roll by year and category, an honour, a
person's page; the committee's roll with revoked honours, revoke / restore, the export."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask import Response, current_app
from flask.views import MethodView
from flask_smorest import Blueprint

from honours import exports, posters, queries, services
from honours.schemas import AdminRollQuery, RevokeIn, RollQuery
from miniapp_api.auth import current_principal, login_required
from miniapp_api.pagination import page_of
from models.honours import HONOUR_KINDS
from spreadsheets import XLSX_MIME
from web import unit_of_work
from web.downloads import attachment, file_name

blp = Blueprint("honours", __name__, url_prefix="/api/v1", description="荣誉榜（选树典型）")


class HonourOut(ma.Schema):
    id = ma.fields.Integer(required=True)
    kind = ma.fields.String(required=True, validate=ma.validate.OneOf(HONOUR_KINDS))
    person_id = ma.fields.Integer(allow_none=True, required=True)
    name = ma.fields.String(required=True, metadata={"description": "the person's, or the team's"})
    unit = ma.fields.String(required=True)
    category = ma.fields.String(allow_none=True, required=True)
    category_name = ma.fields.String(required=True)
    title = ma.fields.String(required=True)
    year = ma.fields.Integer(required=True)
    quarter = ma.fields.String(
        allow_none=True, required=True, metadata={"description": "YYYY-Qn of an assessment's"}
    )
    campaign_id = ma.fields.Integer(allow_none=True, required=True)
    citation = ma.fields.String(required=True)
    photo_url = ma.fields.String(allow_none=True, required=True)
    awarded_on = ma.fields.Date(required=True)


class AdminHonourOut(HonourOut):
    revoked_at = ma.fields.DateTime(allow_none=True, required=True)
    revoke_reason = ma.fields.String(allow_none=True, required=True)


class YearOut(ma.Schema):
    year = ma.fields.Integer(required=True)
    count = ma.fields.Integer(required=True)


class QuarterOut(ma.Schema):
    quarter = ma.fields.String(required=True, metadata={"description": "YYYY-Qn"})
    count = ma.fields.Integer(required=True)


class PersonHonoursOut(ma.Schema):
    person_id = ma.fields.Integer(required=True)
    name = ma.fields.String(required=True)
    unit = ma.fields.String(required=True)
    honours = ma.fields.List(ma.fields.Nested(HonourOut), required=True)


@blp.route("/honours")
class RollView(MethodView):
    @blp.arguments(RollQuery, location="query")
    @blp.response(200, HonourOut(many=True))
    @blp.paginate()
    @login_required()
    def get(self, query: dict[str, Any], pagination_parameters):
        """The mine's public honour roll: standing honours, newest year first; by year,
        quarter, category, kind (campaign honourees, 六好区队, 六型班组, 优秀班组长) or part of a
        name."""
        stmt = queries.roll(current_principal(), **query)
        return [queries.honour_out(h) for h in page_of(stmt, pagination_parameters)]


@blp.route("/honours/years")
class YearsView(MethodView):
    @blp.response(200, YearOut(many=True))
    @login_required()
    def get(self):
        """The years on the roll, with how many honours each."""
        return queries.years(current_principal())


@blp.route("/honours/quarters")
class QuartersView(MethodView):
    @blp.response(200, QuarterOut(many=True))
    @login_required()
    def get(self):
        """The quarters of the assessments' honours on the roll, with how many each."""
        return queries.quarters(current_principal())


@blp.route("/honours/<int:honour_id>")
class HonourView(MethodView):
    @blp.response(200, HonourOut)
    @login_required()
    def get(self, honour_id: int):
        """One standing honour of my mine."""
        return queries.honour_out(queries.public_honour(honour_id, current_principal()))


@blp.route("/honours/<int:honour_id>/poster")
class HonourPosterView(MethodView):
    @blp.response(200, content_type="image/png")
    @login_required()
    def get(self, honour_id: int):
        """The honour's shareable poster (PNG, 750 × 1334): photo, name, title, citation and
        the mini-program code of the honour's page; never a phone number."""
        honour = queries.public_honour(honour_id, current_principal())
        png = posters.honour_poster(
            honour, current_app.config["POSTER_FONT"], current_app.config["IMAGE_MAX_PIXELS"]
        )
        return Response(
            png, mimetype="image/png", headers={"Cache-Control": "private, max-age=3600"}
        )


@blp.route("/people/<int:person_id>/honours")
class PersonHonoursView(MethodView):
    @blp.response(200, PersonHonoursOut)
    @login_required()
    def get(self, person_id: int):
        """A person's page: name, unit and every standing honour (never a phone number)."""
        return queries.person_page(person_id, current_principal())


@blp.route("/admin/honours")
class AdminRollView(MethodView):
    @blp.arguments(AdminRollQuery, location="query")
    @blp.response(200, AdminHonourOut(many=True))
    @blp.paginate()
    @login_required("committee")
    def get(self, query: dict[str, Any], pagination_parameters):
        """The committee's roll, revoked honours included (`revoked` filters)."""
        query.setdefault("revoked", None)
        stmt = queries.roll(current_principal(), **query)
        return [queries.honour_out(h, committee=True) for h in page_of(stmt, pagination_parameters)]


@blp.route("/admin/honours/export.xlsx")
class ExportView(MethodView):
    @blp.arguments(AdminRollQuery, location="query")
    @blp.response(200, content_type=XLSX_MIME)
    @login_required("committee")
    def get(self, query: dict[str, Any]):
        """The roll as .xlsx (Chinese headers), revoked honours marked."""
        query.setdefault("revoked", None)
        data = exports.roll_workbook(queries.roll(current_principal(), **query))
        return attachment(data, file_name("honours"), XLSX_MIME)


@blp.route("/admin/honours/<int:honour_id>/revoke")
class RevokeView(MethodView):
    @blp.arguments(RevokeIn)
    @blp.response(200, AdminHonourOut)
    @login_required("committee")
    def post(self, data: dict[str, Any], honour_id: int):
        """Revoke an honour with a reason (audited): it leaves the public roll; 409
        honour_revoked when it already was."""
        h = services.revoke(honour_id, current_principal(), data["reason"])
        unit_of_work.flush()
        return queries.honour_out(h, committee=True)


@blp.route("/admin/honours/<int:honour_id>/restore")
class RestoreView(MethodView):
    @blp.arguments(RevokeIn)
    @blp.response(200, AdminHonourOut)
    @login_required("committee")
    def post(self, data: dict[str, Any], honour_id: int):
        """Undo a mistaken revocation, with a reason (audited)."""
        h = services.restore(honour_id, current_principal(), data["reason"])
        unit_of_work.flush()
        return queries.honour_out(h, committee=True)
