"""WeChat as a dependency: the client, built once per app when credentials are configured."""

from __future__ import annotations

from flask import Flask, current_app

from wechat.client import MiniProgramClient
from wechat.errors import WeChatCodeInvalid, WeChatRejected, WeChatUnavailable


def init_app(app: Flask) -> None:
    """Build the client if WECHAT_APPID/SECRET are set; demo mode otherwise."""
    client = None
    if app.config["WECHAT_CONFIGURED"]:
        client = MiniProgramClient(
            app.config["WECHAT_APPID"],
            app.config["WECHAT_SECRET"],
            app.extensions["redis"],
            app.config["WECHAT_API_BASE"],
            timeout=(app.config["WECHAT_CONNECT_TIMEOUT"], app.config["WECHAT_READ_TIMEOUT"]),
        )
    app.extensions["wechat"] = client


def get_wechat() -> MiniProgramClient | None:
    """The configured client, or None in demo mode."""
    return current_app.extensions.get("wechat")


__all__ = [
    "MiniProgramClient",
    "WeChatCodeInvalid",
    "WeChatRejected",
    "WeChatUnavailable",
    "get_wechat",
    "init_app",
]
