"""六大员 voting for the party committee: campaigns, candidates, status, ballots, exports."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import marshmallow as ma
from flask.views import MethodView
from flask_smorest import Blueprint

from domain_errors import InvalidInput
from miniapp_api import body
from miniapp_api.auth import current_principal, login_required
from miniapp_api.pagination import rows_of
from miniapp_api.votes_api import (
    CampaignSummarySchema,
    RulesSchema,
    WeightsSchema,
    photo_url,
)
from models import Account, Ballot, Candidate, Person, Unit, db
from points.schemas import DecideIn
from spreadsheets import XLSX_MIME
from votes import (
    anti_brushing,
    ballot_list,
    ballots,
    campaigns,
    clock,
    exports,
    objections,
    points_sheets,
    share,
    turnout,
)
from votes.schemas import (
    AnswerIn,
    BallotQuery,
    CampaignIn,
    CampaignPatch,
    CandidateIn,
    CandidatePatch,
    NoticeIn,
    SuspiciousQuery,
    TieDecisionIn,
    VoidIn,
)
from web import unit_of_work
from web.downloads import attachment, file_name

blp = Blueprint(
    "votes_admin", __name__, url_prefix="/api/v1/admin", description="党委：六大员评选管理"
)


class CreatedCampaign(ma.Schema):
    id = ma.fields.Integer(required=True)
    status = ma.fields.String(required=True)


class AdminCampaignSchema(CampaignSummarySchema):
    description = ma.fields.String(required=True)
    categories = ma.fields.List(ma.fields.String(), required=True)
    rules = ma.fields.Nested(RulesSchema, required=True)
    weights = ma.fields.Nested(WeightsSchema, required=True)
    points_source = ma.fields.String(required=True)
    quotas = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.Integer(), required=True)
    notice_days = ma.fields.Integer(required=True)
    notice_starts_at = ma.fields.DateTime(allow_none=True)
    notice_ends_at = ma.fields.DateTime(allow_none=True)
    opened_at = ma.fields.DateTime(allow_none=True)
    closed_at = ma.fields.DateTime(allow_none=True)
    published_at = ma.fields.DateTime(allow_none=True)
    nominations_end_at = ma.fields.DateTime(
        allow_none=True, metadata={"description": "the branches' nomination window ends"}
    )
    nomination_cap = ma.fields.Integer(
        allow_none=True, metadata={"description": "live nominations per branch (none: no cap)"}
    )


def campaign_out(c) -> dict[str, Any]:
    return {
        "id": c.id,
        "title": c.title,
        "description": c.description,
        "status": c.status,
        "starts_at": c.starts_at,
        "ends_at": c.ends_at,
        "categories": c.categories,
        "rules": campaigns.rules_of(c),
        "weights": campaigns.weights_of(c),
        "points_source": c.points_source,
        "quotas": campaigns.quotas_of(c),
        "notice_days": c.notice_days,
        "notice_starts_at": c.notice_starts_at,
        "notice_ends_at": c.notice_ends_at,
        "opened_at": c.opened_at,
        "closed_at": c.closed_at,
        "published_at": c.published_at,
        "nominations_end_at": c.nominations_end_at,
        "nomination_cap": c.nomination_cap,
    }


class CreatedId(ma.Schema):
    id = ma.fields.Integer(required=True)


class AdminCandidateSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    employee_no = ma.fields.String(required=True)
    name = ma.fields.String(required=True)
    unit = ma.fields.String(required=True)
    category = ma.fields.String(required=True)
    story = ma.fields.String(required=True)
    photo_url = ma.fields.String(allow_none=True, required=True)
    assessed_points = ma.fields.Float(allow_none=True, required=True)


def candidate_out(c: Candidate) -> dict[str, Any]:
    return {
        "id": c.id,
        "employee_no": c.person.employee_no,
        "name": c.person.name,
        "unit": c.person.unit.name if c.person.unit else "",
        "category": c.category,
        "story": c.story,
        "photo_url": photo_url(c),
        "assessed_points": c.assessed_points,
    }


class UploadIn(ma.Schema):
    file = ma.fields.Raw(required=True, metadata={"type": "string", "format": "binary"})


class PointsSheetOut(ma.Schema):
    id = ma.fields.Integer(required=True)
    status = ma.fields.String(
        required=True, validate=ma.validate.OneOf(["pending", "approved", "rejected"])
    )
    candidates = ma.fields.Integer(required=True)


class BallotSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    candidate_id = ma.fields.Integer(required=True)
    candidate_name = ma.fields.String(required=True)
    category = ma.fields.String(required=True)
    voter = ma.fields.Dict(required=True, metadata={"description": "{id, employee_no, name, unit}"})
    cast_at = ma.fields.DateTime(required=True)
    vote_day = ma.fields.Date(required=True)
    ip = ma.fields.String(allow_none=True)
    user_agent = ma.fields.String(allow_none=True)
    client_hints = ma.fields.String(allow_none=True)
    account_id = ma.fields.Integer(allow_none=True)
    account_bound_at = ma.fields.DateTime(allow_none=True)
    path = ma.fields.String(required=True)
    voided = ma.fields.Boolean(required=True)
    voided_at = ma.fields.DateTime(allow_none=True)
    void_reason = ma.fields.String(allow_none=True)


class BurstSchema(ma.Schema):
    candidate_id = ma.fields.Integer(required=True)
    candidate_name = ma.fields.String(required=True)
    unit_id = ma.fields.Integer(allow_none=True)
    unit = ma.fields.String(required=True)
    first_at = ma.fields.DateTime(required=True)
    last_at = ma.fields.DateTime(required=True)
    ballots = ma.fields.Integer(required=True)
    ballot_ids = ma.fields.List(ma.fields.Integer(), required=True)


class FreshSchema(ma.Schema):
    candidate_id = ma.fields.Integer(required=True)
    candidate_name = ma.fields.String(required=True)
    accounts = ma.fields.Integer(required=True)
    ballots = ma.fields.Integer(required=True)
    ballot_ids = ma.fields.List(ma.fields.Integer(), required=True)
    voters = ma.fields.List(ma.fields.Dict(), required=True)


class SuspiciousSchema(ma.Schema):
    since = ma.fields.DateTime(required=True)
    bursts = ma.fields.List(ma.fields.Nested(BurstSchema), required=True)
    fresh_accounts = ma.fields.List(ma.fields.Nested(FreshSchema), required=True)


def _campaign(campaign_id: int, *, lock: bool = False):
    return campaigns.managed_campaign(campaign_id, current_principal(), lock=lock)


@blp.route("/campaigns")
class AdminCampaignsView(MethodView):
    @blp.arguments(CampaignIn)
    @blp.response(201, CreatedCampaign)
    @login_required("committee")
    def post(self, data: dict[str, Any]):
        """Create a draft campaign (rules and weights default to API.md's)."""
        campaign = campaigns.create_campaign(current_principal(), data)
        unit_of_work.flush()
        return {"id": campaign.id, "status": campaign.status}


@blp.route("/campaigns/<int:campaign_id>")
class AdminCampaignView(MethodView):
    @blp.response(200, AdminCampaignSchema)
    @login_required("committee")
    def get(self, campaign_id: int):
        """A campaign with everything the committee set."""
        return campaign_out(_campaign(campaign_id))

    @blp.arguments(CampaignPatch)
    @blp.response(200, AdminCampaignSchema)
    @login_required("committee")
    def patch(self, data: dict[str, Any], campaign_id: int):
        """Edit: anything while a draft; title, description, end time, hide_tallies afterwards."""
        campaign = campaigns.update_campaign(
            _campaign(campaign_id, lock=True), current_principal(), data
        )
        unit_of_work.flush()
        return campaign_out(campaign)


@blp.route("/campaigns/<int:campaign_id>/open")
class CampaignOpenView(MethodView):
    @blp.response(200, AdminCampaignSchema)
    @login_required("committee")
    def post(self, campaign_id: int):
        """Open voting (from draft, or resume a closed campaign before its end)."""
        campaign = campaigns.open_campaign(_campaign(campaign_id, lock=True), current_principal())
        unit_of_work.flush()
        return campaign_out(campaign)


@blp.route("/campaigns/<int:campaign_id>/close")
class CampaignCloseView(MethodView):
    @blp.response(200, AdminCampaignSchema)
    @login_required("committee")
    def post(self, campaign_id: int):
        """Close voting."""
        campaign = campaigns.close_campaign(_campaign(campaign_id, lock=True), current_principal())
        unit_of_work.flush()
        return campaign_out(campaign)


@blp.route("/campaigns/<int:campaign_id>/notice")
class CampaignNoticeView(MethodView):
    @blp.arguments(NoticeIn)
    @blp.response(200, AdminCampaignSchema)
    @login_required("committee")
    def post(self, data: dict[str, Any], campaign_id: int):
        """Start 公示 after close: results are frozen and the winners (名额 per category) shown
        to every bound employee of the mine for `days`."""
        campaign = campaigns.start_notice(
            _campaign(campaign_id, lock=True), current_principal(), data.get("days")
        )
        unit_of_work.flush()
        return campaign_out(campaign)


@blp.route("/campaigns/<int:campaign_id>/tie")
class CampaignTieView(MethodView):
    @blp.arguments(TieDecisionIn)
    @blp.response(200, AdminCampaignSchema)
    @login_required("committee")
    def post(self, data: dict[str, Any], campaign_id: int):
        """During 公示, decide a tie at the 名额 boundary (tie rule "committee"): which of the
        tied candidates take the places left, with a reason (kept in the results and the
        export). Publish is 409 tie_undecided until every such tie is decided."""
        campaign = campaigns.decide_tie(
            _campaign(campaign_id, lock=True),
            current_principal(),
            data["category"],
            data["candidate_ids"],
            data["reason"],
        )
        unit_of_work.flush()
        return campaign_out(campaign)


@blp.route("/campaigns/<int:campaign_id>/publish")
class CampaignPublishView(MethodView):
    @blp.response(200, AdminCampaignSchema)
    @login_required("committee")
    def post(self, campaign_id: int):
        """Publish the results frozen at 公示, once the period has ended and every objection is
        answered (409 notice_pending otherwise)."""
        campaign = campaigns.publish_campaign(
            _campaign(campaign_id, lock=True), current_principal()
        )
        unit_of_work.flush()
        return campaign_out(campaign)


@blp.route("/campaigns/<int:campaign_id>/candidates")
class AdminCandidatesView(MethodView):
    @blp.response(200, AdminCandidateSchema(many=True))
    @login_required("committee")
    def get(self, campaign_id: int):
        """Every candidate of the campaign."""
        campaign = _campaign(campaign_id)
        rows = db.session.scalars(
            db.select(Candidate)
            .where(Candidate.campaign_id == campaign.id)
            .options(db.joinedload(Candidate.person).joinedload(Person.unit))
            .order_by(Candidate.id)
        ).all()
        return [candidate_out(c) for c in rows]

    @blp.arguments(CandidateIn)
    @blp.response(201, CreatedId)
    @login_required("committee")
    def post(self, data: dict[str, Any], campaign_id: int):
        """Nominate a party member of the mine in one of the campaign's categories."""
        candidate = campaigns.add_candidate(
            _campaign(campaign_id, lock=True),
            current_principal(),
            data["employee_no"],
            data["category"],
            data["story"],
        )
        unit_of_work.flush()
        return {"id": candidate.id}


@blp.route("/campaigns/<int:campaign_id>/candidates/<int:candidate_id>")
class AdminCandidateView(MethodView):
    @blp.arguments(CandidatePatch)
    @blp.response(200, AdminCandidateSchema)
    @login_required("committee")
    def patch(self, data: dict[str, Any], campaign_id: int, candidate_id: int):
        """Edit a candidate's story (事迹)."""
        campaign = _campaign(campaign_id)
        candidate = campaigns.campaign_candidate(campaign, candidate_id)
        campaigns.update_candidate(campaign, candidate, current_principal(), data["story"])
        unit_of_work.flush()
        return candidate_out(candidate)

    @blp.response(204)
    @login_required("committee")
    def delete(self, campaign_id: int, candidate_id: int):
        """Withdraw a candidate (draft campaigns only)."""
        campaign = _campaign(campaign_id, lock=True)
        candidate = campaigns.campaign_candidate(campaign, candidate_id)
        campaigns.remove_candidate(campaign, candidate, current_principal())


@blp.route("/campaigns/<int:campaign_id>/candidates/<int:candidate_id>/photo")
class AdminCandidatePhotoView(MethodView):
    @blp.arguments(UploadIn, location="files")
    @blp.response(200, AdminCandidateSchema)
    @blp.doc(**body.image_upload_doc())
    @login_required("committee")
    def post(self, files: dict[str, Any], campaign_id: int, candidate_id: int):
        """Upload the candidate's photo (jpeg/png/webp, ≤ 5 MB; multipart field `file`)."""
        campaign = _campaign(campaign_id)
        candidate = campaigns.campaign_candidate(campaign, candidate_id)
        upload = files["file"]
        if not hasattr(upload, "read"):
            raise InvalidInput(errors={"file": ["请上传图片"]})
        candidate.photo = share.save_photo(
            upload.read(share.MAX_PHOTO_BYTES + 1), current_principal().person_id
        )
        campaigns.audit(
            campaign,
            current_principal(),
            "photo",
            {"candidate_id": candidate.id, "photo": candidate.photo},
        )
        unit_of_work.flush()
        return candidate_out(candidate)


@blp.route("/campaigns/<int:campaign_id>/points-sheet")
class PointsSheetView(MethodView):
    @blp.arguments(UploadIn, location="files")
    @blp.response(201, PointsSheetOut)
    @login_required("committee")
    def post(self, files: dict[str, Any], campaign_id: int):
        """File an assessment sheet (工号, 积分) for the points half (until the ledger is used).

        Every row is checked (a candidate, a finite number within POINTS_MANUAL_MAX, not the
        caller's own row); the sheet counts only once another committee member approves it."""
        campaign = _campaign(campaign_id, lock=True)
        upload = files["file"]
        if not hasattr(upload, "read"):
            raise InvalidInput(errors={"file": ["请上传文件"]})
        sheet = points_sheets.request_points_sheet(
            current_principal(), campaign, upload.filename or "", upload.read()
        )
        campaigns.audit(
            campaign,
            current_principal(),
            "import_points",
            {"sheet": sheet.id, "candidates": len(sheet.scores)},
        )
        unit_of_work.flush()
        return points_sheet_out(sheet)


@blp.route("/campaigns/<int:campaign_id>/points-sheets/<int:sheet_id>/decide")
class PointsSheetDecisionView(MethodView):
    @blp.arguments(DecideIn)
    @blp.response(200, PointsSheetOut)
    @login_required("committee")
    def post(self, data: dict[str, Any], campaign_id: int, sheet_id: int):
        """Approve (the sheet's points count) or reject a pending sheet, with a reason: a
        committee member who is neither its author nor scored in it."""
        campaign = _campaign(campaign_id, lock=True)
        sheet = points_sheets.decide_points_sheet(
            current_principal(), campaign, sheet_id, data["approve"], data["reason"]
        )
        campaigns.audit(
            campaign,
            current_principal(),
            "decide_points",
            {"sheet": sheet.id, "status": sheet.status},
        )
        unit_of_work.flush()
        return points_sheet_out(sheet)


def points_sheet_out(sheet) -> dict:
    return {"id": sheet.id, "status": sheet.status, "candidates": len(sheet.scores)}


def ballot_out(b: Ballot, candidate_name: str, voter: Person, unit: str, bound_at) -> dict:
    return {
        "id": b.id,
        "candidate_id": b.candidate_id,
        "candidate_name": candidate_name,
        "category": b.category,
        "voter": {
            "id": voter.id,
            "employee_no": voter.employee_no,
            "name": voter.name,
            "unit": unit,
        },
        "cast_at": b.cast_at,
        "vote_day": b.vote_day,
        "ip": b.ip,
        "user_agent": b.user_agent,
        "client_hints": b.client_hints,
        "account_id": b.account_id,
        "account_bound_at": bound_at,
        "path": b.path,
        "voided": b.voided_at is not None,
        "voided_at": b.voided_at,
        "void_reason": b.void_reason,
    }


class AdminObjectionSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    campaign_id = ma.fields.Integer(required=True)
    candidate_id = ma.fields.Integer(required=True)
    candidate_name = ma.fields.String(required=True)
    reason = ma.fields.String(required=True)
    content_check = ma.fields.String(required=True)
    status = ma.fields.String(required=True)
    answer = ma.fields.String(allow_none=True)
    answered_at = ma.fields.DateTime(allow_none=True)
    created_at = ma.fields.DateTime(required=True)
    objector = ma.fields.Dict(required=True, metadata={"description": "{id, employee_no, name}"})


class AnswerOut(ma.Schema):
    id = ma.fields.Integer(required=True)
    status = ma.fields.String(required=True)
    answer = ma.fields.String(required=True)
    answered_at = ma.fields.DateTime(required=True)


@blp.route("/campaigns/<int:campaign_id>/objections")
class AdminObjectionsView(MethodView):
    @blp.response(200, AdminObjectionSchema(many=True))
    @login_required("committee")
    def get(self, campaign_id: int):
        """Every objection of the campaign, with who lodged it."""
        return objections.objections_of_campaign(_campaign(campaign_id))


@blp.route("/objections/<int:objection_id>/answer")
class AnswerObjectionView(MethodView):
    @blp.arguments(AnswerIn)
    @blp.response(200, AnswerOut)
    @login_required("committee")
    def post(self, data: dict[str, Any], objection_id: int):
        """Answer an objection: upheld removes that winner (the next candidate moves up),
        dismissed keeps them; the objector is told."""
        o = objections.answer_objection(
            objection_id, current_principal(), data["upheld"], data["reason"].strip()
        )
        unit_of_work.flush()
        return {"id": o.id, "status": o.status, "answer": o.answer, "answered_at": o.answered_at}


@blp.route("/campaigns/<int:campaign_id>/ballots")
class AdminBallotsView(MethodView):
    @blp.arguments(BallotQuery, location="query")
    @blp.response(200, BallotSchema(many=True))
    @blp.paginate()
    @login_required("committee")
    def get(self, query: dict[str, Any], campaign_id: int, pagination_parameters):
        """Every ballot with voter, candidate, time, device and whether voided (newest first)."""
        campaign = _campaign(campaign_id)
        stmt = ballot_list.ballots_of(
            campaign.id,
            candidate_id=query.get("candidate_id"),
            voided=query.get("voided"),
            employee_no=query.get("employee_no"),
        )
        rows = rows_of(stmt.order_by(Ballot.id.desc()), pagination_parameters)
        return [
            ballot_out(b, cname, voter, unit or "", bound) for b, cname, voter, unit, bound in rows
        ]


@blp.route("/ballots/<int:ballot_id>/void")
class VoidBallotView(MethodView):
    @blp.arguments(VoidIn)
    @blp.response(200, BallotSchema)
    @login_required("committee")
    def post(self, data: dict[str, Any], ballot_id: int):
        """Void a ballot with a reason: it stays on record, the tallies drop by one (audited)."""
        b = ballots.void_ballot(ballot_id, data["reason"].strip(), current_principal())
        unit_of_work.flush()
        voter = db.session.get(Person, b.voter_id)
        unit = db.session.get(Unit, b.voter_unit_id) if b.voter_unit_id else None
        account = db.session.get(Account, b.account_id) if b.account_id else None
        return ballot_out(
            b,
            b.candidate.person.name,
            voter,
            unit.name if unit else "",
            account and account.bound_at,
        )


@blp.route("/campaigns/<int:campaign_id>/suspicious")
class SuspiciousView(MethodView):
    @blp.arguments(SuspiciousQuery, location="query")
    @blp.response(200, SuspiciousSchema)
    @login_required("committee")
    def get(self, query: dict[str, Any], campaign_id: int):
        """Patterns worth a look: bursts for one candidate from one unit within minutes, and
        accounts bound shortly before they voted."""
        campaign = _campaign(campaign_id)
        since = clock.now() - timedelta(hours=query["hours"])
        return {
            "since": since,
            "bursts": anti_brushing.bursts(
                campaign.id, since, timedelta(minutes=query["window_minutes"]), query["burst_min"]
            ),
            "fresh_accounts": anti_brushing.fresh_accounts(
                campaign.id, since, timedelta(hours=query["fresh_hours"]), query["fresh_min"]
            ),
        }


class TurnoutGroupSchema(ma.Schema):
    eligible = ma.fields.Integer(required=True)
    voters = ma.fields.Integer(required=True)
    voters_today = ma.fields.Integer(required=True)
    rate = ma.fields.Float(allow_none=True, required=True)
    rate_today = ma.fields.Float(allow_none=True, required=True)


class TurnoutBranchSchema(TurnoutGroupSchema):
    branch_id = ma.fields.Integer(allow_none=True, required=True)
    branch = ma.fields.String(required=True)


class TurnoutUnitSchema(TurnoutGroupSchema):
    unit_id = ma.fields.Integer(allow_none=True, required=True)
    unit = ma.fields.String(required=True)


class TurnoutDaySchema(ma.Schema):
    day = ma.fields.Date(required=True)
    voters = ma.fields.Integer(required=True)


class TurnoutSchema(TurnoutGroupSchema):
    campaign_id = ma.fields.Integer(required=True)
    day = ma.fields.Date(required=True, metadata={"description": "today's vote day (Shanghai)"})
    by_branch = ma.fields.List(ma.fields.Nested(TurnoutBranchSchema), required=True)
    by_unit = ma.fields.List(ma.fields.Nested(TurnoutUnitSchema), required=True)
    by_day = ma.fields.List(ma.fields.Nested(TurnoutDaySchema), required=True)


@blp.route("/campaigns/<int:campaign_id>/turnout")
class TurnoutView(MethodView):
    @blp.response(200, TurnoutSchema)
    @login_required("committee")
    def get(self, campaign_id: int):
        """Turnout: bound employees who may vote, voters today and overall (rates), per branch,
        per unit and per day."""
        return turnout.turnout(_campaign(campaign_id))


@blp.route("/campaigns/<int:campaign_id>/export.xlsx")
class ExportView(MethodView):
    @blp.response(
        200,
        content_type=XLSX_MIME,
    )
    @login_required("committee")
    def get(self, campaign_id: int):
        """Results (frozen, or computed now if not yet published) and every ballot, as .xlsx."""
        campaign = _campaign(campaign_id)
        data = exports.campaign_workbook(campaign)
        return attachment(data, file_name("campaign", (campaign.title, campaign.id)), XLSX_MIME)
