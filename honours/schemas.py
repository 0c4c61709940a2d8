"""What the public, the committee and the console may send about the honour roll."""

from __future__ import annotations

import marshmallow as ma

from inputs import Text
from models.honours import HONOUR_KINDS
from models.votes import CATEGORY_KEYS

QUARTER = r"^20\d\d-Q[1-4]$"


class RollQuery(ma.Schema):
    year = ma.fields.Integer(validate=ma.validate.Range(min=2000, max=2100))
    category = ma.fields.String(validate=ma.validate.OneOf(CATEGORY_KEYS))
    kind = ma.fields.String(
        validate=ma.validate.OneOf(HONOUR_KINDS),
        metadata={
            "description": "person: campaign; team: 六好区队; group: 六型班组; leader: 优秀班组长"
        },
    )
    quarter = ma.fields.String(
        validate=ma.validate.Regexp(QUARTER, error="季度格式应为 YYYY-Qn"),
        metadata={"description": "YYYY-Qn: the assessments' honours of that quarter"},
    )
    q = Text(32, metadata={"description": "part of a name, unit or title"})


class AdminRollQuery(RollQuery):
    revoked = ma.fields.Boolean(
        metadata={"description": "true: only revoked; false: only standing"}
    )


class RevokeIn(ma.Schema):
    reason = Text(255, multiline=True, min_len=2, blank=False, required=True)
