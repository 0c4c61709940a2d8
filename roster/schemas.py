"""What may be sent about the roster: the import's options and the filter of transfer reviews
(the API's arguments and the console's forms load through these)."""

from __future__ import annotations

import marshmallow as ma


class RosterQuery(ma.Schema):
    dry_run = ma.fields.Boolean(
        load_default=False,
        metadata={"description": "true：只预览将发生的变化，不写入任何数据"},
    )
    mark_missing_as_left = ma.fields.Boolean(
        load_default=False,
        metadata={
            "description": "true：把花名册中有、文件中没有的人员标记为离职（仅用于全矿完整花名册）"
        },
    )


class ReviewsQuery(ma.Schema):
    status = ma.fields.String(
        load_default="open", validate=ma.validate.OneOf(["open", "closed", "all"])
    )
