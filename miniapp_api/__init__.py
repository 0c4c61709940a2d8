"""The HTTP boundary: the only package that knows about requests and responses."""

from __future__ import annotations

from flask import Flask, redirect, send_from_directory

from jobs.schedule import periodic
from miniapp_api import body, errors, idempotency
from miniapp_api.auth import authenticate_first, view_method
from miniapp_api.extensions import api
from miniapp_api.fields import IdConverter
from web import rate_limits, unit_of_work


def _swagger_assets(app: Flask) -> None:
    """Serve Swagger UI from the installed bundle: the mine's network has no CDN."""
    import swagger_ui_bundle

    folder = swagger_ui_bundle.swagger_ui_path

    @app.get("/api/v1/docs/")
    def swagger_slash():
        return redirect("/api/v1/docs", code=308)

    @app.get("/api/v1/docs/assets/<path:filename>")
    def swagger_asset(filename: str):
        return send_from_directory(folder, filename, max_age=86400)


def _check_before_body() -> None:
    """before_request: who is calling (401/403) first, then whether a required body came."""
    authenticate_first()
    handler = view_method()
    if handler is not None:
        body.require_declared_body(handler)


def init_app(app: Flask) -> None:
    """Register the API, its blueprints, the limiter, idempotency and the error mapper."""
    from miniapp_api import (
        admin_people,
        assessments_api,
        console_logins,
        honours_api,
        identity,
        inbox_api,
        meetings_api,
        nominations_api,
        pairings_api,
        photo_review,
        points_api,
        transfers_api,
        votes_admin,
        votes_api,
        wechat_push,
        wishes_api,
        zones_api,
    )

    app.config.setdefault(
        "API_SPEC_OPTIONS",
        {
            "security": [{"bearerAuth": []}],
            "components": {
                "securitySchemes": {
                    "bearerAuth": {"type": "http", "scheme": "bearer"},
                }
            },
            "info": {"description": "小程序与书记/党委控制台的接口契约（见 docs/API.md）。"},
        },
    )
    # Every `<int:…>` of every route: ASCII digits within the id columns' range, else 404.
    app.url_map.converters["int"] = IdConverter
    rate_limits.init_app(app)
    api.init_app(app)
    modules = (
        identity,
        inbox_api,
        admin_people,
        console_logins,
        votes_api,
        votes_admin,
        nominations_api,
        honours_api,
        wishes_api,
        pairings_api,
        zones_api,
        points_api,
        meetings_api,
        assessments_api,
        transfers_api,
        photo_review,
        wechat_push,
    )
    for module in modules:
        api.register_blueprint(module.blp)
    ours = tuple(f"{module.blp.name}." for module in modules)
    unit_of_work.install(app, lambda endpoint: endpoint.startswith(ours))
    _swagger_assets(app)
    body.install_chunked_limit(app)
    app.before_request(_check_before_body)
    idempotency.init_app(app)
    periodic("idempotency-purge", "jobs.maintenance.purge_idempotency_job", every=3600)
    errors.init_app(app)
