"""What may be sent about the monthly assessment (the API's bodies and the console's forms load
through these): organisation, templates, the month's round, objections and adjustments."""

from __future__ import annotations

import marshmallow as ma

from inputs import Boolean, Id, Month, Pattern, Text
from models import DUTIES, TEMPLATE_KINDS, UNIT_KINDS

POINTS_MAX = 100


class UnitKindIn(ma.Schema):
    kind = ma.fields.String(required=True, validate=ma.validate.OneOf(UNIT_KINDS))
    parent_id = Id(load_default=None, metadata={"description": "班组所属区队（kind=group 时）"})


class DutyIn(ma.Schema):
    employee_no = Text(32, blank=False, required=True)
    duty = ma.fields.String(required=True, validate=ma.validate.OneOf(DUTIES))


class PatronageIn(ma.Schema):
    office_id = Id(required=True)
    team_id = Id(required=True)


class ItemIn(ma.Schema):
    group = Text(32, blank=False, required=True, metadata={"description": "六好之一，如 安全好"})
    title = Text(100, blank=False, required=True)
    rule = Text(500, multiline=True, required=True)
    max_points = ma.fields.Integer(
        strict=True, required=True, validate=ma.validate.Range(min=0, max=POINTS_MAX)
    )
    office_id = Id(
        required=True,
        allow_none=True,
        metadata={
            "description": "考核科室；班组考核表（kind=group）中为 null 表示由班组所属区队考核"
        },
    )
    veto = Boolean(load_default=False, metadata={"description": "一票否决项（0 分）"})


class TemplateIn(ma.Schema):
    name = Text(100, blank=False, required=True)
    kind = ma.fields.String(load_default="team", validate=ma.validate.OneOf(TEMPLATE_KINDS))
    items = ma.fields.List(
        ma.fields.Nested(ItemIn), required=True, validate=ma.validate.Length(min=1, max=100)
    )


def Kind(**kwargs) -> ma.fields.String:  # noqa: N802 - a field factory, read like a type
    """What is assessed: team (区队，六好区队) or group (班组，六型班组)."""
    kwargs.setdefault(
        "metadata", {"description": "team：区队（六好区队）；group：班组（六型班组）"}
    )
    return ma.fields.String(validate=ma.validate.OneOf(TEMPLATE_KINDS), **kwargs)


class KindQuery(ma.Schema):
    kind = Kind(load_default="team")


class OpenMonthIn(ma.Schema):
    month = Month(required=True)
    kind = Kind(load_default="team")
    template_id = Id(required=True)
    thresholds = ma.fields.List(
        ma.fields.Integer(strict=True, validate=ma.validate.Range(min=0, max=POINTS_MAX)),
        load_default=None,
        validate=ma.validate.Length(equal=3),
        metadata={"description": "优秀、良好、一般的下限，默认 [90, 80, 70]"},
    )
    objection_days = ma.fields.Integer(
        strict=True, load_default=3, validate=ma.validate.Range(min=0, max=31)
    )


class ScoreIn(ma.Schema):
    item_id = Id(required=True)
    team_id = Id(required=True)
    points = ma.fields.Integer(
        strict=True,
        required=True,
        validate=ma.validate.Range(min=0, max=POINTS_MAX),
        metadata={"description": "扣分（0 … 该项满分）；一票否决项为 0"},
    )
    vetoed = Boolean(load_default=False)
    reason = Text(255, multiline=True, load_default="")
    version = ma.fields.Integer(
        strict=True,
        load_default=None,
        validate=ma.validate.Range(min=1, max=2**31 - 1),
        metadata={"description": "修改已有扣分时带上读到的 version；首次打分不带"},
    )
    photo_ids = ma.fields.List(
        Id(strict=True),
        load_default=None,
        validate=ma.validate.Length(max=3),
        metadata={"description": "证据照片 id（POST /uploads，最多 3 张）；带上即替换，不带不变"},
    )


class SubmitIn(ma.Schema):
    office_id = Id(required=True)


class DeductionObjectionIn(ma.Schema):
    text = Text(500, multiline=True, blank=False, required=True)


class ObjectionAnswerIn(ma.Schema):
    answer = Text(500, multiline=True, blank=False, required=True)
    points = ma.fields.Integer(
        strict=True,
        load_default=None,
        validate=ma.validate.Range(min=0, max=POINTS_MAX),
        metadata={"description": "改正后的扣分；不带则维持原扣分"},
    )


class AdjustmentIn(ma.Schema):
    team_id = Id(required=True)
    delta = ma.fields.Integer(
        strict=True,
        required=True,
        validate=[
            ma.validate.Range(min=-POINTS_MAX, max=POINTS_MAX),
            ma.validate.NoneOf([0], error="调整分值不能为 0"),
        ],
        metadata={"not": {"enum": [0]}, "description": "非零整数，调整后总分须在 0 到 100 之间"},
    )
    reason = Text(255, multiline=True, blank=False, required=True)


class AdjustmentDecideIn(ma.Schema):
    approve = Boolean(required=True)
    reason = Text(255, multiline=True, blank=False, required=True)


QUARTER_PATTERN = r"^(20\d\d|2100)-Q[1-4]$"


def Quarter(**kwargs) -> ma.fields.String:  # noqa: N802 - a field factory, read like a type
    """A quarter "YYYY-Qn": published here, checked by assessments.awards (invalid_quarter)."""
    kwargs.setdefault("metadata", {})["pattern"] = QUARTER_PATTERN
    kwargs.setdefault("validate", Pattern(QUARTER_PATTERN, error="季度格式应为 YYYY-Qn"))
    return ma.fields.String(**kwargs)


class VisitIn(ma.Schema):
    office_id = Id(required=True)
    team_id = Id(required=True)
    visited_on = ma.fields.Date(
        required=True, metadata={"description": "走访日期（YYYY-MM-DD），2000 年以后、不晚于今天"}
    )
    visitors = Text(200, blank=False, required=True, metadata={"description": "参加走访人员"})
    problems = Text(1000, multiline=True, load_default="")
    agreed = Text(1000, multiline=True, load_default="")
    follow_up = Text(1000, multiline=True, load_default="")


class VisitsQuery(ma.Schema):
    month = Month(required=True)


class QuarterQuery(ma.Schema):
    quarter = Quarter(required=True)
    kind = Kind(load_default="team")


class HonoursQuery(ma.Schema):
    quarter = Quarter(load_default=None)


class AwardHonoursQuery(HonoursQuery):
    kind = Kind(load_default=None, metadata={"description": "只看 team 或 group；不带则两类都有"})


class AwardIn(ma.Schema):
    quarter = Quarter(required=True)
    kind = Kind(load_default="team")
    team_id = Id(required=True)
    citation = Text(500, multiline=True, blank=False, required=True)


class LeaderNominationIn(ma.Schema):
    quarter = Quarter(required=True)
    group_id = Id(required=True, metadata={"description": "班组（区队下的班组）"})
    citation = Text(500, multiline=True, blank=False, required=True)


class LeaderDecideIn(ma.Schema):
    approve = Boolean(required=True)
    reason = Text(255, multiline=True, load_default="")
