"""Schemas shared by several blueprints."""

from __future__ import annotations

import marshmallow as ma


class BranchRefSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    name = ma.fields.String(required=True)


class UserSchema(ma.Schema):
    """The caller as `/me` and login describe them."""

    id = ma.fields.Integer(allow_none=True, required=True)
    bound = ma.fields.Boolean(required=True)
    employee_no = ma.fields.String(allow_none=True, required=True)
    name = ma.fields.String(allow_none=True, required=True)
    unit = ma.fields.String(allow_none=True, required=True)
    branch = ma.fields.Nested(BranchRefSchema, allow_none=True, required=True)
    political_status = ma.fields.String(
        allow_none=True,
        required=True,
        validate=ma.validate.OneOf(["masses", "member", "probationary"]),
    )
    is_cadre = ma.fields.Boolean(allow_none=True, required=True)
    roles = ma.fields.List(ma.fields.String(), required=True)
    secretary_of = ma.fields.List(ma.fields.Integer(), required=True)


def _chinese_field_messages() -> None:
    """Field errors in Chinese: a miner reads them on the phone."""
    ma.fields.Field.default_error_messages.update(
        required="此项为必填项", null="此项不能为空", validator_failed="取值无效"
    )
    ma.fields.String.default_error_messages.update(invalid="应为文本")
    ma.fields.Integer.default_error_messages.update(invalid="应为整数", too_large="数值过大")
    ma.fields.Number.default_error_messages.update(invalid="应为数字", too_large="数值过大")
    ma.fields.Boolean.default_error_messages.update(invalid="应为 true 或 false")
    ma.fields.DateTime.default_error_messages.update(invalid="时间格式不正确（ISO 8601）")
    ma.fields.Date.default_error_messages.update(invalid="日期格式不正确（YYYY-MM-DD）")
    ma.fields.List.default_error_messages.update(invalid="应为列表")
    ma.fields.Nested.default_error_messages.update(type="格式不正确")
    ma.fields.Dict.default_error_messages.update(invalid="应为对象")
    ma.Schema._default_error_messages = {"type": "格式不正确", "unknown": "不支持的字段"}
    ma.validate.Length.message_min = "长度不能少于 {min}"
    ma.validate.Length.message_max = "长度不能超过 {max}"
    ma.validate.Length.message_all = "长度应在 {min} 到 {max} 之间"
    ma.validate.Length.message_equal = "长度应为 {equal}"
    # Range formats twice: first the operator words, then the numbers.
    ma.validate.Range.message_min = "应{min_op} {{min}}"
    ma.validate.Range.message_max = "应{max_op} {{max}}"
    ma.validate.Range.message_all = "应{min_op} {{min}} 且{max_op} {{max}}"
    ma.validate.Range.message_gte = "大于或等于"
    ma.validate.Range.message_gt = "大于"
    ma.validate.Range.message_lte = "小于或等于"
    ma.validate.Range.message_lt = "小于"
    ma.validate.OneOf.default_message = "取值应为：{choices}"
    ma.validate.Regexp.default_message = "格式不正确"


_chinese_field_messages()
