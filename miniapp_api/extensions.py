"""The API object (flask-smorest) and the rate limiter, shared by every blueprint."""

from __future__ import annotations

from flask_smorest import Api

from miniapp_api.errors import ErrorSchema
from rate_limits import limiter

__all__ = ["FrontlineApi", "api", "limiter"]


class FrontlineApi(Api):
    ERROR_SCHEMA = ErrorSchema


api = FrontlineApi()
