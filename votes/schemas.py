"""What a voter and the committee may send about campaigns, candidates, ballots and objections:
the marshmallow schemas both doors load their input through (the API's arguments, the console's
forms)."""

from __future__ import annotations

from typing import Any

import marshmallow as ma

from inputs import Boolean, DateTime, Id, Text
from models.votes import CATEGORY_KEYS, TIE_RULES

Category = ma.fields.String(validate=ma.validate.OneOf(CATEGORY_KEYS))


class RulesIn(ma.Schema):
    per_candidate_per_day = ma.fields.Integer(validate=ma.validate.Range(min=1, max=10))
    per_category_per_day = ma.fields.Integer(validate=ma.validate.Range(min=1, max=50))
    hide_tallies = Boolean()
    revote_other_days = Boolean()
    remind_non_voters = Boolean()
    allow_self_vote = Boolean(
        metadata={
            "description": "may a candidate vote for themselves (default false: 409 self_vote)"
        }
    )
    tie_rule = ma.fields.String(
        validate=ma.validate.OneOf(TIE_RULES),
        metadata={
            "description": "a tie for the last place of 名额: committee (default: the committee "
            "decides during 公示, with a reason), votes (more votes first), earlier (earlier "
            "last vote first)"
        },
    )


class WeightsIn(ma.Schema):
    votes = ma.fields.Float(validate=ma.validate.Range(min=0, max=100))
    points = ma.fields.Float(validate=ma.validate.Range(min=0, max=100))


class QuotasIn(ma.Schema):
    """名额: how many are honoured in each category (1 when not given)."""

    safety = ma.fields.Integer(validate=ma.validate.Range(min=1, max=100))
    reform = ma.fields.Integer(validate=ma.validate.Range(min=1, max=100))
    publicity = ma.fields.Integer(validate=ma.validate.Range(min=1, max=100))
    mediation = ma.fields.Integer(validate=ma.validate.Range(min=1, max=100))
    discipline = ma.fields.Integer(validate=ma.validate.Range(min=1, max=100))
    emergency = ma.fields.Integer(validate=ma.validate.Range(min=1, max=100))


class CampaignIn(ma.Schema):
    title = Text(100, blank=False, required=True)
    description = Text(5000, multiline=True, load_default="")
    starts_at = DateTime(required=True)
    ends_at = DateTime(required=True)
    categories = ma.fields.List(Category, validate=ma.validate.Length(min=1, max=6))
    rules = ma.fields.Nested(RulesIn)
    weights = ma.fields.Nested(WeightsIn)
    quotas = ma.fields.Nested(
        QuotasIn, metadata={"description": "how many are honoured per category (名额); default 1"}
    )
    notice_days = ma.fields.Integer(validate=ma.validate.Range(min=1, max=30))
    points_since = DateTime(allow_none=True)
    points_until = DateTime(allow_none=True)


class CampaignPatch(CampaignIn):
    """Only the fields to change."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(partial=True, **kwargs)


class CandidateIn(ma.Schema):
    employee_no = Text(32, blank=False, required=True)
    category = Category
    story = Text(5000, multiline=True, load_default="")


CandidateIn._declared_fields["category"].required = True


class CandidatePatch(ma.Schema):
    story = Text(5000, multiline=True, required=True)


class BallotQuery(ma.Schema):
    candidate_id = Id()
    voided = ma.fields.Boolean()
    employee_no = Text(32)


class VoidIn(ma.Schema):
    reason = Text(255, multiline=True, min_len=2, blank=False, required=True)


class SuspiciousQuery(ma.Schema):
    hours = ma.fields.Integer(load_default=24, validate=ma.validate.Range(min=1, max=24 * 90))
    window_minutes = ma.fields.Integer(load_default=10, validate=ma.validate.Range(min=1, max=240))
    burst_min = ma.fields.Integer(load_default=10, validate=ma.validate.Range(min=2, max=10000))
    fresh_hours = ma.fields.Integer(load_default=24, validate=ma.validate.Range(min=1, max=720))
    fresh_min = ma.fields.Integer(load_default=3, validate=ma.validate.Range(min=1, max=10000))


class NoticeIn(ma.Schema):
    days = ma.fields.Integer(
        validate=ma.validate.Range(min=1, max=30),
        metadata={"description": "length of 公示 in days (default: the campaign's, 5)"},
    )


class AnswerIn(ma.Schema):
    upheld = Boolean(required=True)
    reason = Text(1000, min_len=2, multiline=True, blank=False, required=True)


class VoteIn(ma.Schema):
    candidate_id = Id(required=True, strict=True)


class LeaderboardQuery(ma.Schema):
    category = ma.fields.String(required=True, validate=ma.validate.OneOf(CATEGORY_KEYS))


class ObjectionIn(ma.Schema):
    candidate_id = Id(required=True, strict=True)
    reason = Text(1000, min_len=5, multiline=True, blank=False, required=True)


class TieDecisionIn(ma.Schema):
    """The committee's decision of a tie at the 名额 boundary during 公示."""

    category = ma.fields.String(required=True, validate=ma.validate.OneOf(CATEGORY_KEYS))
    candidate_ids = ma.fields.List(Id(), required=True, validate=ma.validate.Length(min=1, max=100))
    reason = Text(255, blank=False, required=True)


class NominationWindowIn(ma.Schema):
    """The branches' nomination window: until when, and the cap per branch (none: no cap)."""

    ends_at = DateTime(required=True)
    cap_per_branch = ma.fields.Integer(
        allow_none=True,
        load_default=None,
        validate=ma.validate.Range(min=1, max=500),
        metadata={"description": "live nominations one branch may make (none: no cap)"},
    )


class NominationIn(ma.Schema):
    person_id = Id(required=True, strict=True)
    category = ma.fields.String(required=True, validate=ma.validate.OneOf(CATEGORY_KEYS))
    story = Text(5000, multiline=True, min_len=10, blank=False, required=True)


class NominationReviewIn(ma.Schema):
    accept = Boolean(required=True)
    reason = Text(255, multiline=True, load_default="")


class NominationsQuery(ma.Schema):
    status = ma.fields.String(
        validate=ma.validate.OneOf(("pending", "accepted", "declined", "withdrawn"))
    )
