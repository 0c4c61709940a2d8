"""The HTTP boundary: the only package that knows about requests and responses."""

from __future__ import annotations

from flask import Flask, send_from_directory

from miniapp_api import errors, idempotency
from miniapp_api.extensions import api, limiter


def _swagger_assets(app: Flask) -> None:
    """Serve Swagger UI from the installed bundle: the mine's network has no CDN."""
    import swagger_ui_bundle

    folder = swagger_ui_bundle.swagger_ui_path

    @app.get("/api/v1/docs/assets/<path:filename>")
    def swagger_asset(filename: str):
        return send_from_directory(folder, filename, max_age=86400)


def init_app(app: Flask) -> None:
    """Register the API, its blueprints, the limiter, idempotency and the error mapper."""
    from miniapp_api import (
        admin_people,
        console_logins,
        identity,
        pairings_api,
        photo_review,
        points_api,
        transfers_api,
        votes_admin,
        votes_api,
        wechat_push,
        wishes_api,
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
            "info": {"description": "小程序与书记/党委控制台的接口契约（见 shared/API.md）。"},
        },
    )
    limiter.init_app(app)
    api.init_app(app)
    for module in (
        identity,
        admin_people,
        console_logins,
        votes_api,
        votes_admin,
        wishes_api,
        pairings_api,
        points_api,
        transfers_api,
        photo_review,
        wechat_push,
    ):
        api.register_blueprint(module.blp)
    _swagger_assets(app)
    idempotency.init_app(app)
    errors.init_app(app)
