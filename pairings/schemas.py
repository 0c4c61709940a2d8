"""What may be sent about pairings, care flags and talk records (the API's arguments and the
console's forms load through these)."""

from __future__ import annotations

import marshmallow as ma

from inputs import DateTime, Day, Id, Month, Text
from models import (
    CARE_EVENT_KINDS,
    CARE_FLAGS,
    MENTOR_ASSESSMENT_RESULTS,
    MENTOR_ASSESSMENT_STAGES,
    TALK_MODES,
    TALK_RULE_BASES,
)


class MonthQuery(ma.Schema):
    # parse_month checks the published pattern (422 invalid_month)
    month = Month(
        checked=False,
        load_default=None,
        metadata={"description": "YYYY-MM（上海时间的自然月），默认本月"},
    )


class PairingIn(ma.Schema):
    member_id = Id(required=True)
    employee_id = Id(required=True)


class PairingsQuery(ma.Schema):
    status = ma.fields.String(
        load_default="active", validate=ma.validate.OneOf(["active", "ended", "all"])
    )
    member_id = Id(load_default=None)
    employee_id = Id(load_default=None)


class CareFlagsIn(ma.Schema):
    flags = ma.fields.List(
        ma.fields.String(validate=ma.validate.OneOf(CARE_FLAGS)),
        required=True,
        validate=ma.validate.Length(max=len(CARE_FLAGS)),
    )
    note = Text(500, multiline=True, load_default="")


class TalkContentIn(ma.Schema):
    talked_at = DateTime(
        required=True,
        metadata={"description": "ISO 8601，须带时区（如 2026-11-20T09:30:00+08:00）"},
    )
    mode = ma.fields.String(required=True, validate=ma.validate.OneOf(TALK_MODES))
    place = Text(100, load_default="")
    topics = Text(2000, multiline=True, blank=False, required=True)
    concerns = Text(2000, multiline=True, load_default="")
    follow_up = Text(2000, multiline=True, load_default="")


class TalkIn(TalkContentIn):
    employee_id = Id(required=True)
    member_id = Id(
        load_default=None,
        metadata={"description": "书记代本支部党员登记时填写谈心的党员；默认是本人"},
    )


class TalksQuery(MonthQuery):
    branch_id = Id(load_default=None)
    member_id = Id(load_default=None)
    employee_id = Id(load_default=None)
    include_corrected = ma.fields.Boolean(load_default=True)


class AccessQuery(ma.Schema):
    talk_id = Id(load_default=None)
    viewer_id = Id(load_default=None)


class TalkRuleIn(ma.Schema):
    basis = ma.fields.String(
        required=True,
        validate=ma.validate.OneOf(TALK_RULE_BASES),
        metadata={"description": "flagged 须与思想有波动、生活有困难的职工谈心 | any 任一结对职工"},
    )
    required = ma.fields.Integer(required=True, validate=ma.validate.Range(min=1, max=10))
    note = Text(200, load_default="")


class CareEventIn(ma.Schema):
    employee_id = Id(required=True)
    kind = ma.fields.String(
        required=True,
        validate=ma.validate.OneOf(list(CARE_EVENT_KINDS)),
        metadata={
            "description": "必访：hospitalized 住院 | injured 工伤 | bereaved 丧亲 | "
            "family_hardship 家庭困难 | retiring 退休；必谈：setback 受挫 | violation 违章违纪 | "
            "disciplined 受处分 | dispute 矛盾纠纷 | praised 受表彰 | warning_sign 苗头性问题 | "
            "post_change 岗位变动"
        },
    )
    occurred_on = Day(required=True, metadata={"description": "事件日期 YYYY-MM-DD"})
    note = Text(1000, multiline=True, load_default="")


class CareEventsQuery(ma.Schema):
    status = ma.fields.String(
        load_default="open", validate=ma.validate.OneOf(["open", "overdue", "closed", "all"])
    )
    branch_id = Id(load_default=None)
    assignee_id = Id(load_default=None)


class CloseDutyIn(ma.Schema):
    talk_id = Id(required=True, metadata={"description": "办结这项任务的谈心（走访）记录"})


class DueDaysIn(ma.Schema):
    due_days = ma.fields.Integer(required=True, validate=ma.validate.Range(min=1, max=90))


class MentorshipIn(ma.Schema):
    mentor_id = Id(required=True, metadata={"description": "师傅（本支部党员）"})
    apprentice_id = Id(required=True, metadata={"description": "徒弟（新工人或技能薄弱职工）"})
    skill_goals = Text(1000, multiline=True, blank=False, required=True)
    safety_goals = Text(1000, multiline=True, blank=False, required=True)
    months = ma.fields.Integer(
        load_default=None,
        validate=ma.validate.Range(min=1, max=24),
        metadata={"description": "带徒期（月），默认 6"},
    )
    starts_on = Day(load_default=None)


class MentorshipsQuery(ma.Schema):
    status = ma.fields.String(
        load_default="active", validate=ma.validate.OneOf(["active", "passed", "ended", "all"])
    )


class EndMentorshipIn(ma.Schema):
    note = Text(500, multiline=True, load_default="")


class MentorSessionIn(ma.Schema):
    held_on = Day(required=True)
    taught = Text(2000, multiline=True, blank=False, required=True)
    practice = Text(2000, multiline=True, load_default="")


class MentorAssessmentIn(ma.Schema):
    stage = ma.fields.String(required=True, validate=ma.validate.OneOf(MENTOR_ASSESSMENT_STAGES))
    result = ma.fields.String(required=True, validate=ma.validate.OneOf(MENTOR_ASSESSMENT_RESULTS))
    comment = Text(1000, multiline=True, load_default="")
    extend_months = ma.fields.Integer(
        load_default=None,
        validate=ma.validate.Range(min=1, max=12),
        metadata={"description": "延期时延长几个月，默认 3"},
    )
