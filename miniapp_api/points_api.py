"""The member points ledger (党员积分): my points, adjustment requests and their approval, the
audit list, totals and the export."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask.views import MethodView
from flask_smorest import Blueprint
from sqlalchemy.orm import selectinload

from domain_errors import NotFound
from miniapp_api.auth import current_principal, login_required
from miniapp_api.identity import visible_branch
from miniapp_api.pagination import counted, page_of
from miniapp_api.pairings_api import XLSX, xlsx_response
from models import CAP_PERIODS, REQUEST_STATUSES, RULE_SOURCES, Branch, PointsRequest, db
from pairings import exports
from points import ledger, ranks, requests, rulebook
from points.schemas import (
    DecideIn,
    PeriodQuery,
    PointsRequestIn,
    RequestsQuery,
    RulebookSettingsIn,
    RuleIn,
    TotalsQuery,
    YearQuery,
)
from votes.candidacies import unpublished_candidacies
from web import unit_of_work
from web.downloads import file_name

blp = Blueprint("points", __name__, url_prefix="/api/v1", description="党员积分")


class EntryOut(ma.Schema):
    id = ma.fields.Integer(required=True)
    at = ma.fields.DateTime(required=True)
    delta = ma.fields.Integer(required=True)
    kind = ma.fields.String(required=True, validate=ma.validate.OneOf(RULE_SOURCES))
    reason = ma.fields.String(required=True)
    rule_code = ma.fields.String(
        allow_none=True,
        required=True,
        metadata={"description": "计分细则编号（细则之前的记录为空）"},
    )
    rule_name = ma.fields.Function(
        lambda e: e.rule.name if e.rule is not None else None,
        allow_none=True,
        required=True,
        metadata={"type": "string"},
    )
    record = ma.fields.String(
        attribute="ref",
        allow_none=True,
        required=True,
        metadata={"description": "产生该积分的记录：wish:<id>、talks:<月>、meeting:<id>…"},
    )
    capped_from = ma.fields.Integer(
        allow_none=True, required=True, metadata={"description": "触及上限时原应得分值"}
    )


class MyPointsOut(ma.Schema):
    total = ma.fields.Integer(required=True)
    period = ma.fields.String(required=True)
    since = ma.fields.DateTime(allow_none=True, required=True)
    until = ma.fields.DateTime(allow_none=True, required=True)
    entries = ma.fields.List(ma.fields.Nested(EntryOut), required=True)


class PointsPersonRef(ma.Schema):
    id = ma.fields.Integer(required=True)
    name = ma.fields.String(required=True)
    employee_no = ma.fields.String(required=True)


class CandidacyOut(ma.Schema):
    campaign_id = ma.fields.Integer(required=True)
    title = ma.fields.String(required=True)
    status = ma.fields.String(required=True)
    category = ma.fields.String(required=True)


class PointsRequestOut(ma.Schema):
    id = ma.fields.Integer(required=True)
    status = ma.fields.String(required=True, validate=ma.validate.OneOf(REQUEST_STATUSES))
    person = ma.fields.Nested(PointsPersonRef, required=True)
    branch_id = ma.fields.Integer(allow_none=True, required=True)
    delta = ma.fields.Integer(required=True)
    reason = ma.fields.String(required=True)
    requested_by = ma.fields.Nested(PointsPersonRef, allow_none=True, required=True)
    requested_at = ma.fields.DateTime(required=True)
    decided_by = ma.fields.Nested(PointsPersonRef, allow_none=True, required=True)
    decided_at = ma.fields.DateTime(allow_none=True, required=True)
    decision_reason = ma.fields.String(allow_none=True, required=True)
    entry_id = ma.fields.Integer(allow_none=True, required=True)
    rule_code = ma.fields.String(allow_none=True, required=True)
    evidence = ma.fields.String(allow_none=True, required=True)
    flagged = ma.fields.Boolean(
        required=True, metadata={"description": "申请对象是尚未公布结果的评选活动的候选人"}
    )
    candidate_of = ma.fields.List(ma.fields.Nested(CandidacyOut), required=True)


class TotalOut(ma.Schema):
    person_id = ma.fields.Integer(required=True)
    employee_no = ma.fields.String(required=True)
    name = ma.fields.String(required=True)
    branch_id = ma.fields.Integer(allow_none=True, required=True)
    talks = ma.fields.Integer(required=True)
    wishes = ma.fields.Integer(required=True)
    manual = ma.fields.Integer(required=True)
    total = ma.fields.Integer(required=True)


def _ref(person) -> dict[str, Any] | None:
    if person is None:
        return None
    return {"id": person.id, "name": person.name, "employee_no": person.employee_no}


def requests_out(rows: list[PointsRequest]) -> list[dict[str, Any]]:
    """The audit list's rows, each flagged when its person stands in an unpublished campaign."""
    candidacies = unpublished_candidacies([r.person_id for r in rows])
    return [
        {
            "id": r.id,
            "status": r.status,
            "person": _ref(r.person),
            "branch_id": r.person.branch_id,
            "delta": r.delta,
            "reason": r.reason,
            "requested_by": _ref(r.requested_by),
            "requested_at": r.requested_at,
            "decided_by": _ref(r.decided_by),
            "decided_at": r.decided_at,
            "decision_reason": r.decision_reason,
            "entry_id": r.entry_id,
            "rule_code": r.rule_code,
            "evidence": r.evidence,
            "flagged": bool(candidacies.get(r.person_id)),
            "candidate_of": candidacies.get(r.person_id, []),
        }
        for r in rows
    ]


@blp.route("/points/mine")
class MyPointsView(MethodView):
    @blp.arguments(PeriodQuery, location="query")
    @blp.response(200, MyPointsOut)
    @login_required("member")
    def get(self, query: dict[str, Any]):
        """My points total and entries over a period (default: this year)."""
        period = ledger.parse_period(query.get("period"))
        total, entries = ledger.ledger(current_principal().person_id, period)
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
    @blp.arguments(PointsRequestIn)
    @blp.response(201, PointsRequestOut)
    @login_required("secretary", "committee")
    def post(self, data: dict[str, Any]):
        """Ask to add or deduct a member's points, with a reason (secretary: own branch;
        committee). It takes effect when another committee member approves; nobody asks for
        their own points (403 own_points)."""
        request = requests.request_adjustment(
            current_principal(),
            data["employee_no"],
            data["delta"],
            data["reason"],
            data["rule_code"],
            data["evidence"],
        )
        unit_of_work.flush()
        return requests_out([request])[0]

    @blp.arguments(TotalsQuery, location="query")
    @blp.response(200, TotalOut(many=True))
    @blp.paginate()
    @login_required("secretary", "committee")
    def get(self, query: dict[str, Any], pagination_parameters):
        """Party members' totals over a period, best first (the 六大员 points half)."""
        mine_id, branch_id = _scope(query)
        period = ledger.parse_period(query.get("period"))
        stmt = ledger.members_totals_query(mine_id, branch_id, period)
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


@blp.route("/admin/points/requests")
class PointsRequestsView(MethodView):
    @blp.arguments(RequestsQuery, location="query")
    @blp.response(200, PointsRequestOut(many=True))
    @blp.paginate()
    @login_required("secretary", "committee")
    def get(self, query: dict[str, Any], pagination_parameters):
        """The audit list of manual adjustments, newest first: every request of the mine for
        the committee (a secretary: their branches'), with both people and both reasons;
        `flagged` marks points for a candidate of a campaign whose results are not published."""
        stmt = requests.requests_query(
            current_principal(),
            None if query["status"] == "all" else query["status"],
            query.get("branch_id"),
            query.get("person_id"),
        ).options(
            selectinload(PointsRequest.person),
            selectinload(PointsRequest.requested_by),
            selectinload(PointsRequest.decided_by),
        )
        return requests_out(page_of(stmt, pagination_parameters))


@blp.route("/admin/points/requests/<int:request_id>/decide")
class DecideView(MethodView):
    @blp.arguments(DecideIn)
    @blp.response(200, PointsRequestOut)
    @login_required("committee")
    def post(self, data: dict[str, Any], request_id: int):
        """Approve (the points reach the ledger) or reject a pending request, with a reason: a
        committee member of the mine other than its author and the person it is about."""
        request = requests.decide(current_principal(), request_id, data["approve"], data["reason"])
        unit_of_work.flush()
        return requests_out([request])[0]


@blp.route("/admin/points/export.xlsx")
class PointsExportView(MethodView):
    @blp.arguments(TotalsQuery, location="query")
    @blp.response(200, content_type=XLSX, description="积分台账 .xlsx")
    @login_required("secretary", "committee")
    def get(self, query: dict[str, Any]):
        """The points ledger (totals and every entry) as .xlsx."""
        mine_id, branch_id = _scope(query)
        period = ledger.parse_period(query.get("period"))
        data = exports.points_ledger(mine_id, branch_id, period)
        branch = db.session.get(Branch, branch_id) if branch_id else None
        part = (branch.name, branch.id) if branch else None
        return xlsx_response(data, file_name("points", part, period.key))


# -- the rulebook ------------------------------------------------------------------------------


class RuleOut(ma.Schema):
    id = ma.fields.Integer(required=True)
    code = ma.fields.String(required=True)
    name = ma.fields.String(required=True)
    points = ma.fields.Integer(allow_none=True, required=True)
    source = ma.fields.String(required=True, validate=ma.validate.OneOf(RULE_SOURCES))
    cap = ma.fields.Integer(allow_none=True, required=True)
    cap_period = ma.fields.String(
        allow_none=True, required=True, validate=ma.validate.OneOf(CAP_PERIODS)
    )
    evidence_required = ma.fields.Boolean(required=True)
    second_approver = ma.fields.Boolean(required=True)
    active = ma.fields.Boolean(required=True)
    effective_from = ma.fields.Date(required=True)


class CurrentRuleOut(RuleOut):
    upcoming = ma.fields.Nested(
        RuleOut, allow_none=True, required=True, metadata={"description": "已排定的下一版本"}
    )


class RequirementOut(ma.Schema):
    count = ma.fields.Integer(required=True)
    per = ma.fields.String(required=True)


class RulebookSettingsOut(ma.Schema):
    publish_ranking = ma.fields.Boolean(required=True)
    five_type_threshold = ma.fields.Integer(required=True)
    five_star_threshold = ma.fields.Integer(required=True)
    meeting_requirements = ma.fields.Dict(
        keys=ma.fields.String(), values=ma.fields.Nested(RequirementOut), required=True
    )


def settings_out(mine_id: int) -> dict[str, Any]:
    row = rulebook.settings(mine_id)
    return {
        "publish_ranking": bool(row.publish_ranking),
        "five_type_threshold": row.five_type_threshold,
        "five_star_threshold": row.five_star_threshold,
        "meeting_requirements": {
            k: {"count": c, "per": per} for k, (c, per) in rulebook.requirements(mine_id).items()
        },
    }


@blp.route("/rulebook")
class RulebookView(MethodView):
    @blp.response(200, CurrentRuleOut(many=True))
    @login_required()
    def get(self):
        """The mine's rulebook (积分细则) in force today, each rule with its next scheduled
        version."""
        mine_id = current_principal().person.mine_id
        return [
            {**{k: getattr(rule, k) for k in RuleOut._declared_fields}, "upcoming": upcoming}
            for rule, upcoming in rulebook.current(mine_id)
        ]


@blp.route("/rulebook/<string:code>")
class RuleHistoryView(MethodView):
    @blp.response(200, RuleOut(many=True))
    @login_required()
    def get(self, code: str):
        """Every version of one rule, oldest first (404 rule_not_found)."""
        return rulebook.history(current_principal().person.mine_id, code)


@blp.route("/admin/rulebook")
class AdminRulebookView(MethodView):
    @blp.arguments(RuleIn)
    @blp.response(201, RuleOut)
    @login_required("committee")
    def post(self, data: dict[str, Any]):
        """Add a rule, or a new version of a rule (same code) in force from `effective_from`
        (today or later; entries already written keep their points). A negative cap: 422
        invalid_cap; a second rule for an automatic source: 409 rule_source_taken; two versions
        on one day: 409 rule_version_exists."""
        fields = rulebook.RuleFields(
            name=data["name"],
            points=data["points"],
            source=data["source"],
            cap=data["cap"],
            cap_period=data["cap_period"],
            evidence_required=data["evidence_required"],
            second_approver=data["second_approver"],
            active=data["active"],
        )
        rule = rulebook.save(current_principal(), data["code"], fields, data["effective_from"])
        unit_of_work.flush()
        return rule


@blp.route("/admin/rulebook/settings")
class RulebookSettingsView(MethodView):
    @blp.response(200, RulebookSettingsOut)
    @login_required("secretary", "committee")
    def get(self):
        """The mine's rulebook settings: ranking published, rating thresholds, the meetings
        each branch must hold."""
        return settings_out(current_principal().person.mine_id)

    @blp.arguments(RulebookSettingsIn)
    @blp.response(200, RulebookSettingsOut)
    @login_required("committee")
    def put(self, data: dict[str, Any]):
        """Change the settings given (the others stay)."""
        principal = current_principal()
        rulebook.save_settings(principal, **data)
        unit_of_work.flush()
        return settings_out(principal.person.mine_id)


class RankRowOut(ma.Schema):
    rank = ma.fields.Integer(required=True)
    name = ma.fields.String(required=True)
    total = ma.fields.Integer(required=True)


class RankOut(ma.Schema):
    year = ma.fields.Integer(required=True)
    total = ma.fields.Integer(required=True)
    branch_rank = ma.fields.Integer(allow_none=True, required=True)
    branch_size = ma.fields.Integer(required=True)
    mine_rank = ma.fields.Integer(required=True)
    mine_size = ma.fields.Integer(required=True)
    published = ma.fields.Boolean(
        required=True, metadata={"description": "本矿是否公开排名（公开时附本支部排名）"}
    )
    ranking = ma.fields.List(ma.fields.Nested(RankRowOut), required=True)


@blp.route("/points/mine/rank")
class MyRankView(MethodView):
    @blp.arguments(YearQuery, location="query")
    @blp.response(200, RankOut)
    @login_required("member")
    def get(self, query: dict[str, Any]):
        """My points total and rank in my branch and mine for a year; the branch's ranking
        only when the mine publishes rankings."""
        person = current_principal().person
        period = ledger.parse_period(str(query["year"]) if query.get("year") else None)
        rank = ranks.rank_of(person, period)
        published = bool(rulebook.settings(person.mine_id).publish_ranking)
        ranking = []
        if published and person.branch_id:
            ranking = [
                {"rank": r, "name": p.name, "total": t}
                for p, t, r in ranks.ranked(person.mine_id, person.branch_id, period)
            ]
        return {
            "year": int(period.key),
            "total": rank.total,
            "branch_rank": rank.branch_rank,
            "branch_size": rank.branch_size,
            "mine_rank": rank.mine_rank,
            "mine_size": rank.mine_size,
            "published": published,
            "ranking": ranking,
        }
