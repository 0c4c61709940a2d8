"""Every table comes from a migration: the migrated schema matches the models exactly."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from models import db


def test_migrations_match_the_models(app):
    with app.app_context(), db.engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = compare_metadata(ctx, db.metadata)
    assert diff == [], diff


def test_single_head(app):
    from alembic.script import ScriptDirectory
    from flask_migrate import Config

    from models.engine import MIGRATIONS_DIR

    cfg = Config()
    cfg.set_main_option("script_location", MIGRATIONS_DIR)
    assert len(ScriptDirectory.from_config(cfg).get_heads()) == 1
