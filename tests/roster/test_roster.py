"""The roster import: columns by either name, all rows or none, re-import updates by 工号."""
# The behaviour this file tests predates issue 11; the issue's own tests are test_roster_*.py.

from __future__ import annotations

import io

from openpyxl import Workbook

from models import Branch, Mine, Person, Unit, db
from tests.support.hr_files import HEADER_CN, csv_bytes

HEADER_EN = ["employee_no", "name", "phone", "unit", "branch", "political_status", "is_cadre"]
GOOD = [
    ["A001", "王建国", "13800000001", "综采一队", "综采一队党支部", "中共党员", "是"],
    ["A002", "李红梅", "13800000002", "综采一队", "综采一队党支部", "群众", "否"],
    ["A003", "张永平", "13800000003", "掘进二队", "掘进二队党支部", "中共预备党员", "否"],
    ["A004", "刘卫东", "13800000004", "掘进二队", "", "群众", ""],
]


def xlsx_bytes(rows, header=HEADER_EN) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.append(header)
    for r in rows:
        ws.append(r)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def upload(client, headers, data: bytes, name: str):
    return client.post(
        "/api/v1/admin/roster",
        headers=headers,
        data={"file": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
    )


def people(app) -> dict[str, Person]:
    with app.app_context():
        return {p.employee_no: p for p in db.session.scalars(db.select(Person))}


def test_import_csv_over_http(app, client, world):
    boss = world.committee()
    r = upload(client, world.headers(boss), csv_bytes(GOOD), "roster.csv")
    assert r.status_code == 200, r.json
    assert r.json["created"] == 4 and r.json["rows"] == 4
    got = people(app)
    assert got["A001"].political_status == "member" and got["A001"].is_cadre is True
    assert got["A003"].political_status == "probationary"
    with app.app_context():
        a4 = db.session.get(Person, got["A004"].id)
        # A person without a branch column value gets the branch that covers their unit.
        assert a4.branch.name == "掘进二队党支部"
        unit = db.session.scalar(db.select(Unit).where(Unit.name == "综采一队"))
        assert unit.branch.name == "综采一队党支部"


def test_import_xlsx_with_english_headers_and_numeric_cells(app, client, world):
    boss = world.committee()
    rows = [[1001, "赵六", 13800001001, "机电队", "机电队党支部", "masses", 0]]
    r = upload(client, world.headers(boss), xlsx_bytes(rows), "whatever.bin")
    assert r.status_code == 200, r.json
    p = people(app)["1001"]
    assert p.phone == "13800001001" and p.is_cadre is False


def test_gbk_csv_from_excel_is_read(app, client, world):
    boss = world.committee()
    r = upload(client, world.headers(boss), csv_bytes(GOOD, encoding="gb18030"), "r.csv")
    assert r.status_code == 200, r.json
    assert people(app)["A002"].name == "李红梅"


def test_one_bad_row_writes_nothing_and_every_bad_row_is_named(app, client, world):
    boss = world.committee()
    before = set(people(app))
    rows = GOOD + [
        ["", "无工号", "13800000009", "综采一队", "综采一队党支部", "群众", "否"],  # row 6
        ["A006", "坏手机", "12ab", "综采一队", "综采一队党支部", "群众", "否"],  # row 7
        ["A001", "重复", "13800000001", "综采一队", "综采一队党支部", "群众", "否"],  # row 8
        ["A008", "怪身份", "13800000008", "综采一队", "综采一队党支部", "其他", "否"],  # row 9
        ["A009", "无支部党员", "13800000010", "新单位", "", "中共党员", "否"],  # row 10
        ["A010", "干部?", "13800000011", "综采一队", "综采一队党支部", "群众", "也许"],  # row 11
    ]
    r = upload(client, world.headers(boss), csv_bytes(rows), "bad.csv")
    assert r.status_code == 422 and r.json["reason"] == "roster_invalid"
    bad = {e["row"]: e["errors"] for e in r.json["errors"]["rows"]}
    assert set(bad) == {6, 7, 8, 9, 10, 11}
    assert "employee_no" in bad[6] and "phone" in bad[7] and "employee_no" in bad[8]
    assert "political_status" in bad[9] and "branch" in bad[10] and "is_cadre" in bad[11]
    assert set(people(app)) == before
    with app.app_context():
        assert db.session.scalar(db.select(Unit).where(Unit.name == "新单位")) is None


def test_missing_columns_and_empty_and_garbage_files(client, world):
    h = world.headers(world.committee())
    r = upload(client, h, "姓名,手机号\n张三,138\n".encode(), "x.csv")
    assert r.status_code == 422 and "header" in r.json["errors"]
    assert upload(client, h, b"", "x.csv").status_code == 422
    assert upload(client, h, b"PK\x03\x04garbage", "x.xlsx").status_code == 422
    assert upload(client, h, b"\x00\x01\x02binary", "x.csv").status_code == 422
    assert upload(client, h, b"\xd0\xcf\x11\xe0old excel", "x.xls").status_code == 422


def test_reimport_updates_by_employee_no(app, client, world):
    h = world.headers(world.committee())
    upload(client, h, csv_bytes(GOOD), "r.csv")
    changed = [list(r) for r in GOOD]
    changed[1][5] = "中共预备党员"  # 李红梅 joins the party
    changed[1][2] = "13900000002"
    r = upload(client, h, csv_bytes(changed), "r.csv")
    assert r.json["updated"] == 1 and r.json["unchanged"] == 3 and r.json["created"] == 0
    p = people(app)["A002"]
    assert p.political_status == "probationary" and p.phone == "13900000002"


def test_roster_import_needs_committee(client, world):
    r = upload(client, world.headers(world.secretary()), csv_bytes(GOOD), "r.csv")
    assert r.status_code == 403


def test_cli_import_and_grant(app, tmp_path):
    path = tmp_path / "roster.xlsx"
    path.write_bytes(xlsx_bytes(GOOD, header=HEADER_CN))
    runner = app.test_cli_runner()
    r = runner.invoke(args=["roster", "import", str(path), "--mine", "CLI矿"])
    assert r.exit_code == 0, r.output
    assert "新增 4" in r.output
    r = runner.invoke(args=["grant", "A001", "secretary", "--branch", "综采一队党支部"])
    assert r.exit_code == 0, r.output
    r = runner.invoke(args=["grant", "A002", "committee"])
    assert r.exit_code == 0, r.output
    r = runner.invoke(args=["grant", "A001", "secretary", "--branch", "不存在的支部"])
    assert r.exit_code != 0 and "branch_not_found" in r.output
    with app.app_context():
        assert db.session.scalar(db.select(Mine).where(Mine.name == "CLI矿")) is not None
        assert db.session.scalar(db.select(db.func.count()).select_from(Branch)) == 2


def test_cli_import_reports_bad_rows(app, tmp_path):
    path = tmp_path / "bad.csv"
    path.write_bytes(csv_bytes([["B1", "", "138", "u", "b", "群众", "否"]]))
    r = app.test_cli_runner().invoke(args=["roster", "import", str(path), "--mine", "M"])
    assert r.exit_code != 0
    assert "第 2 行 姓名" in r.output and "第 2 行 手机号" in r.output


def test_demo_command_loads_a_mine(app):
    r = app.test_cli_runner().invoke(args=["demo"])
    assert r.exit_code == 0, r.output
    assert "demo:committee" in r.output
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(Person)) == 40
