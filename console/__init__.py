"""The secretaries' and committee's desk console: server-rendered pages under /console/.

Pages call the same domain services as the JSON API with the caller's Principal; the console
session is a cookie backed by the same session row as a bearer token, so logout, unbinding and
revocation end it alike, and roles are re-read on every request.
"""

from __future__ import annotations

from flask import Flask
from flask_wtf.csrf import CSRFProtect

from models.unit_of_work import retrying_view

csrf = CSRFProtect()


def init_app(app: Flask) -> None:
    """Cookies, CSRF (console only: the JSON API uses bearer tokens) and the blueprint. The
    console's settings (CONSOLE_*) come from config/ like every other."""
    # Flask's own session cookie only carries the CSRF secret and the waiting login ticket.
    # (Nothing else in the app uses Flask's session, so these are the console's to set.)
    app.config.update(
        SESSION_COOKIE_NAME="frontline_console_state",
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_PATH="/console",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SECURE=app.config["CONSOLE_COOKIE_SECURE"],
    )
    # Checked by the console blueprint itself, so the API's bearer-token views stay exempt.
    app.config["WTF_CSRF_CHECK_DEFAULT"] = False
    app.config.setdefault("WTF_CSRF_TIME_LIMIT", None)  # the console session bounds its life
    csrf.init_app(app)

    from console import views  # noqa: F401 - attaches the pages to the blueprint
    from console.auth import http_error
    from console.blueprint import bp

    app.register_blueprint(bp)
    # One unit of work per request, as in the API: a deadlock or serialization failure runs
    # the view again instead of answering 503.
    for endpoint, view in list(app.view_functions.items()):
        if endpoint.startswith("console.") and endpoint != "console.static":
            app.view_functions[endpoint] = retrying_view(view)
    # A /console/ URL that matches no route (an id out of range, say) belongs to no blueprint:
    # the app's error mapper hands it to the console's page, not the API's JSON.
    app.extensions.setdefault("error_pages", {})["/console/"] = http_error
