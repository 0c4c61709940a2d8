"""Issue 11: the template workbook (API and CLI), and #7 — every `flask` command on a database
that `flask db upgrade` has not prepared says so instead of a traceback."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook
from sqlalchemy import text

from app import create_app
from models import db
from roster.columns import REQUIRED

COMMANDS = [
    ["roster", "import", "{file}"],
    ["roster", "leave", "10001"],
    ["grant", "10001", "committee"],
    ["unbind", "10001"],
    ["demo"],
    ["votes", "verify-tallies"],
    ["wishes", "expire-claims"],
    ["pairings", "remind"],
    ["notifications", "stats"],
    ["jobs", "list"],
]


@pytest.fixture
def roster_file(tmp_path):
    path = tmp_path / "花名册.csv"
    path.write_text(
        "工号,姓名,手机号,单位,党支部,政治面貌\n10001,张三,13800000001,机电队,机电队党支部,群众\n"
    )
    return path


def test_issue11_7_commands_on_an_unmigrated_database_say_upgrade_first(
    base_config, app, tmp_path, roster_file
):
    """issue 11 #7: a fresh database (no tables) answers "run flask db upgrade first"."""
    cfg = dict(base_config, SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path}/fresh.sqlite3")
    fresh = create_app(cfg)
    runner = fresh.test_cli_runner()
    for args in COMMANDS:
        args = [a.format(file=roster_file) for a in args]
        r = runner.invoke(args=args)
        assert r.exit_code != 0, (args, r.output)
        assert "flask db upgrade" in r.output and "数据库还没有建表" in r.output, (args, r.output)
        assert "Traceback" not in r.output and "no such table" not in r.output, r.output


def test_issue11_7_a_database_behind_the_code_says_upgrade_first(app, roster_file):
    """issue 11 #7: a database migrated by an older release is told to upgrade, not crashed."""
    with app.app_context():
        head = db.session.execute(text("SELECT version_num FROM alembic_version")).scalar_one()
        db.session.execute(text("UPDATE alembic_version SET version_num = '0005_talk_wishes'"))
        db.session.commit()
    try:
        r = app.test_cli_runner().invoke(args=["roster", "import", str(roster_file)])
        assert r.exit_code != 0 and "flask db upgrade" in r.output, r.output
        assert "0005_talk_wishes" in r.output and head in r.output
    finally:
        with app.app_context():
            db.session.execute(text("UPDATE alembic_version SET version_num = :v"), {"v": head})
            db.session.commit()
    r = app.test_cli_runner().invoke(args=["roster", "import", str(roster_file), "--dry-run"])
    assert r.exit_code == 0, r.output


def _check_template(data: bytes) -> None:
    wb = load_workbook(io.BytesIO(data))
    assert wb.sheetnames == ["花名册", "填表说明"] and wb.active.title == "花名册"
    ws = wb["花名册"]
    header = [c.value for c in ws[1]]
    assert header[:7] == ["工号", "姓名", "手机号", "单位", "党支部", "政治面貌", "是否干部"]
    assert "原工号" in header
    lists = {
        str(dv.sqref).split(":")[0]: dv.formula1
        for dv in ws.data_validations.dataValidation
        if dv.type == "list"
    }
    status_col = "ABCDEFGH"[header.index("政治面貌")]
    cadre_col = "ABCDEFGH"[header.index("是否干部")]
    assert "中共预备党员" in lists[f"{status_col}2"] and "群众" in lists[f"{status_col}2"]
    assert lists[f"{cadre_col}2"] == '"是,否"'
    assert ws.column_dimensions["A"].number_format == "@"  # 工号 as text: leading zeros stay
    notes = " ".join(str(c.value) for row in wb["填表说明"].iter_rows() for c in row if c.value)
    assert "职工编号" in notes and "联系电话" in notes and "共青团员" in notes
    assert "离职" in notes and "原工号" in notes


def test_template_over_http_for_committee_only(app, client, world):
    """issue 11 (template): GET /api/v1/admin/roster/template.xlsx gives the workbook."""
    boss = world.committee()
    r = client.get("/api/v1/admin/roster/template.xlsx", headers=world.headers(boss))
    assert r.status_code == 200 and r.mimetype.endswith("spreadsheetml.sheet")
    assert "attachment" in r.headers["Content-Disposition"]
    _check_template(r.data)
    r = client.get("/api/v1/admin/roster/template.xlsx", headers=world.headers(world.secretary()))
    assert r.status_code == 403


def test_template_from_cli_filled_in_imports(
    app, client, world, tmp_path, roster_of, upload_roster
):
    """issue 11 (template): `flask roster template FILE`; the filled template imports as is."""
    path = tmp_path / "模板.xlsx"
    r = app.test_cli_runner().invoke(args=["roster", "template", str(path)])
    assert r.exit_code == 0 and "模板已写入" in r.output, r.output
    _check_template(path.read_bytes())
    wb = load_workbook(path)
    ws = wb["花名册"]
    ws.append(["00123", "郑明", "13800000123", "通风队", "通风队党支部", "中共党员", "是", ""])
    ws.append(["00124", "冯丽", "13800000124", "通风队", "", "群众", "否", ""])
    buf = io.BytesIO()
    wb.save(buf)
    boss = world.committee()
    h = world.headers(boss)
    r = upload_roster(h, buf.getvalue(), "模板.xlsx")
    assert r.status_code == 200 and r.json["created"] == 2, r.json
    assert r.json["sheet"] == "花名册" and r.json["header_row"] == 1
    got = roster_of(h, boss.mine_id)
    assert got["00123"]["is_cadre"] is True and got["00124"]["branch"] == "通风队党支部"


def test_required_columns_are_the_contract_ones():
    # API.md's roster columns: employee_no, name, phone, unit, political_status are required.
    assert REQUIRED == ("employee_no", "name", "phone", "unit", "political_status")


def test_issue11_5_migration_normalises_numbers_and_names_already_stored(app, world):
    """issue 11 #5: rosters imported before 0006 kept １０００６ and 王　芳 as typed; the
    migration stores them in the normal form (unless another person already has that 工号)."""
    import importlib.util

    from alembic.migration import MigrationContext
    from alembic.operations import Operations

    from models import Person
    from models.engine import MIGRATIONS_DIR

    b = world.branch()
    typed = world.person(b, employee_no="１０００６", name="王　芳")
    clash = world.person(b, employee_no="２０００１", name="李 明")
    world.person(b, employee_no="20001")
    spec = importlib.util.spec_from_file_location(
        "m0006", f"{MIGRATIONS_DIR}/versions/0006_roster_leavers.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    with app.app_context():
        with db.engine.begin() as conn, Operations.context(MigrationContext.configure(conn)):
            module._normalise_people()
        fixed, kept = db.session.get(Person, typed.id), db.session.get(Person, clash.id)
        assert (fixed.employee_no, fixed.name) == ("10006", "王芳")
        assert (kept.employee_no, kept.name) == ("２０００１", "李明")


def test_roster_endpoints_are_published(client):
    """issue 11: the new endpoints are in the OpenAPI document."""
    paths = client.get("/api/v1/openapi.json").json["paths"]
    for path in (
        "/api/v1/admin/roster",
        "/api/v1/admin/roster/template.xlsx",
        "/api/v1/admin/people/{person_id}/leave",
        "/api/v1/branches/{branch_id}/pairing-reviews",
        "/api/v1/pairing-reviews/{review_id}",
        "/api/v1/pairing-reviews/{review_id}/confirm",
        "/api/v1/pairing-reviews/{review_id}/end",
    ):
        assert path in paths, path
    params = {p["name"] for p in paths["/api/v1/admin/roster"]["post"]["parameters"]}
    assert {"dry_run", "mark_missing_as_left"} <= params
