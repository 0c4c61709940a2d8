"""Migration 0016 on a database with data: existing mines keep the old rule (any paired talk)
up to the month of the upgrade and take the seed's rule from the next one; existing talks learn
whether their employee was flagged at the time from the flags' history (on SQLite: the other
backends run the same migration in tests/platform/test_migrations.py)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import text

from app import create_app
from pairings.months import month_of, next_month


def test_the_upgrade_keeps_past_months_and_backfills_flags(base_config, tmp_path):
    from flask_migrate import upgrade

    config = {
        **base_config,
        "DATABASE_URL": "",
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/upgrade.sqlite3",
    }
    app = create_app(config)
    with app.app_context():
        from models import db

        upgrade(revision="0013_inbox")
        with db.engine.begin() as conn:
            conn.execute(text("INSERT INTO mines (id, name) VALUES (1, '矿')"))
            conn.execute(text("INSERT INTO branches (id, mine_id, name) VALUES (1, 1, '支部')"))
            conn.execute(
                text("INSERT INTO units (id, mine_id, name, kind) VALUES (1, 1, '队', 'team')")
            )
            for pid, status in ((1, "member"), (2, "masses"), (3, "masses")):
                conn.execute(
                    text(
                        "INSERT INTO people (id, mine_id, branch_id, unit_id, employee_no, name,"
                        " phone, political_status, is_cadre, created_at, updated_at)"
                        " VALUES (:id, 1, 1, 1, :no, '某', '13800000000', :st, 0,"
                        " '2025-01-01', '2025-01-01')"
                    ),
                    {"id": pid, "no": f"X{pid}", "st": status},
                )
            conn.execute(
                text(
                    "INSERT INTO care_flag_changes (person_id, ideological, hardship, note, at)"
                    " VALUES (2, 1, 0, '', '2025-05-01 00:00:00')"
                )
            )
            for tid, employee, at in (
                (1, 2, "2025-05-10 02:00:00"),
                (2, 2, "2025-04-10 02:00:00"),
                (3, 3, "2025-05-10 02:00:00"),
            ):
                conn.execute(
                    text(
                        "INSERT INTO talks (id, mine_id, branch_id, member_id, employee_id,"
                        " author_id, talked_at, month, mode, place, topics, concerns,"
                        " follow_up, created_at, updated_at)"
                        " VALUES (:id, 1, 1, 1, :e, 1, :at, '2025-05', 'phone', '', 't', '',"
                        " '', :at, :at)"
                    ),
                    {"id": tid, "e": employee, "at": at},
                )
        upgrade()
        with db.engine.connect() as conn:
            flagged = dict(conn.execute(text("SELECT id, care_flagged FROM talks")).all())
            rules = conn.execute(
                text("SELECT effective_month, basis FROM talk_rules ORDER BY effective_month")
            ).all()
        db.session.remove()
    # Flagged from 1 May: the talk of 10 May was with a flagged employee, that of April not.
    assert {k: bool(v) for k, v in flagged.items()} == {1: True, 2: False, 3: False}
    assert [tuple(r) for r in rules] == [
        ("2000-01", "any"),
        (next_month(month_of(datetime.now().astimezone())), "flagged"),
    ]
