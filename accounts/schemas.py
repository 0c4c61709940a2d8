"""What may be sent about identity: the WeChat login code, binding to a roster row, role grants
and the people search (the API's arguments and the console's forms load through these)."""

from __future__ import annotations

import marshmallow as ma

from inputs import Pattern, Text


class LoginIn(ma.Schema):
    code = Text(128, blank=False, required=True)


class BindIn(ma.Schema):
    employee_no = Text(32, blank=False, required=True)
    name = Text(64, blank=False, required=True)
    # Full-width digits too: a phone's Chinese keyboard types them; binding reads NFKC.
    phone_tail = ma.fields.String(
        required=True, validate=Pattern(r"^[0-9０-９]{4}$", error="请输入手机号后四位数字")
    )


class PeopleQuery(ma.Schema):
    q = Text(64, load_default=None, metadata={"description": "姓名或工号的一部分"})


class GrantIn(ma.Schema):
    employee_no = Text(32, blank=False, required=True)
    role = ma.fields.String(required=True, validate=ma.validate.OneOf(["secretary", "committee"]))
    branch = Text(100, load_default=None, metadata={"description": "党支部名称（书记必填）"})
