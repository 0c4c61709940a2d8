"""The monthly 区队 assessment (六好区队, issue 21) and its 班组 twin (六型班组, `kind` group):
the committee's organisation, templates, months, board, lock and adjustments; the offices' (and,
on a group sheet, the 区队's) scoring and answers; the team's sheet and objections; a team or
group leader's own view; the quarterly awards and the honour wall."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask.views import MethodView
from flask_smorest import Blueprint

from assessments import adjustments, awards, exports, leaders, org, queries, rounds, templates
from assessments.schemas import (
    AdjustmentDecideIn,
    AdjustmentIn,
    AwardHonoursQuery,
    AwardIn,
    DeductionObjectionIn,
    DutyIn,
    HonoursQuery,
    Kind,
    KindQuery,
    LeaderDecideIn,
    LeaderNominationIn,
    ObjectionAnswerIn,
    OpenMonthIn,
    PatronageIn,
    QuarterQuery,
    ScoreIn,
    SubmitIn,
    TemplateIn,
    UnitKindIn,
    VisitIn,
    VisitsQuery,
)
from inputs import Month
from miniapp_api.auth import current_principal, login_required
from miniapp_api.wishes_api import photo_url
from models import GRADES, UNIT_KINDS
from spreadsheets import XLSX_MIME
from web import unit_of_work
from web.downloads import attachment, file_name

blp = Blueprint(
    "assessments",
    __name__,
    url_prefix="/api/v1",
    description="区队、班组月度考核（六好区队、六型班组）",
)


# -- output shapes -----------------------------------------------------------------------


class UnitOut(ma.Schema):
    id = ma.fields.Integer(required=True)
    name = ma.fields.String(required=True)
    kind = ma.fields.String(required=True, validate=ma.validate.OneOf(UNIT_KINDS))
    parent_id = ma.fields.Integer(allow_none=True, required=True)


class DutyOut(ma.Schema):
    id = ma.fields.Integer(required=True)
    unit_id = ma.fields.Integer(required=True)
    person_id = ma.fields.Integer(required=True)
    duty = ma.fields.String(required=True)


class PatronageOut(ma.Schema):
    office_id = ma.fields.Integer(required=True)
    team_id = ma.fields.Integer(required=True)


class ItemOut(ma.Schema):
    id = ma.fields.Integer(required=True)
    position = ma.fields.Integer(required=True)
    group = ma.fields.String(required=True, attribute="group_name")
    title = ma.fields.String(required=True)
    rule = ma.fields.String(required=True)
    max_points = ma.fields.Integer(required=True)
    office_id = ma.fields.Integer(
        allow_none=True,
        required=True,
        metadata={"description": "null：班组考核表中由班组所属区队考核"},
    )
    veto = ma.fields.Boolean(required=True)


class GroupOut(ma.Schema):
    name = ma.fields.String(required=True)
    weight = ma.fields.Integer(required=True)


class TemplateOut(ma.Schema):
    id = ma.fields.Integer(required=True)
    name = ma.fields.String(required=True)
    kind = ma.fields.String(required=True)
    version = ma.fields.Integer(required=True)
    is_example = ma.fields.Boolean(required=True)
    created_at = ma.fields.DateTime(required=True)
    groups = ma.fields.Method("_groups", dump_only=True)
    items = ma.fields.List(ma.fields.Nested(ItemOut), required=True)

    def _groups(self, template) -> list[dict[str, Any]]:
        return templates.groups(template)


class MonthOut(ma.Schema):
    id = ma.fields.Integer(required=True)
    month = ma.fields.String(required=True)
    kind = ma.fields.String(required=True)
    status = ma.fields.String(required=True, validate=ma.validate.OneOf(["open", "locked"]))
    template_id = ma.fields.Integer(required=True)
    thresholds = ma.fields.List(ma.fields.Integer(), required=True)
    objection_days = ma.fields.Integer(required=True)
    opened_at = ma.fields.DateTime(required=True)
    locked_at = ma.fields.DateTime(allow_none=True, required=True)


class DeductionOut(ma.Schema):
    id = ma.fields.Integer(required=True)
    month_id = ma.fields.Integer(required=True)
    item_id = ma.fields.Integer(required=True)
    team_id = ma.fields.Integer(required=True)
    points = ma.fields.Integer(required=True)
    vetoed = ma.fields.Boolean(required=True)
    reason = ma.fields.String(required=True)
    version = ma.fields.Integer(required=True)
    scored_at = ma.fields.DateTime(required=True)


class SubmissionOut(ma.Schema):
    month_id = ma.fields.Integer(required=True)
    office_id = ma.fields.Integer(required=True)
    submitted_at = ma.fields.DateTime(required=True)


class ObjectionOut(ma.Schema):
    id = ma.fields.Integer(required=True)
    deduction_id = ma.fields.Integer(required=True)
    month_id = ma.fields.Integer(required=True)
    text = ma.fields.String(required=True)
    raised_at = ma.fields.DateTime(required=True)
    answer = ma.fields.String(allow_none=True, required=True)
    answered_at = ma.fields.DateTime(allow_none=True, required=True)
    points_before = ma.fields.Integer(allow_none=True, required=True)


class EvidencePhotoOut(ma.Schema):
    id = ma.fields.Integer(required=True)
    url = ma.fields.String(required=True, metadata={"description": "签名链接，<image> 可直接加载"})


class LineDeductionOut(ma.Schema):
    id = ma.fields.Integer(required=True)
    points = ma.fields.Integer(required=True)
    vetoed = ma.fields.Boolean(required=True)
    reason = ma.fields.String(required=True)
    version = ma.fields.Integer(required=True)
    scored_at = ma.fields.DateTime(required=True)
    photos = ma.fields.List(ma.fields.Nested(EvidencePhotoOut), required=True)


class LineObjectionOut(ma.Schema):
    id = ma.fields.Integer(required=True)
    text = ma.fields.String(required=True)
    raised_at = ma.fields.DateTime(required=True)
    answer = ma.fields.String(allow_none=True, required=True)
    answered_at = ma.fields.DateTime(allow_none=True, required=True)
    points_before = ma.fields.Integer(allow_none=True, required=True)


class LineOut(ma.Schema):
    item_id = ma.fields.Integer(required=True)
    position = ma.fields.Integer(required=True)
    group = ma.fields.String(required=True)
    title = ma.fields.String(required=True)
    rule = ma.fields.String(required=True)
    max_points = ma.fields.Integer(required=True)
    veto = ma.fields.Boolean(required=True)
    office_id = ma.fields.Integer(
        required=True, metadata={"description": "考核单位：科室，或（由区队考核的班组项）所属区队"}
    )
    office = ma.fields.String(required=True)
    scored_by_parent = ma.fields.Boolean(
        required=True, metadata={"description": "班组考核表中由所属区队考核的项目"}
    )
    submitted = ma.fields.Boolean(required=True)
    objection_until = ma.fields.DateTime(allow_none=True, required=True)
    deduction = ma.fields.Nested(LineDeductionOut, allow_none=True, required=True)
    objection = ma.fields.Nested(LineObjectionOut, allow_none=True, required=True)


class ResultOut(ma.Schema):
    team_id = ma.fields.Integer(required=True)
    total = ma.fields.Integer(required=True)
    deducted = ma.fields.Integer(required=True)
    adjusted = ma.fields.Integer(required=True)
    vetoed = ma.fields.Boolean(required=True)
    grade = ma.fields.String(required=True, validate=ma.validate.OneOf(GRADES))
    rank = ma.fields.Integer(
        allow_none=True, required=True, metadata={"description": "锁定后才有名次"}
    )


class TeamRef(ma.Schema):
    id = ma.fields.Integer(required=True)
    name = ma.fields.String(required=True)


class SheetOut(ma.Schema):
    month = ma.fields.Nested(MonthOut, required=True)
    team = ma.fields.Nested(TeamRef, required=True)
    items = ma.fields.List(ma.fields.Nested(LineOut), required=True)
    result = ma.fields.Nested(
        ResultOut,
        allow_none=True,
        required=True,
        metadata={"description": "只看到部分项目（科室）时为 null"},
    )


class BoardOfficeOut(ma.Schema):
    id = ma.fields.Integer(required=True)
    name = ma.fields.String(required=True)
    submitted = ma.fields.Boolean(required=True)
    submitted_at = ma.fields.DateTime(allow_none=True, required=True)


class BoardRowOut(ResultOut):
    team = ma.fields.String(required=True)
    cells = ma.fields.List(
        ma.fields.Integer(), required=True, metadata={"description": "按 offices 顺序的扣分"}
    )
    rank = ma.fields.Integer(required=True)


class BoardOut(ma.Schema):
    month = ma.fields.Nested(MonthOut, required=True)
    offices = ma.fields.List(ma.fields.Nested(BoardOfficeOut), required=True)
    rows = ma.fields.List(ma.fields.Nested(BoardRowOut), required=True)
    pending_objections = ma.fields.Integer(required=True)


class AdjustmentOut(ma.Schema):
    id = ma.fields.Integer(required=True)
    month_id = ma.fields.Integer(required=True)
    team_id = ma.fields.Integer(required=True)
    delta = ma.fields.Integer(required=True)
    reason = ma.fields.String(required=True)
    status = ma.fields.String(required=True)
    requested_by_id = ma.fields.Integer(required=True)
    requested_at = ma.fields.DateTime(required=True)
    decided_by_id = ma.fields.Integer(allow_none=True, required=True)
    decided_at = ma.fields.DateTime(allow_none=True, required=True)
    decision_reason = ma.fields.String(allow_none=True, required=True)


class MyTeamQuery(ma.Schema):
    month = Month(load_default=None, metadata={"description": "YYYY-MM；默认最近一个月"})
    kind = Kind(
        load_default="team",
        metadata={"description": "team：本人所在区队；group：本人所在（或带领）的班组"},
    )


class MonthsQuery(ma.Schema):
    kind = Kind(load_default=None, metadata={"description": "只看 team 或 group 的月份"})


class MyTeamOut(ma.Schema):
    team = ma.fields.Nested(TeamRef, allow_none=True, required=True)
    sheet = ma.fields.Nested(SheetOut, allow_none=True, required=True)


# -- the committee: organisation ---------------------------------------------------------


@blp.route("/admin/assessments/units")
class UnitsView(MethodView):
    @blp.response(200, UnitOut(many=True))
    @login_required("committee")
    def get(self):
        """The mine's 区队 and 机关科室 (kind team / office)."""
        principal = current_principal()
        mine_id = principal.person.mine_id
        return org.teams(mine_id) + org.offices(mine_id)


@blp.route("/admin/assessments/units/<int:unit_id>/kind")
class UnitKindView(MethodView):
    @blp.arguments(UnitKindIn)
    @blp.response(200, UnitOut)
    @login_required("committee")
    def post(self, data: dict[str, Any], unit_id: int):
        """Set a unit's kind: team (区队), office (机关科室), group (班组, under `parent_id`, a
        team) or other."""
        unit = org.set_kind(current_principal(), unit_id, data["kind"], data.get("parent_id"))
        unit_of_work.flush()
        return unit


@blp.route("/admin/assessments/units/<int:unit_id>/duties")
class DutiesView(MethodView):
    @blp.arguments(DutyIn)
    @blp.response(201, DutyOut)
    @login_required("committee")
    def post(self, data: dict[str, Any], unit_id: int):
        """Make a person scoring staff of an office (`scorer`) or leader of a team or 班组
        (`leader`); repeating it changes nothing."""
        row = org.grant_duty(current_principal(), unit_id, data["employee_no"], data["duty"])
        unit_of_work.flush()
        return row


@blp.route("/admin/assessments/duties/<int:duty_id>")
class DutyView(MethodView):
    @blp.response(204)
    @login_required("committee")
    def delete(self, duty_id: int):
        """Take a duty away."""
        org.revoke_duty(current_principal(), duty_id)


@blp.route("/admin/assessments/patronages")
class PatronagesView(MethodView):
    @blp.arguments(PatronageIn)
    @blp.response(201, PatronageOut)
    @login_required("committee")
    def post(self, data: dict[str, Any]):
        """The office 包保 (looks after) the team (many-to-many; idempotent)."""
        row = org.link(current_principal(), data["office_id"], data["team_id"])
        unit_of_work.flush()
        return row


@blp.route("/admin/assessments/patronages/<int:office_id>/<int:team_id>")
class PatronageView(MethodView):
    @blp.response(204)
    @login_required("committee")
    def delete(self, office_id: int, team_id: int):
        """End a 包保 link."""
        org.unlink(current_principal(), office_id, team_id)


# -- the committee: templates ------------------------------------------------------------


@blp.route("/admin/assessments/templates")
class TemplatesView(MethodView):
    @blp.response(200, TemplateOut(many=True))
    @login_required("committee")
    def get(self):
        """Every version of every template of the mine, newest version first per name."""
        return templates.listing(current_principal())

    @blp.arguments(TemplateIn)
    @blp.response(201, TemplateOut)
    @login_required("committee")
    def post(self, data: dict[str, Any]):
        """Save a template: a new name starts at version 1, a known name makes its next
        version (months already opened keep theirs). The non-veto items add up to exactly
        100 (422 template_not_100); a veto item has 0 points."""
        template = templates.save(current_principal(), data["name"], data["items"], data["kind"])
        unit_of_work.flush()
        return template


@blp.route("/admin/assessments/templates/example")
class ExampleTemplateView(MethodView):
    @blp.arguments(KindQuery, location="query")
    @blp.response(201, TemplateOut)
    @login_required("committee")
    def post(self, query: dict[str, Any]):
        """Install the shipped 六好区队 example (19 items under the six 好, one veto; its
        offices found by name or made), or with `kind=group` the 六型班组 example (the six
        types; items scored by the 班组's own 区队 have `office_id` null); a mine that has it
        gets its latest version back."""
        principal = current_principal()
        template = templates.install_example(
            principal.person.mine_id, principal.person_id, query["kind"]
        )
        unit_of_work.flush()
        return template


@blp.route("/admin/assessments/templates/<int:template_id>")
class TemplateView(MethodView):
    @blp.response(200, TemplateOut)
    @login_required("committee")
    def get(self, template_id: int):
        """One version of a template."""
        return templates.get(current_principal(), template_id)


# -- months ------------------------------------------------------------------------------


@blp.route("/assessments/months")
class MonthsView(MethodView):
    @blp.arguments(MonthsQuery, location="query")
    @blp.response(200, MonthOut(many=True))
    @login_required("employee")
    def get(self, query: dict[str, Any]):
        """The mine's assessment months (of `kind`, or both), newest first."""
        return queries.months(current_principal(), query.get("kind"))


@blp.route("/admin/assessments/months")
class OpenMonthView(MethodView):
    @blp.arguments(OpenMonthIn)
    @blp.response(201, MonthOut)
    @login_required("committee")
    def post(self, data: dict[str, Any]):
        """Open a month on a template version (frozen for the month), with the grade
        thresholds (default [90, 80, 70]) and the objection window in days (default 3).
        `kind` group opens a 六型班组 month on a group template (the mine's 班组 are scored);
        a team month and a group month may share a calendar month."""
        month = rounds.open_month(
            current_principal(),
            data["month"],
            data["template_id"],
            data.get("thresholds"),
            data["objection_days"],
            data["kind"],
        )
        unit_of_work.flush()
        return month


@blp.route("/admin/assessments/months/<int:month_id>/board")
class BoardView(MethodView):
    @blp.response(200, BoardOut)
    @login_required("committee")
    def get(self, month_id: int):
        """The month board: 区队 × office deductions, who has submitted, totals, grades and
        ranks (provisional while the month is open)."""
        return queries.board(current_principal(), month_id)


@blp.route("/admin/assessments/months/<int:month_id>/lock")
class LockView(MethodView):
    @blp.response(200, MonthOut)
    @login_required("committee")
    def post(self, month_id: int):
        """Lock the month: every office submitted, every objection answered, every window
        closed (409 cannot_lock_yet otherwise). Totals, grades and ranks become final."""
        month = rounds.lock(current_principal(), month_id)
        unit_of_work.flush()
        return month


@blp.route("/assessments/months/<int:month_id>/teams/<int:team_id>")
class SheetView(MethodView):
    @blp.response(200, SheetOut)
    @login_required("employee")
    def get(self, month_id: int, team_id: int):
        """A team's sheet: the committee and the team's own people see it whole (the result;
        the rank once locked), an office's staff the items their office scores; anyone else
        404."""
        return queries.sheet(current_principal(), month_id, team_id, photo_url)


@blp.route("/assessments/months/<int:month_id>/scores")
class ScoreView(MethodView):
    @blp.arguments(ScoreIn)
    @blp.response(200, DeductionOut)
    @login_required("employee")
    def post(self, data: dict[str, Any], month_id: int):
        """An office's scoring staff record the deduction on one of their office's items for
        one team (points 0 … the item's maximum, a reason when points > 0; a veto item takes
        `vetoed`). The first score is sent without `version`; a change names the version it
        read. Two at the same instant: one wins, the other 409 score_conflict."""
        row = rounds.score(
            current_principal(),
            month_id,
            data["item_id"],
            data["team_id"],
            data["points"],
            data["reason"],
            vetoed=data["vetoed"],
            version=data.get("version"),
            photo_ids=data["photo_ids"],
        )
        unit_of_work.flush()
        return row


@blp.route("/assessments/months/<int:month_id>/submissions")
class SubmitView(MethodView):
    @blp.arguments(SubmitIn)
    @blp.response(201, SubmissionOut)
    @login_required("employee")
    def post(self, data: dict[str, Any], month_id: int):
        """An office submits its month: its deductions are final but for objections, and the
        teams' objection window starts."""
        row = rounds.submit(current_principal(), month_id, data["office_id"])
        unit_of_work.flush()
        return row


@blp.route("/assessments/months/<int:month_id>/objections")
class ObjectionsView(MethodView):
    @blp.response(200, ObjectionOut(many=True))
    @login_required("employee")
    def get(self, month_id: int):
        """A month's objections: all for the committee, an office's on its items, a team
        leader's on their team."""
        return queries.objections(current_principal(), month_id)


@blp.route("/assessments/deductions/<int:deduction_id>/objection")
class ObjectView(MethodView):
    @blp.arguments(DeductionObjectionIn)
    @blp.response(201, ObjectionOut)
    @login_required("employee")
    def post(self, data: dict[str, Any], deduction_id: int):
        """The team's leader objects to a deduction: once per deduction, after the office
        submitted and within the window."""
        row = rounds.object_to(current_principal(), deduction_id, data["text"])
        unit_of_work.flush()
        return row


@blp.route("/assessments/objections/<int:objection_id>/answer")
class AnswerView(MethodView):
    @blp.arguments(ObjectionAnswerIn)
    @blp.response(200, ObjectionOut)
    @login_required("employee")
    def post(self, data: dict[str, Any], objection_id: int):
        """The office answers an objection, keeping the deduction or changing it (`points`)."""
        row = rounds.answer(current_principal(), objection_id, data["answer"], data.get("points"))
        unit_of_work.flush()
        return row


@blp.route("/admin/assessments/months/<int:month_id>/adjustments")
class AdjustmentsView(MethodView):
    @blp.response(200, AdjustmentOut(many=True))
    @login_required("committee")
    def get(self, month_id: int):
        """The corrections asked for after the lock, with both people and both reasons."""
        return adjustments.listing(current_principal(), month_id)

    @blp.arguments(AdjustmentIn)
    @blp.response(201, AdjustmentOut)
    @login_required("committee")
    def post(self, data: dict[str, Any], month_id: int):
        """Ask to correct a team's locked total by `delta` points; another committee member
        decides."""
        row = adjustments.request(
            current_principal(), month_id, data["team_id"], data["delta"], data["reason"]
        )
        unit_of_work.flush()
        return row


@blp.route("/admin/assessments/adjustments/<int:adjustment_id>/decide")
class DecideAdjustmentView(MethodView):
    @blp.arguments(AdjustmentDecideIn)
    @blp.response(200, AdjustmentOut)
    @login_required("committee")
    def post(self, data: dict[str, Any], adjustment_id: int):
        """Approve (the total, grade and every rank are rewritten) or reject, by a committee
        member other than the one who asked (403 own_adjustment)."""
        row = adjustments.decide(
            current_principal(), adjustment_id, data["approve"], data["reason"]
        )
        unit_of_work.flush()
        return row


@blp.route("/assessments/my-team")
class MyTeamView(MethodView):
    @blp.arguments(MyTeamQuery, location="query")
    @blp.response(200, MyTeamOut)
    @login_required("employee")
    def get(self, query: dict[str, Any]):
        """The caller's own 区队 (their unit's team, or the team they lead) — or with
        `kind=group` their 班组 (the one they work in or lead: a 班组长 sees the group's sheet
        as it fills) — and its sheet of the month asked for (default: the latest month of that
        kind); nulls when they have none."""
        principal = current_principal()
        kind = query["kind"]
        team = queries.my_team(principal, kind)
        if team is None:
            return {"team": None, "sheet": None}
        if query.get("month"):
            month = queries.month_by_name(principal, query["month"], kind)
        else:
            months = queries.months(principal, kind)
            if not months:
                return {"team": {"id": team.id, "name": team.name}, "sheet": None}
            month = months[0]
        return {
            "team": {"id": team.id, "name": team.name},
            "sheet": queries.sheet(principal, month.id, team.id, photo_url),
        }


@blp.route("/admin/assessments/months/<int:month_id>/export.xlsx")
class MonthExportView(MethodView):
    @blp.response(200, content_type=XLSX_MIME, description="月度考核 .xlsx")
    @login_required("committee")
    def get(self, month_id: int):
        """The month in the paper layout: the ranking first, then one sheet per 区队."""
        principal = current_principal()
        month = rounds.month_of(principal.person.mine_id, month_id)
        data = exports.month_workbook(principal, month.id)
        return attachment(data, file_name(exports.file_kind(month), month.month), XLSX_MIME)


# -- 包保 visits and the quarterly awards ------------------------------------------------


class VisitOut(ma.Schema):
    id = ma.fields.Integer(required=True)
    office_id = ma.fields.Integer(required=True)
    team_id = ma.fields.Integer(required=True)
    visited_on = ma.fields.Date(required=True)
    visitors = ma.fields.String(required=True)
    problems = ma.fields.String(required=True)
    agreed = ma.fields.String(required=True)
    follow_up = ma.fields.String(required=True)
    recorded_at = ma.fields.DateTime(required=True)


class VisitDueOut(ma.Schema):
    office_id = ma.fields.Integer(required=True)
    office = ma.fields.String(required=True)
    team_id = ma.fields.Integer(required=True)
    team = ma.fields.String(required=True)
    visits = ma.fields.Integer(required=True, metadata={"description": "本月走访次数，0 即未走访"})


class QuarterRowOut(ma.Schema):
    team_id = ma.fields.Integer(required=True)
    team = ma.fields.String(required=True)
    totals = ma.fields.List(ma.fields.Integer(allow_none=True), required=True)
    grades = ma.fields.List(ma.fields.String(allow_none=True), required=True)
    average = ma.fields.Method("_average", dump_only=True)
    lowest = ma.fields.Integer(required=True)
    last = ma.fields.Integer(required=True)
    eligible = ma.fields.Boolean(required=True)
    ineligible_because = ma.fields.String(allow_none=True, required=True)
    rank = ma.fields.Integer(allow_none=True, required=True)

    def _average(self, row) -> float:
        return row["average_x100"] / 100


class AwardOut(ma.Schema):
    id = ma.fields.Integer(required=True)
    quarter = ma.fields.String(required=True)
    kind = ma.fields.String(required=True, validate=ma.validate.OneOf(["team", "group"]))
    title = ma.fields.Function(lambda a: awards.AWARD_TITLES[a.kind], dump_only=True)
    team_id = ma.fields.Integer(required=True, metadata={"description": "区队或班组"})
    team = ma.fields.Function(lambda a: a.team.name, dump_only=True)
    slot = ma.fields.Integer(required=True)
    average = ma.fields.Function(lambda a: a.average_x100 / 100, dump_only=True)
    citation = ma.fields.String(required=True)
    awarded_at = ma.fields.DateTime(required=True)
    points_request_ids = ma.fields.Function(
        lambda a: a.points_request_ids or [],
        dump_only=True,
        metadata={"description": "按本矿 SIX_GOOD_TEAM / SIX_TYPE_GROUP 细则发起的积分申请"},
    )


@blp.route("/assessments/visits")
class VisitsView(MethodView):
    @blp.arguments(VisitIn)
    @blp.response(201, VisitOut)
    @login_required("employee")
    def post(self, data: dict[str, Any]):
        """An office's staff log a 包保 visit to a team their office looks after: the date,
        who went, the problems found, what was agreed and the follow-up."""
        row = awards.log_visit(
            current_principal(),
            data["office_id"],
            data["team_id"],
            data["visited_on"],
            data["visitors"],
            data["problems"],
            data["agreed"],
            data["follow_up"],
        )
        unit_of_work.flush()
        return row


@blp.route("/assessments/visits/due")
class VisitsDueView(MethodView):
    @blp.arguments(VisitsQuery, location="query")
    @blp.response(200, VisitDueOut(many=True))
    @login_required("employee")
    def get(self, query: dict[str, Any]):
        """Every 包保 link (the committee: the mine's; an office's staff: their office's) with
        its visits that month; `visits: 0` is who has not visited whom yet."""
        return awards.visits_due(current_principal(), query["month"])


@blp.route("/admin/assessments/awards/ranking")
class QuarterRankingView(MethodView):
    @blp.arguments(QuarterQuery, location="query")
    @blp.response(200, QuarterRowOut(many=True))
    @login_required("committee")
    def get(self, query: dict[str, Any]):
        """The quarter's 区队 (or 班组, `kind=group`) ranked by their three locked months'
        average, with eligibility (no 较差 month, no veto, assessed every month) and the
        tie-break of docs/assessments.md; 409 quarter_not_complete until all three months of
        that kind are locked."""
        return awards.ranking(current_principal().person.mine_id, query["quarter"], query["kind"])


@blp.route("/admin/assessments/awards")
class AwardsView(MethodView):
    @blp.arguments(AwardIn)
    @blp.response(201, AwardOut)
    @login_required("committee")
    def post(self, data: dict[str, Any]):
        """Name an eligible 区队 六好区队 (or, `kind=group`, a 班组 六型班组) of the quarter
        with a citation (up to 6 a quarter per kind by default; 422 not_eligible, 409
        awards_full / already_awarded). Where the mine's rulebook has the manual rule
        SIX_GOOD_TEAM / SIX_TYPE_GROUP, points requests (maker-checker) are asked for the
        unit's leaders: `points_request_ids`."""
        row = awards.award(
            current_principal(),
            data["quarter"],
            data["team_id"],
            data["citation"],
            kind=data["kind"],
        )
        unit_of_work.flush()
        return row


@blp.route("/assessments/honours")
class HonoursView(MethodView):
    @blp.arguments(AwardHonoursQuery, location="query")
    @blp.response(200, AwardOut(many=True))
    @login_required("employee")
    def get(self, query: dict[str, Any]):
        """The honour wall (荣誉墙): the mine's 六好区队 and 六型班组 (`kind` for one of them)
        of a quarter (or every quarter), newest first."""
        return awards.honours(current_principal(), query.get("quarter"), query.get("kind"))


# -- 优秀班组长 ----------------------------------------------------------------------------


class LeaderNominationOut(ma.Schema):
    id = ma.fields.Integer(required=True)
    quarter = ma.fields.String(required=True)
    group_id = ma.fields.Integer(required=True)
    group = ma.fields.Function(lambda n: n.group.name, dump_only=True)
    person_id = ma.fields.Integer(required=True)
    name = ma.fields.Function(lambda n: n.person.name, dump_only=True)
    citation = ma.fields.String(required=True)
    status = ma.fields.String(required=True, metadata={"enum": ["pending", "approved", "rejected"]})
    nominated_at = ma.fields.DateTime(required=True)
    decided_at = ma.fields.DateTime(allow_none=True, required=True)
    decision_reason = ma.fields.String(allow_none=True, required=True)
    points_request_id = ma.fields.Integer(allow_none=True, required=True)


class LeaderHonourOut(ma.Schema):
    id = ma.fields.Integer(required=True)
    quarter = ma.fields.String(required=True)
    title = ma.fields.String(required=True)
    person_id = ma.fields.Integer(required=True)
    name = ma.fields.String(required=True)
    group_id = ma.fields.Integer(required=True)
    group = ma.fields.String(required=True)
    team = ma.fields.String(required=True)
    citation = ma.fields.String(required=True)
    approved_at = ma.fields.DateTime(allow_none=True, required=True)


@blp.route("/assessments/leader-nominations")
class LeaderNominationsView(MethodView):
    @blp.arguments(HonoursQuery, location="query")
    @blp.response(200, LeaderNominationOut(many=True))
    @login_required("employee")
    def get(self, query: dict[str, Any]):
        """优秀班组长 nominations: the committee sees its mine's, a 区队's leader their teams'."""
        return leaders.nominations(current_principal(), query.get("quarter"))

    @blp.arguments(LeaderNominationIn)
    @blp.response(201, LeaderNominationOut)
    @login_required("employee")
    def post(self, data: dict[str, Any]):
        """A 区队's leader nominates the leader of one of its 班组 as the quarter's 优秀班组长
        with a citation (once per 班组 and quarter: 409 already_nominated; 403
        not_the_team_leader; 422 not_a_group / no_group_leader)."""
        row = leaders.nominate(
            current_principal(), data["quarter"], data["group_id"], data["citation"]
        )
        unit_of_work.flush()
        return row


@blp.route("/admin/assessments/leader-nominations/<int:nomination_id>/decide")
class LeaderDecideView(MethodView):
    @blp.arguments(LeaderDecideIn)
    @blp.response(200, LeaderNominationOut)
    @login_required("committee")
    def post(self, data: dict[str, Any], nomination_id: int):
        """Approve (a public honour; points under the mine's GROUP_LEADER rule, if it has one,
        through a maker-checker points request) or reject, once (409 nomination_decided); not
        one's own nomination nor one about oneself (403 own_nomination)."""
        row = leaders.decide(current_principal(), nomination_id, data["approve"], data["reason"])
        unit_of_work.flush()
        return row


@blp.route("/assessments/honours/leaders")
class LeaderHonoursView(MethodView):
    @blp.arguments(HonoursQuery, location="query")
    @blp.response(200, LeaderHonourOut(many=True))
    @login_required("employee")
    def get(self, query: dict[str, Any]):
        """The honour wall's 优秀班组长 of a quarter (or every quarter), newest first."""
        return leaders.honours(current_principal().person.mine_id, query.get("quarter"))
