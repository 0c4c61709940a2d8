"""Pairings that a roster transfer made cross branches, for the secretaries of both branches."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask.views import MethodView
from flask_smorest import Blueprint

from miniapp_api.auth import current_principal, login_required
from miniapp_api.identity import visible_branch
from miniapp_api.pagination import page_of
from miniapp_api.schemas import BranchRefSchema as BranchRef
from models import REVIEW_CAUSES, REVIEW_OUTCOMES
from roster import transfers
from roster.schemas import ReviewsQuery
from web import unit_of_work

blp = Blueprint(
    "transfers", __name__, url_prefix="/api/v1", description="人员调动后跨支部的结对确认"
)


class ReviewPerson(ma.Schema):
    id = ma.fields.Integer(required=True)
    employee_no = ma.fields.String(required=True)
    name = ma.fields.String(required=True)
    branch = ma.fields.String(required=True, metadata={"description": "调动后所在党支部"})


class SideOut(ma.Schema):
    by_id = ma.fields.Integer(required=True, metadata={"description": "确认人（花名册 id）"})
    at = ma.fields.DateTime(required=True)


class ReviewOut(ma.Schema):
    id = ma.fields.Integer(required=True)
    status = ma.fields.String(required=True, validate=ma.validate.OneOf(["open", "closed"]))
    outcome = ma.fields.String(
        allow_none=True,
        required=True,
        validate=ma.validate.OneOf(REVIEW_OUTCOMES),
        metadata={
            "description": "kept 双方确认继续 | ended 已解除 | resolved 不再跨支部或结对已结束"
        },
    )
    cause = ma.fields.String(
        required=True,
        validate=ma.validate.OneOf(REVIEW_CAUSES),
        metadata={"description": "member_moved 党员调动 | employee_moved 职工调动"},
    )
    opened_at = ma.fields.DateTime(required=True)
    closed_at = ma.fields.DateTime(allow_none=True, required=True)
    pairing_id = ma.fields.Integer(required=True)
    pairing_active = ma.fields.Boolean(required=True)
    pairing_branch = ma.fields.Nested(BranchRef, required=True)
    member = ma.fields.Nested(ReviewPerson, required=True)
    employee = ma.fields.Nested(ReviewPerson, required=True)
    member_branch = ma.fields.Nested(BranchRef, required=True)
    employee_branch = ma.fields.Nested(BranchRef, required=True)
    member_side = ma.fields.Nested(SideOut, allow_none=True, required=True)
    employee_side = ma.fields.Nested(SideOut, allow_none=True, required=True)


@blp.route("/branches/<int:branch_id>/pairing-reviews")
class BranchReviewsView(MethodView):
    @blp.arguments(ReviewsQuery, location="query")
    @blp.response(200, ReviewOut(many=True))
    @blp.paginate()
    @login_required("secretary", "committee")
    def get(self, query: dict[str, Any], branch_id: int, pagination_parameters):
        """Pairings that now cross branches after a transfer, for this branch's secretary (either
        side) or committee: confirm to keep, or end; `status=closed` for the decided ones."""
        branch = visible_branch(current_principal(), branch_id)
        reviews = page_of(transfers.branch_reviews(branch, query["status"]), pagination_parameters)
        return [transfers.review_view(r) for r in reviews]


@blp.route("/pairing-reviews/<int:review_id>")
class ReviewView(MethodView):
    @blp.response(200, ReviewOut)
    @login_required("secretary", "committee")
    def get(self, review_id: int):
        """One review (a secretary of either branch, or committee)."""
        return transfers.review_view(transfers.get_review(current_principal(), review_id))


@blp.route("/pairing-reviews/<int:review_id>/confirm")
class ConfirmReviewView(MethodView):
    @blp.response(200, ReviewOut)
    @login_required("secretary", "committee")
    def post(self, review_id: int):
        """Keep the pairing, for the side(s) I manage; once both branches confirmed it goes on
        under the member's branch. Already decided: 409 review_closed."""
        review = transfers.confirm_review(current_principal(), review_id)
        unit_of_work.flush()
        return transfers.review_view(review)


@blp.route("/pairing-reviews/<int:review_id>/end")
class EndReviewView(MethodView):
    @blp.response(200, ReviewOut)
    @login_required("secretary", "committee")
    def post(self, review_id: int):
        """End the cross-branch pairing (either branch may); history kept."""
        review = transfers.end_review(current_principal(), review_id)
        unit_of_work.flush()
        return transfers.review_view(review)
