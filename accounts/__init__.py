"""The identity domain: the roster, WeChat login, binding, tokens and roles."""

from flask import Flask


def init_app(app: Flask) -> None:
    """The app's principal cache, and the session listeners that bump its epochs (once per
    process)."""
    from accounts import auth_epochs, principal_lru

    principal_lru.init_app(app)
    auth_epochs.install_listeners()
