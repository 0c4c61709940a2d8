"""六大员 voting for voters: campaigns, casting a vote, the leaderboard, results, share codes."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask import Response, current_app, request, send_from_directory
from flask.views import MethodView
from flask_smorest import Blueprint

from miniapp_api.auth import client_ip, current_principal, login_required
from miniapp_api.fields import Id, clean_text
from miniapp_api.pagination import page_of
from models import Campaign, Candidate, Person, db
from models.votes import CATEGORY_KEYS
from votes import ballots, campaigns, live, share
from votes.errors import CampaignNotFound, ResultsNotPublished, TalliesHidden
from votes.results import vote_counts

blp = Blueprint("votes", __name__, url_prefix="/api/v1", description="六大员评选：投票与结果")


class RulesSchema(ma.Schema):
    per_candidate_per_day = ma.fields.Integer(required=True)
    per_category_per_day = ma.fields.Integer(required=True)
    hide_tallies = ma.fields.Boolean(required=True)
    revote_other_days = ma.fields.Boolean(required=True)


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
    categories = ma.fields.List(ma.fields.Nested(CategorySchema), required=True)
    my_remaining = ma.fields.Dict(
        keys=ma.fields.String(), values=ma.fields.Integer(), required=True
    )


class VoteIn(ma.Schema):
    candidate_id = Id(required=True, strict=True)


class VoteOut(ma.Schema):
    ballot_id = ma.fields.Integer(required=True)
    category = ma.fields.String(required=True)
    remaining_today = ma.fields.Integer(required=True)


class LeaderboardQuery(ma.Schema):
    category = ma.fields.String(required=True, validate=ma.validate.OneOf(CATEGORY_KEYS))


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


class ResultCategorySchema(ma.Schema):
    key = ma.fields.String(required=True)
    name = ma.fields.String(required=True)
    entries = ma.fields.List(ma.fields.Nested(ResultEntrySchema), required=True)


class ResultsSchema(ma.Schema):
    campaign_id = ma.fields.Integer(required=True)
    published_at = ma.fields.DateTime(required=True)
    weights = ma.fields.Nested(WeightsSchema, required=True)
    points_source = ma.fields.String(required=True)
    categories = ma.fields.List(ma.fields.Nested(ResultCategorySchema), required=True)


def photo_url(candidate: Candidate) -> str | None:
    return f"/api/v1/campaign-photos/{candidate.photo}" if candidate.photo else None


def _live_counts(campaign: Campaign) -> dict[int, int]:
    """Tallies from Redis (rebuilt first if Redis lost them or they were marked stale); from the
    database while Redis is unreachable."""
    try:
        if campaign.tallies_stale and campaign.status != "draft":
            _rebuild_quietly(campaign.id)
        _, rows = live.board(campaign.id)
        return {r["candidate_id"]: r["votes"] for r in rows}
    except live.RedisDown:
        return vote_counts(campaign.id)


def _rebuild_quietly(campaign_id: int) -> None:
    try:
        live.rebuild(campaign_id)
    except live.RebuildBusy:
        pass  # someone else is rebuilding; board() waits for it
    except live.REDIS_ERRORS as exc:
        raise live.RedisDown() from exc


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
        candidates = db.session.scalars(
            db.select(Candidate)
            .where(Candidate.campaign_id == campaign.id)
            .options(db.joinedload(Candidate.person).joinedload(Person.unit))
            .order_by(Candidate.id)
        ).all()
        show = campaigns.tallies_visible(
            campaign.status, campaign.hide_tallies, principal, campaign.mine_id
        )
        counts = _live_counts(campaign) if campaign.status != "draft" else {}
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
        db.session.commit()
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
            "categories": categories,
            "my_remaining": mine["remaining"],
        }


@blp.route("/campaigns/<int:campaign_id>/votes")
class VotesView(MethodView):
    # Rate limits (per account and per IP, per minute) are counted inside vote.lua: one Redis
    # round trip for the limits and the vote together.
    @blp.arguments(VoteIn)
    @blp.response(201, VoteOut)
    @login_required()
    def post(self, data: dict[str, Any], campaign_id: int):
        """Vote for a candidate: 409 already_voted / daily_quota_used / campaign_not_open,
        403 not_eligible."""
        principal = current_principal()
        receipt = ballots.cast_vote(
            campaign_id,
            data["candidate_id"],
            principal.person,
            principal.account.id if principal.account else None,
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


def _board_from_db(campaign_id: int, category: str, principal) -> tuple[dict, list[dict]]:
    """The leaderboard counted by the database, while Redis is unreachable."""
    campaign = campaigns.visible_campaign(campaign_id, principal)
    counts = vote_counts(campaign.id)
    candidates = db.session.scalars(
        db.select(Candidate)
        .where(Candidate.campaign_id == campaign.id, Candidate.category == category)
        .options(db.joinedload(Candidate.person).joinedload(Person.unit))
    ).all()
    rows = [
        {
            "candidate_id": c.id,
            "category": c.category,
            "votes": counts.get(c.id, 0),
            "name": c.person.name,
            "unit": c.person.unit.name if c.person.unit else "",
        }
        for c in candidates
    ]
    rows.sort(key=lambda r: (-r["votes"], r["candidate_id"]))
    meta = {
        "status": campaign.status,
        "hide": "1" if campaign.hide_tallies else "0",
        "mine": str(campaign.mine_id),
    }
    return meta, rows


@blp.route("/campaigns/<int:campaign_id>/leaderboard")
class LeaderboardView(MethodView):
    @blp.arguments(LeaderboardQuery, location="query")
    @blp.response(200, LeaderboardRow(many=True))
    @login_required()
    def get(self, query: dict[str, Any], campaign_id: int):
        """The live ranking of one category (403 tallies_hidden while the rules hide it)."""
        principal = current_principal()
        try:
            meta, rows = live.board(
                campaign_id,
                query["category"],
                reader=principal.account.id,
                per_minute=current_app.config["LEADERBOARD_PER_MINUTE"],
            )
        except live.RedisDown:
            meta, rows = _board_from_db(campaign_id, query["category"], principal)
        mine_id = int(meta["mine"] or 0)
        if mine_id != principal.person.mine_id or (
            meta["status"] == "draft" and mine_id not in principal.committee_of
        ):
            raise CampaignNotFound()
        if not campaigns.tallies_visible(meta["status"], meta["hide"] == "1", principal, mine_id):
            raise TalliesHidden()
        out, rank, previous = [], 0, None
        for i, row in enumerate(rows, start=1):
            if row["votes"] != previous:
                rank, previous = i, row["votes"]
            out.append({**row, "rank": rank})
        return out


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


@blp.route("/campaigns/<int:campaign_id>/candidates/<int:candidate_id>/qrcode")
class ShareCodeView(MethodView):
    @blp.response(200, content_type="image/png")
    @login_required()
    def get(self, campaign_id: int, candidate_id: int):
        """A mini-program code that opens this candidate's page (for sharing in WeChat groups)."""
        campaign = campaigns.visible_campaign(campaign_id, current_principal())
        candidate = campaigns.campaign_candidate(campaign, candidate_id)
        png = share.share_code(campaign.id, candidate.id)
        return Response(
            png, mimetype="image/png", headers={"Cache-Control": "private, max-age=86400"}
        )


@blp.route("/campaign-photos/<string:name>")
class PhotoView(MethodView):
    @blp.doc(security=[])
    @blp.response(200, content_type="image/*")
    def get(self, name: str):
        """A candidate photo (public: the mini-program's <image> cannot send a token; names are
        random)."""
        return send_from_directory(share.photo_dir(), share.safe_photo_name(name), max_age=86400)
