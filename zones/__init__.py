"""党员责任区: party members' safety zones, patrols, hidden dangers (隐患) and 三违 stops."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Tell media/ what a danger's or patrol's photos are used for; check the placard font's
    setting names a file (the placard refuses clearly if it is missing); the overdue job."""
    from jobs.schedule import periodic
    from zones import photos, portraits

    photos.register_owner()
    portraits.register_owner()
    periodic("zones-dangers-overdue", "zones.jobs.overdue_job", every=900)
