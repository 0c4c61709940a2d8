"""Console sign-in by scanning: the mini-program confirms the ticket in the scanned code."""

from __future__ import annotations

import re

import marshmallow as ma
from flask.views import MethodView
from flask_smorest import Blueprint

from accounts import console_tickets as tickets
from miniapp_api.auth import current_principal, login_required

blp = Blueprint("console_logins", __name__, url_prefix="/api/v1", description="控制台扫码登录")


class ConfirmOut(ma.Schema):
    confirmed = ma.fields.Boolean(required=True)


# The ticket is the scene of the scanned code: at most 32 URL-safe characters. Anything else
# names no ticket (404) and never reaches the database (a NUL byte would not even be stored).
TICKET = re.compile(r"[0-9A-Za-z_-]{1,32}")


@blp.route(
    "/console-logins/<string:ticket>/confirm",
    parameters=[
        {
            "in": "path",
            "name": "ticket",
            "required": True,
            "schema": {"type": "string", "pattern": f"^{TICKET.pattern}$"},
        }
    ],
)
class ConfirmView(MethodView):
    @blp.response(200, ConfirmOut)
    @login_required()
    def post(self, ticket: str):
        """Sign the waiting browser in (the scanned code's scene is `ticket`): secretaries and
        committee only (403 console_not_allowed); 404 unknown ticket, 409 expired or used."""
        if not TICKET.fullmatch(ticket):
            raise tickets.TicketNotFound()
        tickets.confirm(current_principal(), ticket)
        return {"confirmed": True}
