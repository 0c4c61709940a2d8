"""What may be sent about wishes: a new wish, review, release, fulfilment, confirmation and the
filters of the pool and the managed list (the API's arguments and the console's forms load
through these)."""

from __future__ import annotations

import marshmallow as ma

from inputs import Boolean, Id, Month, Text
from models import WISH_CATEGORIES, WISH_STATUSES
from wishes.states import PUBLIC_STATUSES


class WishIn(ma.Schema):
    title = Text(60, blank=False, required=True)
    content = Text(1000, multiline=True, blank=False, required=True)
    category = ma.fields.String(required=True, validate=ma.validate.OneOf(WISH_CATEGORIES))


class ReviewIn(ma.Schema):
    approve = Boolean(required=True)
    reason = Text(500, multiline=True, load_default=None, metadata={"description": "驳回时必填"})


class ReasonIn(ma.Schema):
    reason = Text(500, multiline=True, blank=False, required=True)


class OptionalReasonIn(ma.Schema):
    reason = Text(500, multiline=True, load_default=None)


class FulfilIn(ma.Schema):
    note = Text(1000, multiline=True, blank=False, required=True)
    photo_ids = ma.fields.List(
        Id(strict=True),
        required=True,
        validate=ma.validate.Length(min=1, max=9),
    )


class ConfirmIn(ma.Schema):
    rating = ma.fields.Integer(required=True, strict=True, validate=ma.validate.Range(1, 5))
    thanks = Text(500, multiline=True, load_default=None)


class PoolQuery(ma.Schema):
    status = ma.fields.String(
        load_default="open",
        validate=ma.validate.OneOf(list(PUBLIC_STATUSES)),
    )
    category = ma.fields.String(load_default=None, validate=ma.validate.OneOf(WISH_CATEGORIES))
    branch_id = Id(load_default=None)


class StatusQuery(ma.Schema):
    status = ma.fields.String(load_default=None, validate=ma.validate.OneOf(WISH_STATUSES))


class ManagedQuery(ma.Schema):
    branch_id = Id(load_default=None)
    status = ma.fields.String(load_default=None, validate=ma.validate.OneOf(WISH_STATUSES))
    category = ma.fields.String(load_default=None, validate=ma.validate.OneOf(WISH_CATEGORIES))
    month = Month(load_default=None)


class StatsQuery(ma.Schema):
    year = ma.fields.Integer(required=True, validate=ma.validate.Range(2000, 2100))
    branch_id = Id(load_default=None)
