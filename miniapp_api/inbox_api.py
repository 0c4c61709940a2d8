"""消息中心: the caller's inbox (every notification they were sent), its unread count, 待办, and
the subscribe-message consents the mini-program reports."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask import jsonify
from flask.views import MethodView
from flask_smorest import Blueprint

from miniapp_api.auth import current_principal, login_required
from models import CONSENT_RESULTS
from notifications import consents, inbox, todo
from notifications.delivery import kind_templates
from notifications.kinds import KINDS
from web import unit_of_work

blp = Blueprint("inbox", __name__, url_prefix="/api/v1", description="消息中心与待办")


class InboxQuery(ma.Schema):
    unread = ma.fields.Boolean(load_default=False, metadata={"description": "只看未读"})
    kind = ma.fields.String(validate=ma.validate.OneOf(sorted(KINDS)), load_default=None)
    before = ma.fields.Integer(
        validate=ma.validate.Range(min=1, max=2**31 - 1),
        load_default=None,
        metadata={"description": "游标：上一页的 next_cursor"},
    )
    limit = ma.fields.Integer(validate=ma.validate.Range(min=1, max=100), load_default=20)


class InboxItemOut(ma.Schema):
    id = ma.fields.Integer(required=True)
    kind = ma.fields.String(required=True)
    title = ma.fields.String(required=True)
    text = ma.fields.String(required=True)
    link = ma.fields.String(required=True, metadata={"description": "小程序页面路径"})
    created_at = ma.fields.DateTime(required=True)
    read_at = ma.fields.DateTime(allow_none=True, required=True)


class InboxPageOut(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(InboxItemOut), required=True)
    next_cursor = ma.fields.Integer(allow_none=True, required=True)


class UnreadOut(ma.Schema):
    unread = ma.fields.Integer(required=True)


class MarkedOut(ma.Schema):
    marked = ma.fields.Integer(required=True)


class TodoItemOut(ma.Schema):
    key = ma.fields.String(required=True)
    label = ma.fields.String(required=True)
    page = ma.fields.String(required=True)
    count = ma.fields.Integer(required=True)


class TodoOut(ma.Schema):
    total = ma.fields.Integer(required=True)
    items = ma.fields.List(ma.fields.Nested(TodoItemOut), required=True)


class ConsentReportIn(ma.Schema):
    request_id = ma.fields.String(
        required=True,
        validate=ma.validate.Regexp(r"^[\x21-\x7e]{1,64}$"),
        metadata={"description": "小程序为这次 wx.requestSubscribeMessage 生成的请求号（幂等）"},
    )
    results = ma.fields.Dict(
        # Any key: an id that is not one of our templates is ignored with a warning (the
        # mini-program passes WeChat's answer through as it came), never refused.
        keys=ma.fields.String(),
        values=ma.fields.String(validate=ma.validate.OneOf(CONSENT_RESULTS)),
        required=True,
        validate=ma.validate.Length(min=1, max=20),
        metadata={
            "description": "模板 id → accept / reject / ban / filter（微信原样返回）",
            "minProperties": 1,
            "maxProperties": 20,
        },
    )


class ConsentReportOut(ma.Schema):
    counted = ma.fields.Boolean(required=True, metadata={"description": "false：该请求号已计过"})
    accepted = ma.fields.List(ma.fields.String(), required=True)
    ignored = ma.fields.List(ma.fields.String(), required=True)


class AskOut(ma.Schema):
    kind = ma.fields.String(required=True)
    template_id = ma.fields.String(required=True)


class AskNextOut(ma.Schema):
    ask = ma.fields.List(ma.fields.Nested(AskOut), required=True)


@blp.route("/inbox")
class InboxView(MethodView):
    @blp.arguments(InboxQuery, location="query")
    @blp.response(200, InboxPageOut)
    @login_required()
    def get(self, query: dict[str, Any]):
        """My messages, newest first (cursor pagination: pass `next_cursor` as `before`)."""
        rows, cursor = inbox.items_of(
            current_principal().person_id,
            unread=query["unread"],
            kind=query["kind"],
            before=query["before"],
            limit=query["limit"],
        )
        return {"items": [inbox.item(n) for n in rows], "next_cursor": cursor}


@blp.route("/inbox/unread-count")
class UnreadView(MethodView):
    @blp.response(200, UnreadOut)
    @login_required()
    def get(self):
        """How many of my messages are unread (polled by every page; cached)."""
        # Every open page polls this: the one integer goes out as UnreadOut documents it,
        # without a schema dump per request.
        return jsonify(unread=inbox.unread_count(current_principal().person_id))


@blp.route("/inbox/<int:item_id>/read")
class ReadOneView(MethodView):
    @blp.response(200, InboxItemOut)
    @login_required()
    def post(self, item_id: int):
        """Mark one of my messages read (another person's is 404)."""
        n = inbox.mark_read(current_principal().person_id, item_id)
        unit_of_work.flush()
        return inbox.item(n)


@blp.route("/inbox/read-all")
class ReadAllView(MethodView):
    @blp.response(200, MarkedOut)
    @login_required()
    def post(self):
        """Mark all my messages read."""
        return {"marked": inbox.mark_all_read(current_principal().person_id)}


@blp.route("/todo")
class TodoView(MethodView):
    @blp.response(200, TodoOut)
    @login_required()
    def get(self):
        """My open duties (待办), computed from the domains, with counts."""
        items = todo.todo_of(current_principal())
        return {"total": sum(i["count"] for i in items), "items": items}


@blp.route("/subscriptions")
class ConsentReportView(MethodView):
    @blp.arguments(ConsentReportIn)
    @blp.response(200, ConsentReportOut)
    @login_required()
    def post(self, data: dict[str, Any]):
        """Report what wx.requestSubscribeMessage answered: each accept is one message the app
        may send with that template. Counted once per request_id; unknown templates ignored."""
        known = set(kind_templates().values())
        return consents.report(
            current_principal().person_id, data["request_id"], data["results"], known
        )


@blp.route("/subscriptions/next")
class AskNextView(MethodView):
    @blp.response(200, AskNextOut)
    @login_required()
    def get(self):
        """Which kinds to ask consent for next (at most 3: one wx.requestSubscribeMessage)."""
        p = current_principal()
        return {"ask": consents.ask_next(p.person_id, p.roles, kind_templates())}
