"""What may be sent about meetings, pledges, deeds and ratings (the API's bodies and the
console's forms load through these)."""

from __future__ import annotations

import marshmallow as ma

from inputs import Boolean, DateTime, Id, Pattern, Period, Text
from models import DEED_STATUSES, MEETING_KINDS, PLEDGE_VERDICTS

KINDS_DOC = (
    "general 支部党员大会 | committee 支委会 | group 党小组会 | lecture 党课 | theme_day 主题党日"
)
CODE_PATTERN = r"^[0-9]{6}$"


class MeetingIn(ma.Schema):
    branch_id = Id(required=True)
    kind = ma.fields.String(
        required=True,
        validate=ma.validate.OneOf(MEETING_KINDS),
        metadata={"description": KINDS_DOC},
    )
    topic = Text(200, blank=False, required=True)
    place = Text(100, blank=False, required=True)
    starts_at = DateTime(required=True)
    ends_at = DateTime(required=True)
    unit_id = Id(
        load_default=None, allow_none=True, metadata={"description": "党小组会：区队或班组"}
    )


class CalendarQuery(ma.Schema):
    period = Period(
        load_default=None, metadata={"description": "YYYY、YYYY-Qn 或 YYYY-MM，默认本年"}
    )
    branch_id = Id(load_default=None)


class SignInIn(ma.Schema):
    code = ma.fields.String(
        required=True,
        validate=Pattern(CODE_PATTERN, error="签到码为 6 位数字"),
        metadata={"pattern": CODE_PATTERN, "description": "会场签到码（每 30 秒更换）"},
    )


class MarkIn(ma.Schema):
    note = Text(
        255, blank=False, required=True, metadata={"description": "补记说明，如：无智能手机"}
    )


class LeaveIn(ma.Schema):
    reason = Text(255, multiline=True, blank=False, required=True)


class LeaveDecideIn(ma.Schema):
    approve = Boolean(required=True)


class MinutesIn(ma.Schema):
    minutes = Text(20000, multiline=True, load_default=None, allow_none=True)
    photo_ids = ma.fields.List(
        Id(strict=True), load_default=list, validate=ma.validate.Length(max=9)
    )


class PledgeIn(ma.Schema):
    year = ma.fields.Integer(strict=True, required=True, validate=ma.validate.Range(2000, 2100))
    items = ma.fields.List(
        Text(200, blank=False), required=True, validate=ma.validate.Length(min=1, max=10)
    )


class YearIn(ma.Schema):
    year = ma.fields.Integer(required=True, validate=ma.validate.Range(2000, 2100))


class PledgesQuery(ma.Schema):
    year = ma.fields.Integer(load_default=None, validate=ma.validate.Range(2000, 2100))
    branch_id = Id(load_default=None)


class PledgeReviewIn(ma.Schema):
    stage = ma.fields.String(required=True, validate=ma.validate.OneOf(["mid", "end"]))
    verdict = ma.fields.String(required=True, validate=ma.validate.OneOf(PLEDGE_VERDICTS))
    note = Text(255, multiline=True, load_default=None, allow_none=True)


class DeedIn(ma.Schema):
    branch_id = Id(required=True)
    title = Text(200, blank=False, required=True)
    beneficiary = Text(100, blank=False, required=True, metadata={"description": "为谁办"})
    status = ma.fields.String(load_default="planned", validate=ma.validate.OneOf(DEED_STATUSES))
    wish_id = Id(load_default=None, allow_none=True, metadata={"description": "已圆梦的微心愿"})
    doer_id = Id(load_default=None, allow_none=True, metadata={"description": "承办党员"})


class DeedStatusIn(ma.Schema):
    status = ma.fields.String(required=True, validate=ma.validate.OneOf(DEED_STATUSES))


class DeedsQuery(ma.Schema):
    branch_id = Id(load_default=None)


class RatingDecideIn(ma.Schema):
    approve = Boolean(required=True)
