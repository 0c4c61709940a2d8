"""Start every table's ids from 1 again, so a run that depends on which ids exist is the same
whichever tests ran before it in the session."""

from __future__ import annotations

from sqlalchemy import inspect, text

from models import db


def restart_ids() -> None:
    """Reset the id counters of the (empty) tables of the suite's database.

    The suite empties tables with DELETE between tests, which leaves PostgreSQL's sequences and
    MariaDB's AUTO_INCREMENT where they were: the demo mine seeded after 700 tests has branch ids
    in the hundreds, and a schemathesis run (whose generated ids are mostly small) then never hits
    one. SQLite without AUTOINCREMENT reuses max(id) + 1 already."""
    engine = db.engine
    dialect = engine.dialect.name
    with engine.begin() as conn:
        if dialect == "postgresql":
            for table in db.metadata.sorted_tables:
                for column in table.primary_key.columns:
                    seq = conn.execute(
                        text("SELECT pg_get_serial_sequence(:t, :c)"),
                        {"t": table.name, "c": column.name},
                    ).scalar()
                    if seq:
                        conn.execute(text(f"ALTER SEQUENCE {seq} RESTART WITH 1"))
        elif dialect in ("mysql", "mariadb"):
            for name in inspect(conn).get_table_names():
                conn.execute(text(f"ALTER TABLE `{name}` AUTO_INCREMENT = 1"))
