"""Realistic roster files as mines' HR offices export them, and helpers to look at the result."""

from __future__ import annotations

import csv
import io
import zlib
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill

from models import Branch, Mine, Person, db

TITLE = "官地矿2026年职工花名册"
# The header an HR office's export typically has: 序号 first, 职工编号 instead of 工号, …
HR_HEADER = ["序号", "职工编号", "职工姓名", "性别", "所在单位", "党支部", "政治面貌", "联系电话"]
HR_HEADER += ["是否干部", "入职日期"]


def hr_row(n: int, no: Any, name: str, unit: str, branch: str, status: str, phone: Any, cadre=""):
    return [n, no, name, "男", unit, branch, status, phone, cadre, "2015-07-01"]


def hr_workbook(
    rows: list[list[Any]],
    header: list[str] = HR_HEADER,
    *,
    title: str | None = TITLE,
    instructions_first: bool = True,
    roster_active: bool = True,
    blank_rows_after: int = 0,
    sheet_name: str = "在职人员",
) -> bytes:
    """A workbook like the ones HR offices hand over.

    A 填表说明 sheet first (optional), then the roster sheet: a title merged across the top, a
    subtitle line, the header, the rows (typed as the caller gives them: integers stay integers),
    and formatted blank rows below; a printed footer line at the end.
    """
    wb = Workbook()
    first = wb.active
    if instructions_first:
        first.title = "填表说明"
        first["A1"] = "填表说明"
        first["A2"] = "1. 工号请按人事系统填写；2. 政治面貌按国家标准填写。"
        ws = wb.create_sheet(sheet_name)
    else:
        first.title = sheet_name
        ws = first
    if title:
        ws.append([title])
        ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(header))
        ws["A1"].font = Font(size=16, bold=True)
        ws["A1"].alignment = Alignment(horizontal="center")
        ws.append(["填报单位：人力资源部", None, None, None, None, None, "制表日期：2026-01-05"])
    ws.append(header)
    for r in rows:
        ws.append(r)
    fill = PatternFill("solid", fgColor="FFF2CC")
    last = ws.max_row
    for i in range(1, blank_rows_after + 1):
        for col in range(1, len(header) + 1):
            ws.cell(row=last + i, column=col).fill = fill
    if blank_rows_after:
        ws.cell(row=last + blank_rows_after + 1, column=1, value="制表人：张会计    审核人：李科长")
    if roster_active:
        wb.active = wb.worksheets.index(ws)
    else:
        wb.active = 0
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def gbk_csv(rows: list[list[Any]], header: list[str], *, title: str | None = TITLE) -> bytes:
    """A CSV as Excel on a Chinese Windows saves it: GBK, CRLF, the title line kept."""
    buf = io.StringIO(newline="")
    w = csv.writer(buf, lineterminator="\r\n")
    if title:
        w.writerow([title] + [""] * (len(header) - 1))
    w.writerow(header)
    w.writerows(rows)
    return buf.getvalue().encode("gbk")


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


PLAIN = ["工号", "姓名", "手机号", "单位", "党支部", "政治面貌", "是否干部"]


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


# The plain header of the API's own template, and a CSV of rows under it.
HEADER_CN = ["工号", "姓名", "手机号", "单位", "党支部", "政治面貌", "是否干部"]


def csv_bytes(rows, header=HEADER_CN, encoding="utf-8-sig") -> bytes:
    import csv

    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(header)
    w.writerows(rows)
    return buf.getvalue().encode(encoding)
