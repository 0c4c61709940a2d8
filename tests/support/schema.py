"""The schema of a run: the database emptied and built again by the migrations (as in
production), for the suite's session app and scripts/profile_requests.py."""

from __future__ import annotations

from sqlalchemy import text

from models import db


def rebuild_schema() -> None:
    """Drop every table of the app in context (a database left over from an earlier run) and
    migrate it to the head. DESTRUCTIVE: only for test and scratch databases."""
    from flask_migrate import upgrade

    db.drop_all()
    with db.engine.begin() as conn:
        conn.execute(text("DROP TABLE IF EXISTS alembic_version"))
    upgrade()
