"""The secretaries' and committee's desk console: server-rendered pages under /console/.

Pages call the same domain services as the JSON API with the caller's Principal; the console
session is a cookie backed by the same session row as a bearer token, so logout, unbinding and
revocation end it alike, and roles are re-read on every request.
"""

from __future__ import annotations

from flask import Flask, redirect, url_for
from flask_wtf.csrf import CSRFProtect

from jobs.schedule import periodic
from web import errors as error_mapper
from web import unit_of_work

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
    from console.auth import render_failure
    from console.blueprint import bp

    app.register_blueprint(bp)
    # One unit of work per request, as in the API: a deadlock or serialization failure runs
    # the view again instead of answering 503.
    unit_of_work.install(
        app, lambda endpoint: endpoint.startswith("console.") and endpoint != "console.static"
    )
    # Every failure under /console/ (a URL that matches no route included) is the one error
    # mapper's, shown as the console's page rather than the API's JSON.
    error_mapper.init_app(app)
    error_mapper.register_door("/console/", render_failure)
    # The host's root is where a person at a desk lands: the console (the mini-program only
    # calls /api/v1/).
    app.add_url_rule("/", "root", lambda: redirect(url_for("console.index")))
    periodic("console-purge-tickets", "console.jobs.purge_tickets_job", cron="40 3 * * *")
