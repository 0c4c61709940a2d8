"""Console sign-in by scanning: the mini-program confirms the ticket in the scanned code."""

from __future__ import annotations

import re

import marshmallow as ma
from flask.views import MethodView
from flask_smorest import Blueprint

from accounts import console_tickets as tickets
from miniapp_api.auth import current_principal, login_required

blp = Blueprint("console_logins", __name__, url_prefix="/api/v1", description="控制台扫码登录")


class ConsoleConfirmIn(ma.Schema):
    code = ma.fields.String(
        required=True,
        validate=ma.validate.Regexp(r"^[0-9]{4}$", error="请填写电脑上显示的 4 位确认码"),
        metadata={"description": "the short code the phone showed (the browser shows it too)"},
    )


class ConfirmOut(ma.Schema):
    confirmed = ma.fields.Boolean(required=True)
    browser_ip = ma.fields.String(allow_none=True)
    browser_user_agent = ma.fields.String(allow_none=True)


class TicketOut(ma.Schema):
    code = ma.fields.String(required=True, metadata={"description": "shown on the browser too"})
    browser_ip = ma.fields.String(allow_none=True)
    browser_user_agent = ma.fields.String(allow_none=True)
    created_at = ma.fields.AwareDateTime(required=True, format="iso")
    expires_at = ma.fields.AwareDateTime(required=True, format="iso")


# The ticket is the scene of the scanned code: at most 32 URL-safe characters. Anything else
# names no ticket (404) and never reaches the database (a NUL byte would not even be stored).
TICKET = re.compile(r"[0-9A-Za-z_-]{1,32}")


TICKET_PARAMETER = [
    {
        "in": "path",
        "name": "ticket",
        "required": True,
        "schema": {"type": "string", "pattern": f"^{TICKET.pattern}$"},
    }
]


@blp.route("/console-logins/<string:ticket>", parameters=TICKET_PARAMETER)
class TicketView(MethodView):
    @blp.response(200, TicketOut)
    @login_required()
    def get(self, ticket: str):
        """Which browser asks to be signed in: its IP and user agent and the short code it
        shows; the phone shows them and its user confirms only if the browser in front of them
        shows the same code (QRLJacking). Secretaries and committee only (403
        console_not_allowed); 404 unknown ticket, 409 expired or used."""
        if not TICKET.fullmatch(ticket):
            raise tickets.TicketNotFound()
        return tickets.describe(current_principal(), ticket)


@blp.route("/console-logins/<string:ticket>/confirm", parameters=TICKET_PARAMETER)
class ConfirmView(MethodView):
    @blp.arguments(ConsoleConfirmIn)
    @blp.response(200, ConfirmOut)
    @login_required()
    def post(self, data: dict, ticket: str):
        """Sign the waiting browser in (the scanned code's scene is `ticket`) with the short
        code the phone showed from `GET /console-logins/{ticket}`: 409 console_code_mismatch
        for another code; secretaries and committee only (403 console_not_allowed); 404
        unknown ticket, 409 expired or used."""
        if not TICKET.fullmatch(ticket):
            raise tickets.TicketNotFound()
        principal = current_principal()
        shown = tickets.describe(principal, ticket)
        tickets.confirm(principal, ticket, data["code"])
        return {
            "confirmed": True,
            "browser_ip": shown["browser_ip"],
            "browser_user_agent": shown["browser_user_agent"],
        }
