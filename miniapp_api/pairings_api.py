"""一带三/一带五: pairings, care flags, talk records, monthly compliance and the talk ledger."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask.views import MethodView
from flask_smorest import Blueprint
from sqlalchemy.orm import selectinload

from domain_errors import NotFound
from miniapp_api.auth import client_ip, current_principal, login_required
from miniapp_api.identity import visible_branch
from miniapp_api.pagination import page_of
from miniapp_api.wishes_api import WishCreated
from models import (
    CARE_EVENT_FAMILIES,
    CARE_EVENT_KINDS,
    CARE_FLAGS,
    MENTOR_ASSESSMENT_RESULTS,
    MENTOR_ASSESSMENT_STAGES,
    MENTORSHIP_STATUSES,
    TALK_RULE_BASES,
    CareEvent,
    Mentorship,
    Pairing,
    Talk,
    db,
    utcnow,
)
from pairings import care, compliance, duties, exports, mentoring, rules, services, talks
from pairings.months import month_of, parse_month
from pairings.schemas import (
    AccessQuery,
    CareEventIn,
    CareEventsQuery,
    CareFlagsIn,
    CloseDutyIn,
    DueDaysIn,
    EndMentorshipIn,
    MentorAssessmentIn,
    MentorSessionIn,
    MentorshipIn,
    MentorshipsQuery,
    MonthQuery,
    PairingIn,
    PairingsQuery,
    TalkContentIn,
    TalkIn,
    TalkRuleIn,
    TalksQuery,
)
from spreadsheets import XLSX_MIME
from web import unit_of_work
from web.downloads import FileName, attachment, file_name
from wishes.schemas import WishIn

blp = Blueprint("pairings", __name__, url_prefix="/api/v1", description="一带三/一带五 结对与谈心")

XLSX = XLSX_MIME


def month_arg(query: dict[str, Any]) -> str:
    return parse_month(query["month"]) if query.get("month") else month_of(utcnow())


# --- pairings -------------------------------------------------------------------------------


class MyEmployeeOut(ma.Schema):
    pairing_id = ma.fields.Integer(required=True)
    employee_id = ma.fields.Integer(required=True)
    name = ma.fields.String(required=True)
    employee_no = ma.fields.String(required=True)
    unit = ma.fields.String(required=True)
    flags = ma.fields.List(ma.fields.String(validate=ma.validate.OneOf(CARE_FLAGS)), required=True)
    last_talk_at = ma.fields.DateTime(allow_none=True, required=True)
    since = ma.fields.DateTime(required=True)


class MonthStatusOut(ma.Schema):
    month = ma.fields.String(required=True)
    required = ma.fields.Integer(required=True)
    done = ma.fields.Integer(required=True)
    status = ma.fields.String(
        required=True,
        validate=ma.validate.OneOf(["done", "due", "no_one_to_care"]),
        metadata={"description": "no_one_to_care：本月结对职工均无关怀标记，不计完成也不计未完成"},
    )
    basis = ma.fields.String(
        required=True,
        validate=ma.validate.OneOf(TALK_RULE_BASES),
        metadata={"description": "flagged 须与有关怀标记的职工谈心 | any 任一结对职工"},
    )


class MyPairingsOut(ma.Schema):
    limit = ma.fields.Integer(required=True, validate=ma.validate.OneOf([3, 5]))
    employees = ma.fields.List(ma.fields.Nested(MyEmployeeOut), required=True)
    month = ma.fields.Nested(MonthStatusOut, required=True)


class PersonRef(ma.Schema):
    id = ma.fields.Integer(required=True)
    name = ma.fields.String(required=True)
    employee_no = ma.fields.String(required=True)


class PairingOut(ma.Schema):
    id = ma.fields.Integer(required=True)
    branch_id = ma.fields.Integer(required=True)
    member_id = ma.fields.Integer(required=True)
    employee_id = ma.fields.Integer(required=True)
    member = ma.fields.Nested(PersonRef, required=True)
    employee = ma.fields.Nested(PersonRef, required=True)
    active = ma.fields.Function(
        lambda p: bool(p.active), required=True, metadata={"type": "boolean"}
    )
    started_at = ma.fields.DateTime(required=True)
    started_by_id = ma.fields.Integer(allow_none=True)
    ended_at = ma.fields.DateTime(allow_none=True, required=True)
    ended_by_id = ma.fields.Integer(allow_none=True)
    end_reason = ma.fields.String(
        allow_none=True,
        metadata={
            "description": "ended 书记解除 | member_moved / employee_moved 调动 | "
            "member_left_party 不再是党员 | member_left / employee_left 离职"
        },
    )


@blp.route("/pairings/mine")
class MyPairingsView(MethodView):
    @blp.response(200, MyPairingsOut)
    @login_required("member")
    def get(self):
        """My paired employees (care flags, last talk) and this month's talks done/required."""
        result = services.my_pairings(current_principal().person)
        return {"limit": result.limit, "employees": result.employees, "month": result.month}


@blp.route("/pairings")
class PairingsView(MethodView):
    @blp.arguments(PairingIn)
    @blp.response(201, PairingOut)
    @login_required("secretary")
    def post(self, data: dict[str, Any]):
        """Pair a member of my branch with an employee (一带三/一带五); 409 pairing_limit."""
        pairing = services.create_pairing(
            current_principal(), data["member_id"], data["employee_id"]
        )
        unit_of_work.flush()
        return pairing


@blp.route("/pairings/<int:pairing_id>")
class PairingView(MethodView):
    @blp.response(200, PairingOut)
    @login_required("secretary")
    def delete(self, pairing_id: int):
        """End a pairing (the record stays, with who ended it and when); repeating is a no-op."""
        pairing = services.end_pairing(current_principal(), pairing_id)
        unit_of_work.flush()
        return pairing


@blp.route("/branches/<int:branch_id>/pairings")
class BranchPairingsView(MethodView):
    @blp.arguments(PairingsQuery, location="query")
    @blp.response(200, PairingOut(many=True))
    @blp.paginate()
    @login_required("secretary", "committee")
    def get(self, query: dict[str, Any], branch_id: int, pagination_parameters):
        """The branch's pairings (active, ended or all: the history), newest first."""
        branch = visible_branch(current_principal(), branch_id)
        stmt = services.filter_pairings(
            db.select(Pairing).where(Pairing.branch_id == branch.id),
            query["status"],
            query.get("member_id"),
            query.get("employee_id"),
        ).options(selectinload(Pairing.member), selectinload(Pairing.employee))
        return page_of(
            stmt.order_by(Pairing.started_at.desc(), Pairing.id.desc()), pagination_parameters
        )


# --- care flags -----------------------------------------------------------------------------


class CareChangeOut(ma.Schema):
    flags = ma.fields.List(ma.fields.String(), required=True)
    note = ma.fields.String(required=True)
    set_by_id = ma.fields.Integer(allow_none=True, required=True)
    at = ma.fields.DateTime(required=True)


class CareFlagsOut(ma.Schema):
    employee_id = ma.fields.Integer(required=True)
    flags = ma.fields.List(ma.fields.String(), required=True)
    note = ma.fields.String(required=True)
    set_by_id = ma.fields.Integer(allow_none=True, required=True)
    set_at = ma.fields.DateTime(allow_none=True, required=True)
    history = ma.fields.List(ma.fields.Nested(CareChangeOut), required=True)


def care_view(person_id: int, current, history: list) -> dict[str, Any]:
    return {
        "employee_id": person_id,
        "flags": current.flags if current else [],
        "note": current.note if current else "",
        "set_by_id": current.set_by_id if current else None,
        "set_at": current.set_at if current else None,
        "history": [
            {"flags": c.flags, "note": c.note, "set_by_id": c.set_by_id, "at": c.at}
            for c in history
        ],
    }


@blp.route("/employees/<int:person_id>/care-flags")
class CareFlagsView(MethodView):
    @blp.response(200, CareFlagsOut)
    @login_required("secretary", "committee")
    def get(self, person_id: int):
        """Current care flags and their history (secretary of the unit, committee)."""
        person, current, history = care.care_history(current_principal(), person_id)
        return care_view(person.id, current, history)

    @blp.arguments(CareFlagsIn)
    @blp.response(200, CareFlagsOut)
    @login_required("secretary")
    def put(self, data: dict[str, Any], person_id: int):
        """Set the flags 思想有波动 (ideological) / 生活有困难 (hardship); every change is kept."""
        principal = current_principal()
        care.set_care_flags(principal, person_id, data["flags"], data["note"])
        unit_of_work.flush()
        person, current, history = care.care_history(principal, person_id)
        return care_view(person.id, current, history)


# --- talks ----------------------------------------------------------------------------------


class TalkOut(ma.Schema):
    id = ma.fields.Integer(required=True)
    member_id = ma.fields.Integer(required=True)
    member_name = ma.fields.Function(
        lambda t: t.member.name, required=True, metadata={"type": "string"}
    )
    employee_id = ma.fields.Integer(required=True)
    employee_name = ma.fields.Function(
        lambda t: t.employee.name, required=True, metadata={"type": "string"}
    )
    author_id = ma.fields.Integer(required=True)
    author_name = ma.fields.Function(
        lambda t: t.author.name, required=True, metadata={"type": "string"}
    )
    branch_id = ma.fields.Integer(required=True)
    pairing_id = ma.fields.Integer(allow_none=True, required=True)
    counts = ma.fields.Function(
        compliance.talk_counts,
        required=True,
        metadata={"type": "boolean", "description": "是否计入该党员当月谈心次数"},
    )
    counts_note = ma.fields.Function(
        compliance.talk_counts_note,
        required=True,
        allow_none=True,
        metadata={"type": "string", "description": "不计入时的原因（计入时为 null）"},
    )
    care_flagged = ma.fields.Boolean(
        required=True, metadata={"description": "谈心当天该职工是否有关怀标记"}
    )
    talked_at = ma.fields.DateTime(required=True)
    month = ma.fields.String(required=True)
    mode = ma.fields.String(required=True)
    place = ma.fields.String(required=True)
    topics = ma.fields.String(required=True)
    concerns = ma.fields.String(required=True)
    follow_up = ma.fields.String(required=True)
    created_at = ma.fields.DateTime(required=True)
    updated_at = ma.fields.DateTime(required=True)
    editable_until = ma.fields.Method(
        "_editable_until",
        required=True,
        metadata={"type": "string", "format": "date-time", "description": "此后记录锁定"},
    )
    locked = ma.fields.Function(
        lambda t: utcnow() >= talks.editable_until(t),
        required=True,
        metadata={"type": "boolean"},
    )
    corrects_id = ma.fields.Integer(allow_none=True, required=True)
    corrected_by_id = ma.fields.Integer(allow_none=True, required=True)
    wish_ids = ma.fields.Function(
        lambda t: [w.id for w in t.wishes],
        required=True,
        metadata={
            "type": "array",
            "items": {"type": "integer"},
            "description": "由本次谈心反映的问题转成的微心愿",
        },
    )

    def _editable_until(self, talk: Talk) -> str:
        return talks.editable_until(talk).isoformat()


def content_of(data: dict[str, Any]) -> talks.TalkContent:
    return talks.TalkContent(
        talked_at=data["talked_at"],
        mode=data["mode"],
        topics=data["topics"],
        place=data["place"],
        concerns=data["concerns"],
        follow_up=data["follow_up"],
    )


def _with_people(stmt):
    return stmt.options(
        selectinload(Talk.member),
        selectinload(Talk.employee),
        selectinload(Talk.author),
        selectinload(Talk.wishes),
    )


@blp.route("/talks")
class TalksView(MethodView):
    @blp.arguments(TalkIn)
    @blp.response(201, TalkOut)
    @login_required("member", "secretary")
    def post(self, data: dict[str, Any]):
        """Log a talk held with a paired employee (secretaries: also for a member of the branch)."""
        talk = talks.log_talk(
            current_principal(), data["employee_id"], content_of(data), data.get("member_id")
        )
        unit_of_work.flush()
        return talk

    @blp.arguments(TalksQuery, location="query")
    @blp.response(200, TalkOut(many=True))
    @blp.paginate()
    @login_required()
    def get(self, query: dict[str, Any], pagination_parameters):
        """The month's talk records I may read: my own; a secretary's branch; committee's mine.

        Every record returned is written to the access log."""
        principal = current_principal()
        stmt = talks.talks_query(
            principal,
            month_arg(query),
            branch_id=query.get("branch_id"),
            member_id=query.get("member_id"),
            employee_id=query.get("employee_id"),
            include_corrected=query["include_corrected"],
        )
        items = page_of(_with_people(stmt), pagination_parameters)
        talks.record_reads(principal, items, "list", client_ip())
        unit_of_work.flush()
        return items


@blp.route("/talks/<int:talk_id>")
class TalkView(MethodView):
    @blp.response(200, TalkOut)
    @login_required()
    def get(self, talk_id: int):
        """One talk record (author, its member, the branch secretary, committee); logged."""
        principal = current_principal()
        talk = talks.visible_talk(principal, talk_id)
        talks.record_reads(principal, [talk], "detail", client_ip())
        unit_of_work.flush()
        return talk

    @blp.arguments(TalkContentIn)
    @blp.response(200, TalkOut)
    @login_required()
    def put(self, data: dict[str, Any], talk_id: int):
        """Edit a record: its author, within 7 days of writing it (then 409 talk_locked)."""
        talk = talks.edit_talk(current_principal(), talk_id, content_of(data))
        unit_of_work.flush()
        return talk


@blp.route("/talks/<int:talk_id>/corrections")
class TalkCorrectionView(MethodView):
    @blp.arguments(TalkContentIn)
    @blp.response(201, TalkOut)
    @login_required("member", "secretary")
    def post(self, data: dict[str, Any], talk_id: int):
        """Correct a (locked) record: a new record that points at the old, which stops counting."""
        talk = talks.correct_talk(current_principal(), talk_id, content_of(data))
        unit_of_work.flush()
        return talk


@blp.route("/talks/<int:talk_id>/wish")
class TalkWishView(MethodView):
    @blp.arguments(WishIn)
    @blp.response(201, WishCreated)
    @login_required("member", "secretary")
    def post(self, data: dict[str, Any], talk_id: int):
        """A concern raised in the talk becomes a micro-wish on the employee's behalf."""
        wish = talks.wish_from_talk(
            current_principal(), talk_id, data["title"], data["content"], data["category"]
        )
        unit_of_work.flush()
        return {"id": wish.id, "status": wish.status}


class AccessOut(ma.Schema):
    id = ma.fields.Integer(required=True)
    talk_id = ma.fields.Integer(required=True)
    viewer_id = ma.fields.Integer(required=True)
    viewer_name = ma.fields.String(required=True)
    action = ma.fields.String(required=True, metadata={"description": "detail | list | export"})
    ip = ma.fields.String(allow_none=True, required=True)
    at = ma.fields.DateTime(required=True)


@blp.route("/admin/talk-access")
class TalkAccessView(MethodView):
    @blp.arguments(AccessQuery, location="query")
    @blp.response(200, AccessOut(many=True))
    @blp.paginate()
    @login_required("committee")
    def get(self, query: dict[str, Any], pagination_parameters):
        """Who read which talk record, when, from where (committee, own mine)."""
        stmt = talks.access_log_query(
            current_principal(), query.get("talk_id"), query.get("viewer_id")
        )
        rows = page_of(stmt, pagination_parameters)
        names = talks.people_names({r.viewer_id for r in rows})
        return [
            {
                "id": r.id,
                "talk_id": r.talk_id,
                "viewer_id": r.viewer_id,
                "viewer_name": names[r.viewer_id].name if r.viewer_id in names else "",
                "action": r.action,
                "ip": r.ip,
                "at": r.at,
            }
            for r in rows
        ]


# --- compliance -----------------------------------------------------------------------------


class ComplianceMemberOut(ma.Schema):
    member_id = ma.fields.Integer(required=True)
    name = ma.fields.String(required=True)
    employee_no = ma.fields.String(required=True)
    employees = ma.fields.Integer(required=True, metadata={"description": "当月结对职工数"})
    required = ma.fields.Integer(required=True)
    done = ma.fields.Integer(required=True)
    status = ma.fields.String(required=True, validate=ma.validate.OneOf(["done", "due"]))


class UnpairedOut(ma.Schema):
    member_id = ma.fields.Integer(required=True)
    name = ma.fields.String(required=True)
    employee_no = ma.fields.String(required=True)


class RestingOut(UnpairedOut):
    employees = ma.fields.Integer(required=True, metadata={"description": "当月结对职工数"})


class MonthRuleOut(ma.Schema):
    basis = ma.fields.String(required=True, validate=ma.validate.OneOf(TALK_RULE_BASES))
    required = ma.fields.Integer(required=True)
    effective_month = ma.fields.String(
        allow_none=True, required=True, metadata={"description": "null：系统默认要求"}
    )
    label = ma.fields.String(required=True)


class ComplianceOut(ma.Schema):
    month = ma.fields.String(required=True)
    branch_id = ma.fields.Integer(required=True)
    branch_name = ma.fields.String(required=True)
    required = ma.fields.Integer(required=True)
    rule = ma.fields.Nested(
        MonthRuleOut, required=True, metadata={"description": "本月适用的谈心要求"}
    )
    rate = ma.fields.Float(
        allow_none=True,
        required=True,
        metadata={"description": "完成人数/应谈人数；无人结对时为 null"},
    )
    members = ma.fields.List(ma.fields.Nested(ComplianceMemberOut), required=True)
    unpaired = ma.fields.List(
        ma.fields.Nested(UnpairedOut),
        required=True,
        metadata={"description": "本支部当月没有结对的党员"},
    )
    no_one_to_care = ma.fields.List(
        ma.fields.Nested(RestingOut),
        required=True,
        metadata={"description": "本月结对职工均无关怀标记的党员（不计完成，也不计未完成）"},
    )


class RollupBranchOut(ma.Schema):
    branch_id = ma.fields.Integer(required=True)
    name = ma.fields.String(required=True)
    members = ma.fields.Integer(required=True)
    done = ma.fields.Integer(required=True)
    due = ma.fields.Integer(required=True)
    rate = ma.fields.Float(allow_none=True, required=True)
    no_one_to_care = ma.fields.Integer(required=True)
    overdue_duties = ma.fields.Integer(required=True, metadata={"description": "逾期的必访必谈"})


class RollupOut(ma.Schema):
    month = ma.fields.String(required=True)
    required = ma.fields.Integer(required=True)
    rule = ma.fields.Nested(MonthRuleOut, required=True)
    members = ma.fields.Integer(required=True)
    done = ma.fields.Integer(required=True)
    due = ma.fields.Integer(required=True)
    rate = ma.fields.Float(allow_none=True, required=True)
    no_one_to_care = ma.fields.Integer(required=True)
    overdue_duties = ma.fields.Integer(required=True, metadata={"description": "逾期的必访必谈"})
    branches = ma.fields.List(ma.fields.Nested(RollupBranchOut), required=True)


@blp.route("/branches/<int:branch_id>/compliance")
class ComplianceView(MethodView):
    @blp.arguments(MonthQuery, location="query")
    @blp.response(200, ComplianceOut)
    @login_required("secretary", "committee")
    def get(self, query: dict[str, Any], branch_id: int):
        """Who has held the month's talks and who is still due, and the rate."""
        branch = visible_branch(current_principal(), branch_id)
        return compliance.branch_compliance(branch, month_arg(query))


@blp.route("/admin/compliance")
class MineComplianceView(MethodView):
    @blp.arguments(MonthQuery, location="query")
    @blp.response(200, RollupOut)
    @login_required("committee")
    def get(self, query: dict[str, Any]):
        """The mine's roll-up by branch for the party committee."""
        principal = current_principal()
        return compliance.mine_rollup(principal.person.mine_id, month_arg(query))


@blp.route("/branches/<int:branch_id>/talks/export.xlsx")
class TalkLedgerExportView(MethodView):
    @blp.arguments(MonthQuery, location="query")
    @blp.response(200, content_type=XLSX, description="谈心台账 .xlsx")
    @login_required("secretary", "committee")
    def get(self, query: dict[str, Any], branch_id: int):
        """The month's talk ledger (台账) of a branch as .xlsx; every record in it is logged."""
        principal = current_principal()
        branch = visible_branch(principal, branch_id)
        month = month_arg(query)
        data = exports.talk_ledger(principal, branch, month, client_ip())
        return xlsx_response(data, file_name("talks", (branch.name, branch.id), month))


@blp.route("/admin/talks/export.xlsx")
class MineTalkLedgerExportView(MethodView):
    @blp.arguments(MonthQuery, location="query")
    @blp.response(200, content_type=XLSX, description="全矿谈心台账 .xlsx")
    @login_required("committee")
    def get(self, query: dict[str, Any]):
        """The whole mine's talk ledger of a month in one file (every branch; every record in it
        is logged as read)."""
        principal = current_principal()
        month = month_arg(query)
        mine_id = principal.person.mine_id
        data = exports.mine_talk_ledger(principal, mine_id, month, client_ip())
        return xlsx_response(data, file_name("talks", ("全矿", "mine"), month))


def xlsx_response(data: bytes, filename: FileName):
    """A ledger download."""
    return attachment(data, filename, XLSX)


# --- the mine's talk rule -------------------------------------------------------------------


class RuleChangeOut(ma.Schema):
    id = ma.fields.Integer(required=True)
    effective_month = ma.fields.String(required=True)
    basis = ma.fields.String(required=True, validate=ma.validate.OneOf(TALK_RULE_BASES))
    required = ma.fields.Integer(required=True)
    note = ma.fields.String(required=True)
    set_by_id = ma.fields.Integer(allow_none=True, required=True)
    set_at = ma.fields.DateTime(required=True)


class TalkRuleOut(ma.Schema):
    current = ma.fields.Nested(MonthRuleOut, required=True, metadata={"description": "本月适用"})
    upcoming = ma.fields.Nested(
        MonthRuleOut,
        allow_none=True,
        required=True,
        metadata={"description": "下月起适用（如有变更）"},
    )
    history = ma.fields.List(ma.fields.Nested(RuleChangeOut), required=True)


def rule_page(mine_id: int) -> dict[str, Any]:
    view = rules.rule_view(mine_id)
    return {
        "current": compliance.rule_out(view.current),
        "upcoming": compliance.rule_out(view.upcoming) if view.upcoming else None,
        "history": view.history,
    }


@blp.route("/admin/talk-rule")
class TalkRuleView(MethodView):
    @blp.response(200, TalkRuleOut)
    @login_required("committee")
    def get(self):
        """The mine's monthly talk rule: this month's, next month's if changed, every change."""
        return rule_page(current_principal().person.mine_id)

    @blp.arguments(TalkRuleIn)
    @blp.response(200, TalkRuleOut)
    @login_required("committee")
    def put(self, data: dict[str, Any]):
        """Change what a month requires; it applies from the next month (this one is never
        re-judged) and the change is kept with who made it."""
        principal = current_principal()
        rules.set_rule(principal, data["basis"], data["required"], data["note"])
        unit_of_work.flush()
        return rule_page(principal.person.mine_id)


# --- 必访必谈 events and their duties ---------------------------------------------------------


class CareEventKindOut(ma.Schema):
    kind = ma.fields.String(required=True, validate=ma.validate.OneOf(list(CARE_EVENT_KINDS)))
    label = ma.fields.String(required=True)
    family = ma.fields.String(required=True, validate=ma.validate.OneOf(CARE_EVENT_FAMILIES))
    family_label = ma.fields.String(required=True)
    due_days = ma.fields.Integer(required=True, metadata={"description": "事件后几天内完成"})


def kinds_view(mine_id: int) -> list[dict[str, Any]]:
    days = duties.due_days(mine_id)
    return [
        {
            "kind": k,
            "label": duties.KIND_LABELS[k],
            "family": fam,
            "family_label": duties.FAMILY_LABELS[fam],
            "due_days": days[k],
        }
        for k, (fam, _) in CARE_EVENT_KINDS.items()
    ]


class CareEventOut(ma.Schema):
    id = ma.fields.Integer(required=True)
    branch_id = ma.fields.Integer(required=True)
    employee_id = ma.fields.Integer(required=True)
    employee_name = ma.fields.Function(
        lambda e: e.employee.name, required=True, metadata={"type": "string"}
    )
    kind = ma.fields.String(required=True, validate=ma.validate.OneOf(list(CARE_EVENT_KINDS)))
    kind_label = ma.fields.Function(
        lambda e: duties.KIND_LABELS[e.kind], required=True, metadata={"type": "string"}
    )
    family = ma.fields.String(required=True, validate=ma.validate.OneOf(CARE_EVENT_FAMILIES))
    occurred_on = ma.fields.Date(required=True)
    note = ma.fields.String(required=True)
    recorded_by_id = ma.fields.Integer(required=True)
    recorded_at = ma.fields.DateTime(required=True)
    assignee_id = ma.fields.Integer(required=True)
    assignee_name = ma.fields.Function(
        lambda e: e.assignee.name, required=True, metadata={"type": "string"}
    )
    due_at = ma.fields.DateTime(required=True, metadata={"description": "此时之前须完成"})
    status = ma.fields.Function(
        duties.status_of,
        required=True,
        metadata={"type": "string", "enum": ["open", "overdue", "closed"]},
    )
    closed_at = ma.fields.DateTime(allow_none=True, required=True)
    closing_talk_id = ma.fields.Integer(allow_none=True, required=True)


@blp.route("/care-event-kinds")
class CareEventKindsView(MethodView):
    @blp.response(200, CareEventKindOut(many=True))
    @login_required("member", "secretary", "committee")
    def get(self):
        """必访必谈 kinds with their family and the mine's due time in days."""
        return kinds_view(current_principal().person.mine_id)


@blp.route("/admin/care-event-kinds/<string:kind>")
class CareEventKindView(MethodView):
    @blp.arguments(DueDaysIn)
    @blp.response(200, CareEventKindOut(many=True))
    @login_required("committee")
    def put(self, data: dict[str, Any], kind: str):
        """Set the mine's due time for one kind (applies to events recorded from now on)."""
        if kind not in CARE_EVENT_KINDS:
            raise NotFound()
        principal = current_principal()
        duties.set_due_days(principal, kind, data["due_days"])
        unit_of_work.flush()
        return kinds_view(principal.person.mine_id)


def _with_event_people(stmt):
    return stmt.options(selectinload(CareEvent.employee), selectinload(CareEvent.assignee))


@blp.route("/care-events")
class CareEventsView(MethodView):
    @blp.arguments(CareEventIn)
    @blp.response(201, CareEventOut)
    @login_required("member", "secretary")
    def post(self, data: dict[str, Any]):
        """Record a 必访必谈 event (the branch secretary, or the employee's paired member); its
        duty goes to the paired member, else the secretary, who is notified."""
        event = duties.record_event(
            current_principal(),
            data["employee_id"],
            data["kind"],
            data["occurred_on"],
            data["note"],
        )
        unit_of_work.flush()
        return event

    @blp.arguments(CareEventsQuery, location="query")
    @blp.response(200, CareEventOut(many=True))
    @blp.paginate()
    @login_required("member", "secretary", "committee")
    def get(self, query: dict[str, Any], pagination_parameters):
        """Events I may read (assigned to me or recorded by me; my branch; the committee's
        mine), soonest due first: open, overdue, closed or all."""
        stmt = duties.events_query(
            current_principal(), query["status"], query.get("branch_id"), query.get("assignee_id")
        )
        return page_of(_with_event_people(stmt), pagination_parameters)


@blp.route("/care-events/<int:event_id>")
class CareEventView(MethodView):
    @blp.response(200, CareEventOut)
    @login_required("member", "secretary", "committee")
    def get(self, event_id: int):
        """One event and its duty."""
        return duties.visible_event(current_principal(), event_id)


@blp.route("/care-events/<int:event_id>/close")
class CloseDutyView(MethodView):
    @blp.arguments(CloseDutyIn)
    @blp.response(200, CareEventOut)
    @login_required("member", "secretary")
    def post(self, data: dict[str, Any], event_id: int):
        """The assignee closes the duty with the visit or talk that fulfilled it (logging that
        talk closes it by itself; this names an earlier one)."""
        event = duties.close_duty(current_principal(), event_id, data["talk_id"])
        unit_of_work.flush()
        return event


# --- 传帮带 mentoring -------------------------------------------------------------------------


class MentorSessionOut(ma.Schema):
    id = ma.fields.Integer(required=True)
    held_on = ma.fields.Date(required=True)
    month = ma.fields.String(required=True)
    taught = ma.fields.String(required=True)
    practice = ma.fields.String(required=True)
    created_at = ma.fields.DateTime(required=True)


class MentorAssessmentOut(ma.Schema):
    id = ma.fields.Integer(required=True)
    stage = ma.fields.String(required=True, validate=ma.validate.OneOf(MENTOR_ASSESSMENT_STAGES))
    result = ma.fields.String(required=True, validate=ma.validate.OneOf(MENTOR_ASSESSMENT_RESULTS))
    comment = ma.fields.String(required=True)
    extended_to = ma.fields.Date(allow_none=True, required=True)
    assessed_by_id = ma.fields.Integer(required=True)
    at = ma.fields.DateTime(required=True)


class MentorshipOut(ma.Schema):
    id = ma.fields.Integer(required=True)
    branch_id = ma.fields.Integer(required=True)
    mentor = ma.fields.Nested(PersonRef, required=True)
    apprentice = ma.fields.Nested(PersonRef, required=True)
    status = ma.fields.String(required=True, validate=ma.validate.OneOf(MENTORSHIP_STATUSES))
    skill_goals = ma.fields.String(required=True)
    safety_goals = ma.fields.String(required=True)
    starts_on = ma.fields.Date(required=True)
    ends_on = ma.fields.Date(required=True)
    ended_at = ma.fields.DateTime(allow_none=True, required=True)
    end_note = ma.fields.String(required=True)


class MentorshipDetailOut(MentorshipOut):
    sessions = ma.fields.List(ma.fields.Nested(MentorSessionOut), required=True)
    assessments = ma.fields.List(ma.fields.Nested(MentorAssessmentOut), required=True)
    months_logged = ma.fields.List(
        ma.fields.String(), required=True, metadata={"description": "有带徒记录的月份"}
    )


def mentorship_detail(row) -> dict[str, Any]:
    out = {name: getattr(row, name) for name in MentorshipOut().fields}
    out["sessions"] = mentoring.sessions_of(row.id)
    out["assessments"] = mentoring.assessments_of(row.id)
    out["months_logged"] = mentoring.months_logged(row.id)
    return out


def _with_mentor_people(stmt):
    return stmt.options(selectinload(Mentorship.mentor), selectinload(Mentorship.apprentice))


@blp.route("/mentorships")
class MentorshipsView(MethodView):
    @blp.arguments(MentorshipIn)
    @blp.response(201, MentorshipDetailOut)
    @login_required("secretary")
    def post(self, data: dict[str, Any]):
        """Start a 传帮带 pair (outside the 一带三/一带五 limit); an apprentice has one mentor at
        a time (409 apprentice_has_mentor)."""
        row = mentoring.create_mentorship(
            current_principal(),
            data["mentor_id"],
            data["apprentice_id"],
            data["skill_goals"],
            data["safety_goals"],
            data.get("months"),
            data.get("starts_on"),
        )
        unit_of_work.flush()
        return mentorship_detail(row)


@blp.route("/mentorships/mine")
class MyMentorshipsView(MethodView):
    @blp.response(200, MentorshipOut(many=True))
    @blp.paginate()
    @login_required()
    def get(self, pagination_parameters):
        """The pairs I mentor or am apprenticed in, running first."""
        person = current_principal().require_bound()
        stmt = _with_mentor_people(mentoring.my_mentorships(person))
        return page_of(stmt, pagination_parameters)


@blp.route("/branches/<int:branch_id>/mentorships")
class BranchMentorshipsView(MethodView):
    @blp.arguments(MentorshipsQuery, location="query")
    @blp.response(200, MentorshipOut(many=True))
    @blp.paginate()
    @login_required("secretary", "committee")
    def get(self, query: dict[str, Any], branch_id: int, pagination_parameters):
        """The branch's mentoring pairs: active, passed, ended or all, newest first."""
        branch = visible_branch(current_principal(), branch_id)
        stmt = _with_mentor_people(mentoring.branch_mentorships(branch.id, query["status"]))
        return page_of(stmt, pagination_parameters)


@blp.route("/branches/<int:branch_id>/mentorships/export.xlsx")
class MentoringLedgerView(MethodView):
    @blp.response(200, content_type=XLSX, description="传帮带台账 .xlsx")
    @login_required("secretary", "committee")
    def get(self, branch_id: int):
        """The branch's 传帮带 ledger: pairs, sessions, assessments."""
        branch = visible_branch(current_principal(), branch_id)
        return xlsx_response(
            exports.mentoring_ledger([branch]), file_name("mentoring", (branch.name, branch.id))
        )


@blp.route("/mentorships/<int:mentorship_id>")
class MentorshipView(MethodView):
    @blp.response(200, MentorshipDetailOut)
    @login_required()
    def get(self, mentorship_id: int):
        """One pair with its sessions and assessments (mentor, apprentice, secretary,
        committee)."""
        return mentorship_detail(mentoring.visible_mentorship(current_principal(), mentorship_id))


@blp.route("/mentorships/<int:mentorship_id>/end")
class EndMentorshipView(MethodView):
    @blp.arguments(EndMentorshipIn)
    @blp.response(200, MentorshipDetailOut)
    @login_required("secretary", "committee")
    def post(self, data: dict[str, Any], mentorship_id: int):
        """End a running pair early (the record stays); repeating is a no-op."""
        row = mentoring.end_mentorship(current_principal(), mentorship_id, data["note"])
        unit_of_work.flush()
        return mentorship_detail(row)


@blp.route("/mentorships/<int:mentorship_id>/sessions")
class MentorSessionsView(MethodView):
    @blp.arguments(MentorSessionIn)
    @blp.response(201, MentorSessionOut)
    @login_required("member")
    def post(self, data: dict[str, Any], mentorship_id: int):
        """The mentor logs a session: what was taught, what was practised."""
        session = mentoring.log_session(
            current_principal(), mentorship_id, data["held_on"], data["taught"], data["practice"]
        )
        unit_of_work.flush()
        return session


@blp.route("/mentorships/<int:mentorship_id>/assessments")
class MentorAssessmentsView(MethodView):
    @blp.arguments(MentorAssessmentIn)
    @blp.response(201, MentorAssessmentOut)
    @login_required("secretary", "committee")
    def post(self, data: dict[str, Any], mentorship_id: int):
        """The 区队's mid-term or final assessment: passed, or extended (the period moves); a
        passed final ends the pair and awards the mentor's points."""
        item = mentoring.assess(
            current_principal(),
            mentorship_id,
            data["stage"],
            data["result"],
            data["comment"],
            data.get("extend_months"),
        )
        unit_of_work.flush()
        return item
