"""The roster tests' plain helpers: files uploaded to the import, a mine with its HR roster,
the roster read back (the files themselves are in tests/support/hr_files.py)."""

from __future__ import annotations

import io
import zlib
from typing import Any

from models import Branch, Mine, Person, Unit, UnitDuty, db
from tests.support.hr_files import GROUPS_HEADER, PLAIN, hr_workbook


def upload(client, headers, data: bytes, name: str = "花名册.xlsx", **query: Any):
    """POST the file to the roster import (query: dry_run, mark_missing_as_left)."""
    qs = "&".join(f"{k}={str(v).lower()}" for k, v in query.items())
    return client.post(
        "/api/v1/admin/roster" + (f"?{qs}" if qs else ""),
        headers=headers,
        data={"file": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
    )


def roster_via_api(app, client, headers, mine_id: int) -> dict[str, dict[str, Any]]:
    """Every person of the mine as the committee sees them through the API, by 工号."""
    with app.app_context():
        branches = db.session.execute(
            db.select(Branch.id, Branch.name).where(Branch.mine_id == mine_id)
        ).all()
    out: dict[str, dict[str, Any]] = {}
    for branch_id, branch_name in branches:
        page = 1
        while True:
            r = client.get(
                f"/api/v1/branches/{branch_id}/people?page={page}&page_size=100", headers=headers
            )
            assert r.status_code == 200, r.json
            for p in r.json:
                out[p["employee_no"]] = dict(p, branch=branch_name)
            if len(r.json) < 100:
                break
            page += 1
    return out


def mine_of(app, person) -> Mine:
    with app.app_context():
        m = db.session.get(Mine, person.mine_id)
        db.session.expunge(m)
        return m


class HR:
    """A mine with its committee member on the roster, and the roster file the tests edit.

    `rows` maps 工号 to a row in PLAIN order; `send` imports (or previews) the file over the API
    as the committee member; `login` binds a person's WeChat account the way a miner does.
    """

    def __init__(self, app, client, world) -> None:
        self.app, self.client, self.world = app, client, world
        self.mine = world.mine()
        self.boss = world.committee(self.mine, name="党委王", phone="13700000000")
        self.h = world.headers(self.boss)
        with app.app_context():
            p = db.session.get(Person, self.boss.id)
            self.rows: dict[str, list[Any]] = {
                p.employee_no: [p.employee_no, p.name, p.phone, p.unit.name, p.branch.name]
                + ["中共党员", "否"]
            }

    def add(self, no: str, name: str, unit: str, branch: str, status: str = "群众", cadre="否"):
        phone = f"139{zlib.crc32(no.encode()) % 10**8:08d}"
        self.rows[no] = [no, name, phone, unit, branch, status, cadre]

    def file(self, without: tuple[str, ...] = ()) -> bytes:
        rows = [r for no, r in self.rows.items() if no not in without]
        return hr_workbook(rows, PLAIN, title="职工花名册", instructions_first=False)

    def send(self, without: tuple[str, ...] = (), expect: int = 200, **query: Any):
        r = upload(self.client, self.h, self.file(without), **query)
        assert r.status_code == expect, r.json
        return r.json

    def person(self, no: str) -> Person:
        with self.app.app_context():
            p = db.session.scalar(
                db.select(Person).where(Person.mine_id == self.mine.id, Person.employee_no == no)
            )
            db.session.expunge(p)
            return p

    def branch(self, name: str) -> Branch:
        with self.app.app_context():
            b = db.session.scalar(
                db.select(Branch).where(Branch.mine_id == self.mine.id, Branch.name == name)
            )
            db.session.expunge(b)
            return b

    def login(self, no: str) -> dict[str, str]:
        """Log in as a new WeChat user and bind to this roster entry; the bearer headers."""
        r = self.client.post("/api/v1/auth/login", json={"code": f"demo:wx-{self.mine.id}-{no}"})
        h = {"Authorization": f"Bearer {r.json['token']}"}
        row = self.rows[no]
        r = self.client.post(
            "/api/v1/auth/bind",
            json={"employee_no": no, "name": row[1], "phone_tail": row[2][-4:]},
            headers=h,
        )
        assert r.status_code == 200, r.json
        return h


class Groups(HR):
    """An HR with the 班组 / 职务 / 单位类别 columns: `extra` maps 工号 → those three cells."""

    def __init__(self, app, client, world) -> None:
        super().__init__(app, client, world)
        self.extra: dict[str, list[str]] = {no: ["", "", ""] for no in self.rows}

    def put(
        self,
        no: str,
        name: str,
        unit: str,
        branch: str,
        group: str = "",
        role: str = "",
        kind: str = "",
        status: str = "群众",
    ) -> None:
        self.add(no, name, unit, branch, status)
        self.extra[no] = [group, role, kind]

    def file(self, without: tuple[str, ...] = (), header: list[str] = GROUPS_HEADER) -> bytes:
        rows = [
            (r + self.extra[no])[: len(header)] for no, r in self.rows.items() if no not in without
        ]
        return hr_workbook(rows, header, title="职工花名册", instructions_first=False)

    def unit(self, name: str) -> Unit | None:
        with self.app.app_context():
            u = db.session.scalar(
                db.select(Unit).where(Unit.mine_id == self.mine.id, Unit.name == name)
            )
            if u is not None:
                db.session.expunge(u)
            return u

    def leaders(self) -> set[tuple[str, str]]:
        """(工号, unit name) of every leader duty in the mine."""
        with self.app.app_context():
            rows = db.session.execute(
                db.select(Person.employee_no, Unit.name)
                .join(UnitDuty, UnitDuty.person_id == Person.id)
                .join(Unit, Unit.id == UnitDuty.unit_id)
                .where(Person.mine_id == self.mine.id, UnitDuty.duty == "leader")
            ).all()
        return {(no, name) for no, name in rows}

    def group_of(self, no: str) -> str:
        p = self.person(no)
        if p.group_id is None:
            return ""
        with self.app.app_context():
            return db.session.get(Unit, p.group_id).name
