"""Nominations (推荐) over HTTP: the committee's window, the secretaries' nominations and
withdrawals, the committee's review and the per-branch counts."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask.views import MethodView
from flask_smorest import Blueprint

from domain_errors import InvalidInput
from miniapp_api import body
from miniapp_api.auth import current_principal, login_required
from miniapp_api.pagination import page_of
from miniapp_api.votes_admin import AdminCampaignSchema, UploadIn, campaign_out
from votes import campaigns, nominations, share
from votes.schemas import (
    NominationIn,
    NominationReviewIn,
    NominationsQuery,
    NominationWindowIn,
)
from web import unit_of_work

blp = Blueprint(
    "nominations", __name__, url_prefix="/api/v1", description="六大员评选：支部推荐与审核"
)


class NominationOut(ma.Schema):
    id = ma.fields.Integer(required=True)
    campaign_id = ma.fields.Integer(required=True)
    person_id = ma.fields.Integer(required=True)
    name = ma.fields.String(required=True)
    employee_no = ma.fields.String(required=True)
    unit = ma.fields.String(required=True)
    branch_id = ma.fields.Integer(required=True)
    category = ma.fields.String(required=True)
    category_name = ma.fields.String(required=True)
    story = ma.fields.String(required=True)
    photo_url = ma.fields.String(allow_none=True, required=True)
    status = ma.fields.String(
        required=True, validate=ma.validate.OneOf(("pending", "accepted", "declined", "withdrawn"))
    )
    decline_reason = ma.fields.String(allow_none=True, required=True)
    candidate_id = ma.fields.Integer(allow_none=True, required=True)
    created_at = ma.fields.DateTime(required=True)
    decided_at = ma.fields.DateTime(allow_none=True, required=True)


class NominatingCampaignOut(ma.Schema):
    id = ma.fields.Integer(required=True)
    title = ma.fields.String(required=True)
    categories = ma.fields.List(ma.fields.String(), required=True)
    nominations_end_at = ma.fields.DateTime(allow_none=True, required=True)
    cap_per_branch = ma.fields.Integer(allow_none=True, required=True)
    open = ma.fields.Boolean(required=True, metadata={"description": "the window has not ended"})


class BranchCountOut(ma.Schema):
    branch_id = ma.fields.Integer(required=True)
    branch = ma.fields.String(required=True)
    nominated = ma.fields.Integer(required=True)
    pending = ma.fields.Integer(required=True)
    accepted = ma.fields.Integer(required=True)
    declined = ma.fields.Integer(required=True)
    withdrawn = ma.fields.Integer(required=True)
    cap = ma.fields.Integer(allow_none=True, required=True)


def _out(n) -> dict[str, Any]:
    return nominations.nomination_out(n)


@blp.route("/admin/campaigns/<int:campaign_id>/nominations/window")
class NominationWindowView(MethodView):
    @blp.arguments(NominationWindowIn)
    @blp.response(200, AdminCampaignSchema)
    @login_required("committee")
    def post(self, data: dict[str, Any], campaign_id: int):
        """Start the branches' nomination window of a draft campaign (status → nominating), or
        move its end or cap while it runs."""
        principal = current_principal()
        campaign = campaigns.managed_campaign(campaign_id, principal)
        nominations.open_window(campaign, principal, data["ends_at"], data["cap_per_branch"])
        unit_of_work.flush()
        return campaign_out(campaign)


@blp.route("/nominations/campaigns")
class NominatingCampaignsView(MethodView):
    @blp.response(200, NominatingCampaignOut(many=True))
    @login_required("secretary", "committee")
    def get(self):
        """Campaigns of my mine in their nomination window (status nominating)."""
        return [
            {
                "id": c.id,
                "title": c.title,
                "categories": c.categories,
                "nominations_end_at": c.nominations_end_at,
                "cap_per_branch": c.nomination_cap,
                "open": nominations.window_open(c),
            }
            for c in nominations.nominating_campaigns(current_principal())
        ]


@blp.route("/campaigns/<int:campaign_id>/nominations")
class NominationsView(MethodView):
    @blp.arguments(NominationsQuery, location="query")
    @blp.response(200, NominationOut(many=True))
    @blp.paginate()
    @login_required("secretary", "committee")
    def get(self, query: dict[str, Any], campaign_id: int, pagination_parameters):
        """The campaign's nominations: my branches' (a secretary) or all (the committee)."""
        stmt = nominations.nominations_of(campaign_id, current_principal(), query.get("status"))
        return [_out(n) for n in page_of(stmt, pagination_parameters)]

    @blp.arguments(NominationIn)
    @blp.response(201, NominationOut)
    @login_required("secretary")
    def post(self, data: dict[str, Any], campaign_id: int):
        """Nominate a party member of my branch to a category, with the story (事迹)."""
        n = nominations.nominate(
            campaign_id, current_principal(), data["person_id"], data["category"], data["story"]
        )
        unit_of_work.flush()
        return _out(n)


@blp.route("/nominations/<int:nomination_id>/photo")
class NominationPhotoView(MethodView):
    @blp.arguments(UploadIn, location="files")
    @blp.response(200, NominationOut)
    @blp.doc(**body.image_upload_doc())
    @login_required("secretary")
    def post(self, files: dict[str, Any], nomination_id: int):
        """The nominee's photo (jpeg/png/webp, ≤ 5 MB; multipart field `file`); the candidate
        takes it over when the nomination is accepted."""
        principal = current_principal()
        n = nominations.nomination_for(nomination_id, principal)
        upload = files["file"]
        if not hasattr(upload, "read"):
            raise InvalidInput(errors={"file": ["请上传图片"]})
        nominations.set_photo(n, principal, "")  # refuse before storing anything
        name = share.save_photo(upload.read(share.MAX_PHOTO_BYTES + 1), principal.person_id)
        nominations.set_photo(n, principal, name)
        unit_of_work.flush()
        return _out(n)


@blp.route("/nominations/<int:nomination_id>/withdraw")
class NominationWithdrawView(MethodView):
    @blp.response(200, NominationOut)
    @login_required("secretary")
    def post(self, nomination_id: int):
        """Withdraw my branch's pending nomination before the window ends."""
        n = nominations.withdraw(nomination_id, current_principal())
        unit_of_work.flush()
        return _out(n)


@blp.route("/admin/nominations/<int:nomination_id>/review")
class NominationReviewView(MethodView):
    @blp.arguments(NominationReviewIn)
    @blp.response(200, NominationOut)
    @login_required("committee")
    def post(self, data: dict[str, Any], nomination_id: int):
        """Accept a pending nomination into the candidate list, or decline it with a reason."""
        n = nominations.review(nomination_id, current_principal(), data["accept"], data["reason"])
        unit_of_work.flush()
        return _out(n)


@blp.route("/admin/campaigns/<int:campaign_id>/nominations/counts")
class NominationCountsView(MethodView):
    @blp.response(200, BranchCountOut(many=True))
    @login_required("committee")
    def get(self, campaign_id: int):
        """Per branch: how many were nominated, accepted, declined, pending, withdrawn."""
        campaign = campaigns.managed_campaign(campaign_id, current_principal())
        return nominations.branch_counts(campaign)
