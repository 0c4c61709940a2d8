"""The honour roll (荣誉墙, 选树典型): published campaigns' honourees and the quarterly 六好区队,
public by year and category, a person's page, revocation, posters and the export."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Hook the roll onto votes' publish and the assessments' team awards."""
    from honours import services
    from votes.campaigns import on_publish

    on_publish(services.award_campaign)
    services.install_listeners()
