"""The API object (flask-smorest) and the rate limiter, shared by every blueprint."""

from __future__ import annotations

import flask_smorest
from flask_smorest import Api

from miniapp_api.body import BoundaryParser
from miniapp_api.errors import ErrorSchema
from web.rate_limits import limiter

__all__ = ["FrontlineApi", "api", "limiter"]

# Every blueprint parses its arguments with the boundary's parser (JSON limits, the string
# check). Set on the class, before any blueprint module is imported (this module is imported
# by the package's __init__), so a blueprint added later cannot miss it.
flask_smorest.Blueprint.ARGUMENTS_PARSER = BoundaryParser()


class FrontlineApi(Api):
    ERROR_SCHEMA = ErrorSchema

    def _register_pagination_header(self) -> None:
        # flask-smorest documents X-Pagination as an object; on the wire it is JSON text.
        self.spec.components.header(
            "PAGINATION",
            {
                "description": "分页信息，JSON 文本：{total, total_pages, first_page, "
                "last_page, page, previous_page, next_page}",
                "schema": {"type": "string"},
            },
            lazy=True,
        )


api = FrontlineApi()
