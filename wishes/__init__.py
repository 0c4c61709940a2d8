"""The micro-wish domain (群众微心愿) and the photos it (and the candidates' pages) show."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Send each committed photo to WeChat's image check (hooks installed once per process)."""
    from wishes import photos

    photos.install_commit_hooks()
