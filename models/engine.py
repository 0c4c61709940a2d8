"""Database engine settings per backend, and the migrations handle."""

from __future__ import annotations

import os

from flask import Flask
from flask_migrate import Migrate
from sqlalchemy import event
from sqlalchemy.engine import make_url

from models.base import db

MIGRATIONS_DIR = os.path.join(os.path.dirname(os.path.dirname(__file__)), "migrations")
migrate = Migrate(render_as_batch=True, compare_type=True, directory=MIGRATIONS_DIR)


def engine_options(uri: str) -> tuple[str, dict]:
    """The URI (with charset where needed) and engine options for a backend."""
    url = make_url(uri)
    options: dict = {"pool_pre_ping": True}
    if url.get_backend_name() == "sqlite":
        options["connect_args"] = {"timeout": 30, "check_same_thread": False}
    elif url.get_backend_name() in ("mysql", "mariadb"):
        if "charset" not in url.query:
            url = url.update_query_dict({"charset": "utf8mb4"})
        options.update(isolation_level="READ COMMITTED", pool_recycle=3600)
    if url.get_backend_name() != "sqlite":
        # A connection kept for each request thread of a worker (gunicorn --threads, up to 10):
        # with the default 5, threads past the fifth open and close a connection per request.
        options.update(pool_size=10, max_overflow=20)
    return url.render_as_string(hide_password=False), options


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    # pysqlite's own BEGIN handling is turned off so that "begin" below decides.
    dbapi_connection.isolation_level = None
    cur = dbapi_connection.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=30000")
    cur.close()


def _sqlite_begin(conn) -> None:
    # A transaction that reads and then writes would otherwise fail with "database is locked"
    # when another writer got in between; IMMEDIATE takes the write lock up front.
    conn.exec_driver_sql("BEGIN IMMEDIATE")


def init_app(app: Flask) -> None:
    """Configure SQLAlchemy and Flask-Migrate for the app's DATABASE_URL."""
    uri, options = engine_options(app.config["SQLALCHEMY_DATABASE_URI"])
    app.config["SQLALCHEMY_DATABASE_URI"] = uri
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = options
    if uri.startswith("sqlite:///"):
        os.makedirs(os.path.dirname(uri[len("sqlite:///") :]) or ".", exist_ok=True)
    db.init_app(app)
    migrate.init_app(app, db)
    with app.app_context():
        engine = db.engine
        if engine.dialect.name == "sqlite":
            event.listen(engine, "connect", _sqlite_pragmas)
            event.listen(engine, "begin", _sqlite_begin)
