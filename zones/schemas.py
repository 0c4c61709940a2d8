"""What may be sent about zones, patrols, dangers and 三违 stops (the API's bodies and the
console's forms load through these)."""

from __future__ import annotations

from datetime import date

import marshmallow as ma

from inputs import Boolean, DateTime, Id, Text
from models import DANGER_LEVELS, DANGER_STATUSES, VIOLATION_KINDS

LEVELS_DOC = "general 一般 | serious 较大 | major 重大"
# Calendar days the zones live on (a year-1 date would overflow the Shanghai day bounds).
DAYS = ma.validate.Range(
    date(2000, 1, 1), date(2100, 12, 31), error="日期须在 2000-01-01 至 2100-12-31 之间"
)


# Published beside format: date, so that a client (and schemathesis) knows the years allowed.
DAY_PATTERN = r"^(20\d\d|2100)-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$"


def Day(**kwargs) -> ma.fields.Date:  # noqa: N802 - a field factory, read like a type
    """A Shanghai calendar day, 2000 … 2100."""
    kwargs.setdefault("metadata", {}).setdefault("pattern", DAY_PATTERN)
    return ma.fields.Date(validate=DAYS, **kwargs)


class ZoneIn(ma.Schema):
    unit_id = Id(required=True, metadata={"description": "区队"})
    name = Text(60, blank=False, required=True)
    place = Text(
        100, blank=False, required=True, metadata={"description": "工作面、巷道、泵房、车间"}
    )
    member_id = Id(required=True, metadata={"description": "负责党员"})
    deputy_ids = ma.fields.List(Id(), load_default=list, validate=ma.validate.Length(max=5))
    equipment = Text(1000, multiline=True, load_default=None, allow_none=True)
    people_covered = Text(1000, multiline=True, load_default=None, allow_none=True)
    checklist = ma.fields.List(Text(60), load_default=list, validate=ma.validate.Length(max=30))
    patrols_per_week = ma.fields.Integer(
        load_default=0, strict=True, validate=ma.validate.Range(0, 21)
    )
    starts_on = Day(load_default=None)
    ends_on = Day(load_default=None, allow_none=True)


class ZonePatch(ma.Schema):
    name = Text(60, blank=False)
    place = Text(100, blank=False)
    member_id = Id(metadata={"description": "更换负责党员（记入历史）"})
    deputy_ids = ma.fields.List(Id(), validate=ma.validate.Length(max=5))
    equipment = Text(1000, multiline=True, allow_none=True)
    people_covered = Text(1000, multiline=True, allow_none=True)
    checklist = ma.fields.List(Text(60), validate=ma.validate.Length(max=30))
    patrols_per_week = ma.fields.Integer(strict=True, validate=ma.validate.Range(0, 21))
    ends_on = Day(allow_none=True)


class PatrolIn(ma.Schema):
    patrolled_at = DateTime(required=True)
    checked = ma.fields.List(Text(60), load_default=list, validate=ma.validate.Length(max=30))
    findings = Text(1000, multiline=True, load_default=None, allow_none=True)
    photo_ids = ma.fields.List(
        Id(strict=True), load_default=list, validate=ma.validate.Length(max=9)
    )


class DangerIn(ma.Schema):
    zone_id = Id(load_default=None, allow_none=True, metadata={"description": "扫责任区牌带入"})
    place = Text(
        100, load_default=None, allow_none=True, metadata={"description": "无责任区时必填"}
    )
    description = Text(1000, multiline=True, load_default=None, allow_none=True)
    # Checked by the service, which answers with its own reason (invalid_level).
    level = ma.fields.String(
        required=True, metadata={"enum": list(DANGER_LEVELS), "description": LEVELS_DOC}
    )
    photo_ids = ma.fields.List(
        Id(strict=True), load_default=list, validate=ma.validate.Length(max=9)
    )
    anonymous = Boolean(load_default=False, metadata={"description": "仅党委可见报告人"})


class AssignIn(ma.Schema):
    fixer_id = Id(required=True)
    deadline = DateTime(
        load_default=None, metadata={"description": "缺省按等级：ZONE_DANGER_DAYS_*"}
    )


class FixIn(ma.Schema):
    note = Text(1000, multiline=True, load_default=None, allow_none=True)
    photo_ids = ma.fields.List(
        Id(strict=True), load_default=list, validate=ma.validate.Length(max=9)
    )


class VerifyIn(ma.Schema):
    accept = Boolean(required=True)
    note = Text(
        500,
        multiline=True,
        load_default=None,
        allow_none=True,
        metadata={"description": "退回时必填"},
    )


class DangersQuery(ma.Schema):
    status = ma.fields.String(load_default=None, validate=ma.validate.OneOf(DANGER_STATUSES))
    level = ma.fields.String(load_default=None, validate=ma.validate.OneOf(DANGER_LEVELS))
    unit_id = Id(load_default=None)
    overdue = ma.fields.Boolean(load_default=None)


class MyDangersQuery(ma.Schema):
    role = ma.fields.String(
        load_default="reported", validate=ma.validate.OneOf(["reported", "fixing", "zones"])
    )


class WeekQuery(ma.Schema):
    week = Day(load_default=None, metadata={"description": "该周任一天（上海时间），缺省本周"})


class ViolationIn(ma.Schema):
    zone_id = Id(load_default=None, allow_none=True)
    offender_id = Id(load_default=None, allow_none=True)
    offender_name = Text(
        64, load_default=None, allow_none=True, metadata={"description": "不在花名册时填写"}
    )
    kind = ma.fields.String(
        required=True,
        validate=ma.validate.OneOf(VIOLATION_KINDS),
        metadata={"description": "command 违章指挥 | operation 违章作业 | discipline 违反劳动纪律"},
    )
    rule = Text(200, blank=False, required=True)
    action_taken = Text(1000, multiline=True, blank=False, required=True)
    occurred_at = DateTime(load_default=None)


class MemberPhotoIn(ma.Schema):
    photo_id = Id(strict=True, required=True, metadata={"description": "POST /uploads 上传后的 id"})
