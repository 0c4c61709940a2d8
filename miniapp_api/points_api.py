"""The member points ledger (党员积分): my points, manual adjustments, totals and the export."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask.views import MethodView
from flask_smorest import Blueprint

from domain_errors import NotFound
from miniapp_api.auth import current_principal, login_required
from miniapp_api.identity import visible_branch
from miniapp_api.pagination import counted
from miniapp_api.pairings_api import XLSX, id_field, text_field, xlsx_response
from models import db
from pairings import exports
from pairings import points as points_service

blp = Blueprint("points", __name__, url_prefix="/api/v1", description="党员积分")


class PeriodQuery(ma.Schema):
    period = ma.fields.String(
        load_default=None,
        metadata={"description": "YYYY、YYYY-Qn、YYYY-MM 或 all（上海时间），默认本年"},
    )


class EntryOut(ma.Schema):
    id = ma.fields.Integer(required=True)
    at = ma.fields.DateTime(required=True)
    delta = ma.fields.Integer(required=True)
    kind = ma.fields.String(
        required=True,
        validate=ma.validate.OneOf(["wish_completed", "monthly_talks_done", "manual"]),
    )
    reason = ma.fields.String(required=True)


class MyPointsOut(ma.Schema):
    total = ma.fields.Integer(required=True)
    period = ma.fields.String(required=True)
    since = ma.fields.DateTime(allow_none=True, required=True)
    until = ma.fields.DateTime(allow_none=True, required=True)
    entries = ma.fields.List(ma.fields.Nested(EntryOut), required=True)


class AdjustIn(ma.Schema):
    employee_no = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=32))
    delta = ma.fields.Integer(
        strict=True, required=True, validate=ma.validate.Range(min=-1_000_000, max=1_000_000)
    )
    reason = text_field(255, required=True, blank=False)


class AdjustOut(EntryOut):
    person_id = ma.fields.Integer(required=True)
    actor_person_id = ma.fields.Integer(allow_none=True, required=True)


class TotalsQuery(PeriodQuery):
    branch_id = id_field(load_default=None)


class TotalOut(ma.Schema):
    person_id = ma.fields.Integer(required=True)
    employee_no = ma.fields.String(required=True)
    name = ma.fields.String(required=True)
    branch_id = ma.fields.Integer(allow_none=True, required=True)
    talks = ma.fields.Integer(required=True)
    wishes = ma.fields.Integer(required=True)
    manual = ma.fields.Integer(required=True)
    total = ma.fields.Integer(required=True)


@blp.route("/points/mine")
class MyPointsView(MethodView):
    @blp.arguments(PeriodQuery, location="query")
    @blp.response(200, MyPointsOut)
    @login_required("member")
    def get(self, query: dict[str, Any]):
        """My points total and entries over a period (default: this year)."""
        period = points_service.parse_period(query.get("period"))
        total, entries = points_service.ledger(current_principal().person_id, period)
        return {
            "total": total,
            "period": period.key,
            "since": period.since,
            "until": period.until,
            "entries": entries,
        }


def _scope(query: dict[str, Any]) -> tuple[int, int | None]:
    """(mine, branch or None) the caller may read totals for: committee any branch of the mine,
    a secretary only a branch of theirs (the first, when none is named)."""
    principal = current_principal()
    mine_id = principal.person.mine_id
    branch_id = query.get("branch_id")
    if branch_id is not None:
        return mine_id, visible_branch(principal, branch_id).id
    if mine_id in principal.committee_of:
        return mine_id, None
    if principal.secretary_of:
        return mine_id, principal.secretary_of[0]
    raise NotFound()


@blp.route("/admin/points")
class AdminPointsView(MethodView):
    @blp.arguments(AdjustIn)
    @blp.response(201, AdjustOut)
    @login_required("secretary", "committee")
    def post(self, data: dict[str, Any]):
        """Add or deduct a member's points with a reason (secretary: own branch; committee)."""
        entry = points_service.manual_adjust(
            current_principal(), data["employee_no"], data["delta"], data["reason"]
        )
        db.session.commit()
        return entry

    @blp.arguments(TotalsQuery, location="query")
    @blp.response(200, TotalOut(many=True))
    @blp.paginate()
    @login_required("secretary", "committee")
    def get(self, query: dict[str, Any], pagination_parameters):
        """Party members' totals over a period, best first (the 六大员 points half)."""
        mine_id, branch_id = _scope(query)
        period = points_service.parse_period(query.get("period"))
        stmt = points_service.members_totals_query(mine_id, branch_id, period)
        page = counted(stmt, pagination_parameters)
        rows = [] if page is None else db.session.execute(page).all()
        return [
            {
                "person_id": p.id,
                "employee_no": p.employee_no,
                "name": p.name,
                "branch_id": p.branch_id,
                "talks": int(talks),
                "wishes": int(wishes),
                "manual": int(manual),
                "total": int(total),
            }
            for p, total, talks, wishes, manual in rows
        ]


@blp.route("/admin/points/export.xlsx")
class PointsExportView(MethodView):
    @blp.arguments(TotalsQuery, location="query")
    @blp.response(200, content_type=XLSX, description="积分台账 .xlsx")
    @login_required("secretary", "committee")
    def get(self, query: dict[str, Any]):
        """The points ledger (totals and every entry) as .xlsx."""
        mine_id, branch_id = _scope(query)
        period = points_service.parse_period(query.get("period"))
        data = exports.points_ledger(mine_id, branch_id, period)
        suffix = f"-{branch_id}" if branch_id else ""
        return xlsx_response(data, f"points{suffix}-{period.key}.xlsx")
