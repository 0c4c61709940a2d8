"""WeChat as a dependency: the client and the push endpoint, built once per app when
credentials are configured (demo mode otherwise)."""

from __future__ import annotations

from flask import Flask, current_app

from wechat.client import MiniProgramClient, ShareCode, sniff_image
from wechat.errors import (
    WeChatCodeInvalid,
    WeChatMisconfigured,
    WeChatRateLimited,
    WeChatRejected,
    WeChatUnavailable,
    WeChatUserBlocked,
)
from wechat.push import (
    MediaCheckResult,
    PushEndpoint,
    PushRefused,
    PushRepeated,
    media_check_result,
)
from wechat.redaction import install_log_filters, redact


def init_app(app: Flask) -> None:
    """Build the client if WECHAT_APPID/SECRET are set, and the push endpoint if its token is."""
    client = None
    push = None
    install_log_filters()
    if app.config["WECHAT_CONFIGURED"]:
        client = MiniProgramClient(
            app.config["WECHAT_APPID"],
            app.config["WECHAT_SECRET"],
            app.extensions["redis"],
            app.config["WECHAT_API_BASE"],
            timeout=(app.config["WECHAT_CONNECT_TIMEOUT"], app.config["WECHAT_READ_TIMEOUT"]),
            miniprogram_state=app.config["WECHAT_MINIPROGRAM_STATE"],
            env_version=app.config["WECHAT_ENV_VERSION"],
        )
        if app.config.get("WECHAT_PUSH_TOKEN"):
            push = PushEndpoint(
                app.config["WECHAT_PUSH_TOKEN"],
                app.config.get("WECHAT_PUSH_AES_KEY") or None,
                app.config["WECHAT_APPID"],
                app.config["WECHAT_PUSH_MAX_SKEW_SECONDS"],
                redis=app.extensions["redis"],
            )
    app.extensions["wechat"] = client
    app.extensions["wechat_push"] = push


def get_wechat() -> MiniProgramClient | None:
    """The configured client, or None in demo mode."""
    return current_app.extensions.get("wechat")


def get_push_endpoint() -> PushEndpoint | None:
    """The push verifier, or None when WeChat or WECHAT_PUSH_TOKEN is not configured."""
    return current_app.extensions.get("wechat_push")


__all__ = [
    "MediaCheckResult",
    "MiniProgramClient",
    "PushEndpoint",
    "PushRefused",
    "PushRepeated",
    "ShareCode",
    "WeChatCodeInvalid",
    "WeChatMisconfigured",
    "WeChatRateLimited",
    "WeChatRejected",
    "WeChatUnavailable",
    "WeChatUserBlocked",
    "get_push_endpoint",
    "get_wechat",
    "init_app",
    "media_check_result",
    "redact",
    "sniff_image",
]
