"""六大员 voting for voters: campaigns, casting a vote, the leaderboard, results, share codes."""

from __future__ import annotations

import io
from typing import Any

import marshmallow as ma
from flask import Response, current_app, jsonify, request, send_file
from flask.views import MethodView
from flask_smorest import Blueprint

from miniapp_api.auth import client_ip, current_principal, login_required
from miniapp_api.fields import clean_text
from miniapp_api.pagination import page_of
from models import Candidate
from votes import ballots, campaigns, objections, poster, share, tallies
from votes.errors import CandidateNotFound, ResultsNotPublished
from votes.schemas import LeaderboardQuery, ObjectionIn, VoteIn
from web import unit_of_work

blp = Blueprint("votes", __name__, url_prefix="/api/v1", description="六大员评选：投票与结果")


class RulesSchema(ma.Schema):
    per_candidate_per_day = ma.fields.Integer(required=True)
    per_category_per_day = ma.fields.Integer(required=True)
    hide_tallies = ma.fields.Boolean(required=True)
    revote_other_days = ma.fields.Boolean(required=True)
    remind_non_voters = ma.fields.Boolean(required=True)
    allow_self_vote = ma.fields.Boolean(
        metadata={
            "description": "false (default): a candidate's vote for themselves is 409 self_vote"
        }
    )
    tie_rule = ma.fields.String(
        metadata={"description": "a tie for the last place of 名额: committee, votes, earlier"}
    )


class WeightsSchema(ma.Schema):
    votes = ma.fields.Float(required=True)
    points = ma.fields.Float(required=True)


class CampaignSummarySchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    title = ma.fields.String(required=True)
    status = ma.fields.String(required=True)
    starts_at = ma.fields.DateTime(required=True)
    ends_at = ma.fields.DateTime(required=True)


class CandidateSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    name = ma.fields.String(required=True)
    unit = ma.fields.String(required=True)
    story = ma.fields.String(required=True)
    photo_url = ma.fields.String(allow_none=True, required=True)
    votes = ma.fields.Integer(metadata={"description": "absent while the rules hide tallies"})
    voted_today = ma.fields.Boolean(required=True)


class CategorySchema(ma.Schema):
    key = ma.fields.String(required=True)
    name = ma.fields.String(required=True)
    candidates = ma.fields.List(ma.fields.Nested(CandidateSchema), required=True)


class CampaignDetailSchema(CampaignSummarySchema):
    description = ma.fields.String(required=True)
    rules = ma.fields.Nested(RulesSchema, required=True)
    weights = ma.fields.Nested(WeightsSchema, required=True)
    tallies_visible = ma.fields.Boolean(required=True)
    quotas = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.Integer(), required=True)
    notice_starts_at = ma.fields.DateTime(allow_none=True)
    notice_ends_at = ma.fields.DateTime(allow_none=True)
    categories = ma.fields.List(ma.fields.Nested(CategorySchema), required=True)
    my_remaining = ma.fields.Dict(
        keys=ma.fields.String(), values=ma.fields.Integer(), required=True
    )


class VoteOut(ma.Schema):
    ballot_id = ma.fields.Integer(required=True)
    category = ma.fields.String(required=True)
    remaining_today = ma.fields.Integer(required=True)


class LeaderboardRow(ma.Schema):
    rank = ma.fields.Integer(required=True)
    candidate_id = ma.fields.Integer(required=True)
    name = ma.fields.String(required=True)
    unit = ma.fields.String(required=True)
    votes = ma.fields.Integer(required=True)


class ResultEntrySchema(ma.Schema):
    rank = ma.fields.Integer(required=True)
    candidate_id = ma.fields.Integer(required=True)
    name = ma.fields.String(required=True)
    unit = ma.fields.String(required=True)
    votes = ma.fields.Integer(required=True)
    vote_score = ma.fields.Float(required=True)
    points = ma.fields.Float(required=True)
    points_score = ma.fields.Float(required=True)
    total = ma.fields.Float(required=True)
    honoured = ma.fields.Boolean(required=True)
    removed = ma.fields.Boolean(metadata={"description": "removed by an upheld objection"})
    removed_reason = ma.fields.String()
    tied = ma.fields.Boolean(metadata={"description": "in a tie for the last place of 名额"})


class TieDecisionSchema(ma.Schema):
    chosen = ma.fields.List(ma.fields.Integer(), required=True)
    reason = ma.fields.String(required=True)
    at = ma.fields.String(required=True)


class TieSchema(ma.Schema):
    """A tie at the 名额 boundary and how it was broken (never silently)."""

    candidates = ma.fields.List(ma.fields.Integer(), required=True)
    places = ma.fields.Integer(required=True, metadata={"description": "places left to them"})
    rule = ma.fields.String(required=True, metadata={"description": "committee, votes, earlier"})
    rule_name = ma.fields.String()
    broken_by = ma.fields.String(
        metadata={"description": "votes, earlier, candidate_id or committee; absent: undecided"}
    )
    broken_by_name = ma.fields.String()
    decision = ma.fields.Nested(TieDecisionSchema, allow_none=True)


class ResultCategorySchema(ma.Schema):
    key = ma.fields.String(required=True)
    name = ma.fields.String(required=True)
    quota = ma.fields.Integer(required=True)
    entries = ma.fields.List(ma.fields.Nested(ResultEntrySchema), required=True)
    tie = ma.fields.Nested(TieSchema)


class ResultsSchema(ma.Schema):
    campaign_id = ma.fields.Integer(required=True)
    published_at = ma.fields.DateTime(required=True)
    weights = ma.fields.Nested(WeightsSchema, required=True)
    points_source = ma.fields.String(required=True)
    categories = ma.fields.List(ma.fields.Nested(ResultCategorySchema), required=True)


def photo_url(candidate: Candidate) -> str | None:
    return f"/api/v1/campaign-photos/{candidate.photo}" if candidate.photo else None


@blp.route("/campaigns")
class CampaignsView(MethodView):
    @blp.response(200, CampaignSummarySchema(many=True))
    @blp.paginate()
    @login_required()
    def get(self, pagination_parameters):
        """Campaigns of my mine (drafts only for the committee), newest first."""
        return page_of(campaigns.list_campaigns(current_principal()), pagination_parameters)


@blp.route("/campaigns/<int:campaign_id>")
class CampaignView(MethodView):
    @blp.response(200, CampaignDetailSchema)
    @login_required()
    def get(self, campaign_id: int):
        """A campaign with its rules, candidates per category, and my votes left today."""
        principal = current_principal()
        campaign = campaigns.visible_campaign(campaign_id, principal)
        candidates = campaigns.active_candidates(campaign.id)
        show = campaigns.tallies_visible(
            campaign.status, campaign.hide_tallies, principal, campaign.mine_id
        )
        counts = (
            tallies.counts(campaign)
            if campaign.status not in ("draft", "nominating") and show
            else {}
        )
        mine = ballots.remaining_today(campaign, principal.person_id)
        categories = []
        for entry in campaigns.category_list(campaign):
            rows = []
            for c in candidates:
                if c.category != entry["key"]:
                    continue
                row = {
                    "id": c.id,
                    "name": c.person.name,
                    "unit": c.person.unit.name if c.person.unit else "",
                    "story": c.story,
                    "photo_url": photo_url(c),
                    "voted_today": c.id in mine["voted"],
                }
                if show:
                    row["votes"] = counts.get(c.id, 0)
                rows.append(row)
            categories.append({**entry, "candidates": rows})
        return {
            "id": campaign.id,
            "title": campaign.title,
            "description": campaign.description,
            "status": campaign.status,
            "starts_at": campaign.starts_at,
            "ends_at": campaign.ends_at,
            "rules": campaigns.rules_of(campaign),
            "weights": campaigns.weights_of(campaign),
            "tallies_visible": show,
            "quotas": campaigns.quotas_of(campaign),
            "notice_starts_at": campaign.notice_starts_at,
            "notice_ends_at": campaign.notice_ends_at,
            "categories": categories,
            "my_remaining": mine["remaining"],
        }


# The two requests a brushing storm and every open page repeat: their argument schemas are
# built once (webargs builds one per request from a class; these hold no state across loads).
_VOTE_IN = VoteIn()
_LEADERBOARD_QUERY = LeaderboardQuery()


@blp.route("/campaigns/<int:campaign_id>/votes")
class VotesView(MethodView):
    # Rate limits (per account and per IP, per minute) are counted inside vote.lua: one Redis
    # round trip for the limits and the vote together.
    @blp.arguments(_VOTE_IN)
    @blp.response(201, VoteOut)
    @login_required()
    def post(self, data: dict[str, Any], campaign_id: int):
        """Vote for a candidate: 409 already_voted / daily_quota_used / campaign_not_open,
        403 not_eligible."""
        principal = current_principal()
        receipt = ballots.cast_vote(
            campaign_id,
            data["candidate_id"],
            principal.require_view(),
            principal.account_id,
            ballots.ClientInfo(
                ip=client_ip(),
                user_agent=clean_text(request.headers.get("User-Agent"), 255),
                hints=clean_text(request.headers.get("X-Client-Info"), 255),
            ),
            limits=ballots.Limits(
                current_app.config["VOTE_ACCOUNT_PER_MINUTE"],
                current_app.config["VOTE_IP_PER_MINUTE"],
            ),
        )
        return {
            "ballot_id": receipt.ballot_id,
            "category": receipt.category,
            "remaining_today": receipt.remaining_today,
        }


@blp.route("/campaigns/<int:campaign_id>/leaderboard")
class LeaderboardView(MethodView):
    @blp.arguments(_LEADERBOARD_QUERY, location="query")
    @blp.response(200, LeaderboardRow(many=True))
    @login_required()
    def get(self, query: dict[str, Any], campaign_id: int):
        """The live ranking of one category (403 tallies_hidden while the rules hide it)."""
        rows = tallies.leaderboard(
            campaign_id,
            current_principal(),
            query["category"],
            per_minute=current_app.config["LEADERBOARD_PER_MINUTE"],
            db_limit=current_app.config["LEADERBOARD_DB_LIMIT"],
            state_max_age=current_app.config["LEADERBOARD_STATE_MAX_AGE"],
        )
        out, rank, previous = [], 0, None
        for i, row in enumerate(rows, start=1):
            if row["votes"] != previous:
                rank, previous = i, row["votes"]
            out.append(
                {
                    "rank": rank,
                    "candidate_id": row["candidate_id"],
                    "name": row["name"],
                    "unit": row["unit"],
                    "votes": row["votes"],
                }
            )
        # Every open page polls this: the rows are LeaderboardRow's fields with its types
        # already, so they go out as they are instead of through a schema dump per field.
        return jsonify(out)


@blp.route("/campaigns/<int:campaign_id>/results")
class ResultsView(MethodView):
    @blp.response(200, ResultsSchema)
    @login_required()
    def get(self, campaign_id: int):
        """The published, frozen results: votes and points, normalised and weighted."""
        campaign = campaigns.visible_campaign(campaign_id, current_principal())
        if campaign.status != "published" or not campaign.results:
            raise ResultsNotPublished()
        return {
            "campaign_id": campaign.id,
            "published_at": campaign.published_at,
            **campaign.results,
        }


class NoticeWinnerSchema(ma.Schema):
    category = ma.fields.String(required=True)
    candidate_id = ma.fields.Integer(required=True)
    name = ma.fields.String(required=True)
    unit = ma.fields.String(required=True)
    story = ma.fields.String(required=True)
    rank = ma.fields.Integer(required=True)
    tied = ma.fields.Boolean(
        metadata={"description": "in a tie for the last place; the committee decides"}
    )


class MyObjectionSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    campaign_id = ma.fields.Integer(required=True)
    candidate_id = ma.fields.Integer(required=True)
    reason = ma.fields.String(required=True)
    status = ma.fields.String(required=True, metadata={"description": "open|upheld|dismissed"})
    answer = ma.fields.String(allow_none=True, metadata={"description": "the committee's reason"})
    answered_at = ma.fields.DateTime(allow_none=True)
    created_at = ma.fields.DateTime(required=True)


class NoticeSchema(ma.Schema):
    campaign_id = ma.fields.Integer(required=True)
    title = ma.fields.String(required=True)
    status = ma.fields.String(required=True)
    starts_at = ma.fields.DateTime(required=True)
    ends_at = ma.fields.DateTime(required=True)
    open = ma.fields.Boolean(required=True, metadata={"description": "objections accepted now"})
    winners = ma.fields.List(ma.fields.Nested(NoticeWinnerSchema), required=True)
    my_objections = ma.fields.List(ma.fields.Nested(MyObjectionSchema), required=True)


class ObjectionCreated(ma.Schema):
    id = ma.fields.Integer(required=True)
    status = ma.fields.String(required=True)


@blp.route("/campaigns/<int:campaign_id>/notice")
class NoticeView(MethodView):
    @blp.response(200, NoticeSchema)
    @login_required()
    def get(self, campaign_id: int):
        """评选结果公示: the provisional winners during 公示 (and after publish), with my
        objections; 409 notice_not_open before 公示."""
        return objections.notice_of(campaign_id, current_principal())


@blp.route("/campaigns/<int:campaign_id>/objections")
class ObjectionsView(MethodView):
    @blp.arguments(ObjectionIn)
    @blp.response(201, ObjectionCreated)
    @login_required()
    def post(self, data: dict[str, Any], campaign_id: int):
        """Object to a winner during 公示 (409 notice_not_open / objection_exists); only the
        committee sees who objected."""
        draft = objections.objection_draft(campaign_id, current_principal(), data["candidate_id"])
        # Nothing is written yet: end the read transaction before WeChat checks the text.
        unit_of_work.checkpoint()
        o = objections.lodge_objection(draft, data["reason"].strip())
        unit_of_work.flush()
        return {"id": o.id, "status": o.status}


@blp.route("/objections/mine")
class MyObjectionsView(MethodView):
    @blp.response(200, MyObjectionSchema(many=True))
    @blp.paginate()
    @login_required()
    def get(self, pagination_parameters):
        """My objections with the committee's answers, newest first."""
        rows = page_of(objections.my_objections(current_principal()), pagination_parameters)
        return [objections.objection_for_objector(o) for o in rows]


@blp.route("/campaigns/<int:campaign_id>/candidates/<int:candidate_id>/qrcode")
class ShareCodeView(MethodView):
    @blp.response(200, content_type="image/*")
    @login_required()
    def get(self, campaign_id: int, candidate_id: int):
        """A mini-program code that opens this candidate's page (for sharing in WeChat groups);
        JPEG from WeChat, PNG in demo mode."""
        campaign = campaigns.visible_campaign(campaign_id, current_principal())
        candidate = campaigns.campaign_candidate(campaign, candidate_id)
        code = share.share_code(campaign.id, candidate.id)
        return Response(
            code.data,
            mimetype=code.content_type,
            headers={"Cache-Control": "private, max-age=86400"},
        )


@blp.route("/campaigns/<int:campaign_id>/candidates/<int:candidate_id>/poster")
class PosterView(MethodView):
    @blp.response(200, content_type="image/png")
    @login_required()
    def get(self, campaign_id: int, candidate_id: int):
        """The candidate's shareable poster (PNG, 750 × 1334): photo, name, unit, category, a
        trimmed 事迹 and the mini-program code of their page; never a phone number. 503
        poster_font_missing when the server has no CJK font."""
        campaign = campaigns.visible_campaign(campaign_id, current_principal())
        candidate = campaigns.campaign_candidate(campaign, candidate_id)
        if candidate.withdrawn_at is not None:
            raise CandidateNotFound()
        png = poster.candidate_poster(
            campaign,
            candidate,
            current_app.config["POSTER_FONT"],
            current_app.config["IMAGE_MAX_PIXELS"],
        )
        return Response(
            png, mimetype="image/png", headers={"Cache-Control": "private, max-age=3600"}
        )


@blp.route("/campaign-photos/<string:name>")
class PhotoView(MethodView):
    @blp.doc(security=[])
    @blp.response(200, content_type="image/*")
    def get(self, name: str):
        """A candidate photo (public: the mini-program's <image> cannot send a token; names are
        random)."""
        photo = share.read_photo(name)
        return send_file(
            io.BytesIO(photo.data),
            download_name=photo.name,
            max_age=86400,
            last_modified=photo.modified_at,
            etag=photo.name.split(".")[0],
        )
