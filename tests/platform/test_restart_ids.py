"""The live schemathesis run seeds the demo mine at ids that do not depend on the tests before it
(CI's PostgreSQL run of 2026-12-06: every branch id was in the hundreds, and the 2xx floor of
/branches/{branch_id}/… failed at 0 % of 46 cases)."""

from models import db
from models.org import Mine
from tests.support.ids import restart_ids


def _mine_id(name: str) -> int:
    mine = Mine(name=name)
    db.session.add(mine)
    db.session.commit()
    return mine.id


def test_ids_start_from_one_after_a_restart(app):
    with app.app_context():
        for i in range(3):
            _mine_id(f"矿{i}")
        db.session.execute(db.delete(Mine))
        db.session.commit()
        db.session.remove()
        restart_ids()
        assert _mine_id("新矿") == 1
