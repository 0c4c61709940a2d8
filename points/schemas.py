"""What may be sent about member points: periods, adjustment requests and their decisions (the
API's arguments and the console's forms load through these)."""

from __future__ import annotations

import marshmallow as ma

from inputs import Boolean, Id, Period, Text
from models import REQUEST_STATUSES

DELTA_MAX = 100  # the most a manual adjustment may add or deduct (POINTS_MANUAL_MAX's default)
DELTA_MESSAGE = f"分值须为非零整数，绝对值不超过 {DELTA_MAX}"


class PeriodQuery(ma.Schema):
    period = Period(
        load_default=None,
        metadata={"description": "YYYY、YYYY-Qn、YYYY-MM 或 all（上海时间），默认本年"},
    )


class PointsRequestIn(ma.Schema):
    employee_no = Text(32, blank=False, required=True)
    delta = ma.fields.Integer(
        strict=True,
        required=True,
        validate=[
            ma.validate.Range(min=-DELTA_MAX, max=DELTA_MAX),
            ma.validate.NoneOf([0], error="分值不能为 0"),
        ],
        metadata={"not": {"enum": [0]}, "description": "非零整数，绝对值不超过 POINTS_MANUAL_MAX"},
    )
    reason = Text(255, multiline=True, blank=False, required=True)


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
