"""What may be sent about member points: periods, adjustment requests and their decisions (the
API's arguments and the console's forms load through these)."""

from __future__ import annotations

import marshmallow as ma

from inputs import Boolean, Day, Id, Pattern, Period, Text
from models import CAP_PERIODS, REQUEST_STATUSES, RULE_SOURCES

DELTA_MAX = 100  # the most a manual adjustment may add or deduct (POINTS_MANUAL_MAX's default)
DELTA_MESSAGE = f"分值须为非零整数，绝对值不超过 {DELTA_MAX}"


CODE_PATTERN = r"^[A-Z][A-Z0-9_]{0,31}$"


def RuleCode(**kwargs) -> ma.fields.String:  # noqa: N802 - a field factory, read like a type
    """A rule's code: capital letters, digits and _, up to 32 (KEEP_PLEDGE, MEET)."""
    kwargs.setdefault("metadata", {})["pattern"] = CODE_PATTERN
    return ma.fields.String(
        validate=Pattern(CODE_PATTERN, error="编号为大写字母开头的字母、数字、下划线，最多 32 位"),
        **kwargs,
    )


class PeriodQuery(ma.Schema):
    period = Period(
        load_default=None,
        metadata={"description": "YYYY、YYYY-Qn、YYYY-MM 或 all（上海时间），默认本年"},
    )


class PointsRequestIn(ma.Schema):
    employee_no = Text(32, blank=False, required=True)
    delta = ma.fields.Integer(
        strict=True,
        load_default=None,
        validate=[
            ma.validate.Range(min=-DELTA_MAX, max=DELTA_MAX),
            ma.validate.NoneOf([0], error="分值不能为 0"),
        ],
        metadata={
            "not": {"enum": [0]},
            "description": "非零整数，绝对值不超过 POINTS_MANUAL_MAX；按细则时可省略",
        },
    )
    reason = Text(255, multiline=True, blank=False, required=True)
    rule_code = RuleCode(load_default=None, metadata={"description": "人工认定细则的编号"})
    evidence = Text(255, multiline=True, load_default=None, metadata={"description": "佐证材料"})


class RequestsQuery(ma.Schema):
    status = ma.fields.String(
        load_default="all", validate=ma.validate.OneOf([*REQUEST_STATUSES, "all"])
    )
    branch_id = Id(load_default=None)
    person_id = Id(load_default=None)


class DecideIn(ma.Schema):
    approve = Boolean(required=True)
    reason = Text(255, multiline=True, blank=False, required=True)


class TotalsQuery(PeriodQuery):
    branch_id = Id(load_default=None)


class RuleIn(ma.Schema):
    """A new rule, or a new version of one (same code) from `effective_from` on."""

    code = RuleCode(required=True)
    name = Text(100, blank=False, required=True)
    points = ma.fields.Integer(
        strict=True,
        load_default=None,
        allow_none=True,
        validate=ma.validate.Range(min=-100, max=100),
        metadata={"description": "正为加分，负为扣分；人工认定细则可为空（由申请填写）"},
    )
    source = ma.fields.String(required=True, validate=ma.validate.OneOf(RULE_SOURCES))
    # Checked by the service, which answers with its own reason (invalid_cap).
    cap = ma.fields.Integer(
        strict=True,
        load_default=None,
        allow_none=True,
        metadata={"description": "每周期累计上限（不小于 0），为空则不设上限"},
    )
    cap_period = ma.fields.String(
        load_default=None, allow_none=True, metadata={"enum": [*CAP_PERIODS, None]}
    )
    evidence_required = Boolean(load_default=False)
    second_approver = Boolean(load_default=True)
    active = Boolean(load_default=True, metadata={"description": "false：自生效日起停用该细则"})
    effective_from = Day(
        load_default=None, metadata={"description": "生效日（默认今天，不早于今天）"}
    )


class RequirementIn(ma.Schema):
    count = ma.fields.Integer(strict=True, required=True, validate=ma.validate.Range(0, 10))
    per = ma.fields.String(required=True, validate=ma.validate.OneOf(["month", "quarter"]))


class RequirementsIn(ma.Schema):
    """How many meetings of each kind a branch must hold (the kinds given change)."""

    general = ma.fields.Nested(RequirementIn, metadata={"description": "支部党员大会"})
    committee = ma.fields.Nested(RequirementIn, metadata={"description": "支委会"})
    group = ma.fields.Nested(RequirementIn, metadata={"description": "党小组会"})
    lecture = ma.fields.Nested(RequirementIn, metadata={"description": "党课"})
    theme_day = ma.fields.Nested(RequirementIn, metadata={"description": "主题党日"})


class RulebookSettingsIn(ma.Schema):
    publish_ranking = Boolean(load_default=None)
    five_type_threshold = ma.fields.Integer(
        strict=True, load_default=None, validate=ma.validate.Range(0, 1000)
    )
    five_star_threshold = ma.fields.Integer(
        strict=True, load_default=None, validate=ma.validate.Range(0, 1000)
    )
    meeting_requirements = ma.fields.Nested(RequirementsIn, load_default=None)


class YearQuery(ma.Schema):
    year = ma.fields.Integer(
        load_default=None,
        validate=ma.validate.Range(2000, 2100),
        metadata={"description": "默认本年"},
    )
