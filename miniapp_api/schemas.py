"""Response schemas shared by several blueprints (input schemas live in each domain's
`schemas.py`; marshmallow's Chinese messages are set by `inputs`)."""

from __future__ import annotations

import marshmallow as ma

import inputs  # noqa: F401 - marshmallow's messages in Chinese


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
