"""Benchmark: compliance, the committee roll-up and reminders at mine scale.

    python bench/pairings_rollup.py                  # SQLite in a temp dir, embedded Redis
    DATABASE_URL=postgresql+psycopg://... REDIS_URL=redis://... python bench/pairings_rollup.py

Seeds one mine (40 branches, 1,200 members, 3,000 employees, 12 months of talks) into an EMPTY
database (it drops and rebuilds the schema), then times the read paths the console and the
monthly cron use.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from sqlalchemy import text  # noqa: E402

from app import create_app  # noqa: E402
from models import Branch, Mine, Pairing, Person, Talk, Unit, db  # noqa: E402
from pairings.compliance import branch_compliance, mine_rollup  # noqa: E402
from pairings.months import SHANGHAI, month_of  # noqa: E402
from pairings.reminders import send_reminders  # noqa: E402

BRANCHES, MEMBERS_PER_BRANCH, EMPLOYEES_PER_BRANCH, MONTHS = 40, 30, 75, 12


def seed() -> None:
    mine = Mine(name="基准矿")
    db.session.add(mine)
    db.session.flush()
    now = datetime.now(UTC)
    start = now - timedelta(days=31 * MONTHS)
    people, pairings, talks = [], [], []
    pid = 0
    for b in range(BRANCHES):
        branch = Branch(mine_id=mine.id, name=f"支部{b}")
        db.session.add(branch)
        db.session.flush()
        unit = Unit(mine_id=mine.id, name=f"区队{b}", branch_id=branch.id)
        db.session.add(unit)
        db.session.flush()
        members, employees = [], []
        for i in range(MEMBERS_PER_BRANCH + EMPLOYEES_PER_BRANCH):
            pid += 1
            is_member = i < MEMBERS_PER_BRANCH
            people.append(
                {
                    "id": pid,
                    "mine_id": mine.id,
                    "employee_no": f"B{pid:06d}",
                    "name": f"人{pid}",
                    "phone": f"138{pid:08d}",
                    "unit_id": unit.id,
                    "branch_id": branch.id,
                    "political_status": "member" if is_member else "masses",
                    "is_cadre": is_member and i % 5 == 0,
                    "created_at": now,
                    "updated_at": now,
                }
            )
            (members if is_member else employees).append(pid)
        for j, e in enumerate(employees[: len(members) * 5 // 2]):
            m = members[j % len(members)]
            pairings.append(
                {
                    "id": len(pairings) + 1,
                    "mine_id": mine.id,
                    "branch_id": branch.id,
                    "member_id": m,
                    "employee_id": e,
                    "active": True,
                    "started_at": start,
                }
            )
    db.session.execute(db.insert(Person), people)
    db.session.execute(db.insert(Pairing), pairings)
    for p in pairings:
        for k in range(MONTHS):
            if (p["member_id"] + k) % 4 == 0:
                continue  # a quarter of the months missed
            at = now - timedelta(days=31 * k + 1)
            talks.append(
                {
                    "mine_id": p["mine_id"],
                    "branch_id": p["branch_id"],
                    "member_id": p["member_id"],
                    "employee_id": p["employee_id"],
                    "author_id": p["member_id"],
                    "pairing_id": p["id"],
                    "talked_at": at,
                    "month": month_of(at),
                    "mode": "phone",
                    "place": "",
                    "topics": "近况",
                    "concerns": "",
                    "follow_up": "",
                    "created_at": at,
                    "updated_at": at,
                }
            )
    for i in range(0, len(talks), 5000):
        db.session.execute(db.insert(Talk), talks[i : i + 5000])
    db.session.commit()
    print(f"seeded {len(people)} people, {len(pairings)} pairings, {len(talks)} talks")


def timed(label: str, fn, repeat: int = 5) -> None:
    best = float("inf")
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t)
    print(f"{label:<40} best of {repeat}: {best * 1000:8.1f} ms")


def main() -> None:
    from flask_migrate import upgrade

    tmp = tempfile.mkdtemp(prefix="bench-pairings-")
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": os.environ.get("DATABASE_URL")
            or f"sqlite:///{tmp}/bench.sqlite3",
            "EMBEDDED_REDIS_PATH": f"{tmp}/redis.db",
        }
    )
    with app.app_context():
        db.drop_all()
        with db.engine.begin() as conn:
            conn.execute(text("DROP TABLE IF EXISTS alembic_version"))
        upgrade()
        seed()
        mine = db.session.scalar(db.select(Mine))
        branch = db.session.scalar(db.select(Branch).order_by(Branch.id))
        month = month_of(datetime.now(UTC))
        timed("branch compliance (1 branch, month)", lambda: branch_compliance(branch, month))
        timed("mine roll-up (40 branches, month)", lambda: mine_rollup(mine.id, month))

        def remind() -> None:
            send_reminders(datetime.now(SHANGHAI).replace(day=20))
            db.session.rollback()

        timed("reminder run (all members, rolled back)", remind, repeat=3)


if __name__ == "__main__":
    main()
