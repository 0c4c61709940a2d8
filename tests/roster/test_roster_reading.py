"""Issue 11: the roster as a mine's HR office hands it over (reading and normalising).

The defects of the issue, numbered in the order it lists them:
#1 a merged title row was taken as the header; #2 only the first worksheet was read; #3 the
usual header names were refused; #4 the national 政治面貌 values and the usual 是否干部 marks were
refused; #5 a full-width 工号 was stored as typed; #6 messages an HR clerk cannot read.
"""

from __future__ import annotations

import io
import zipfile

from openpyxl import Workbook

from tests.support.hr_files import gbk_csv, hr_row, hr_workbook

# The header the importer always understood, for the tests of one defect at a time.
PLAIN = ["工号", "姓名", "手机号", "单位", "党支部", "政治面貌", "是否干部"]


def plain(no, name, unit, branch, status, phone, cadre=""):
    return [no, name, phone, unit, branch, status, cadre]


ROWS = [
    hr_row(1, 10001, "王建国", "综采一队", "综采一队党支部", "中共党员", 13800000001, "是"),
    hr_row(2, 10002, "李红梅", "综采一队", "", "群众", 13800000002, "否"),
    hr_row(3, 10003, "张永平", "掘进二队", "掘进二队党支部", "中共预备党员", 13800000003),
    hr_row(4, 10004, "刘卫东", "掘进二队", "掘进二队党支部", "群众", 13800000004),
]


def login_and_bind(client, openid: str, employee_no: str, name: str, tail: str):
    token = client.post("/api/v1/auth/login", json={"code": f"demo:{openid}"}).json["token"]
    h = {"Authorization": f"Bearer {token}"}
    r = client.post(
        "/api/v1/auth/bind",
        json={"employee_no": employee_no, "name": name, "phone_tail": tail},
        headers=h,
    )
    return r, h


def test_issue11_1_merged_title_row_above_the_header(app, client, world, roster_of, upload_roster):
    """issue 11 #1: a title merged across the top is not the header; the answer says which row."""
    boss = world.committee()
    h = world.headers(boss)
    data = hr_workbook(ROWS, instructions_first=False, blank_rows_after=30)
    r = upload_roster(h, data)
    assert r.status_code == 200, r.json
    assert r.json["sheet"] == "在职人员" and r.json["header_row"] == 3
    assert r.json["created"] == 4 and r.json["rows"] == 4
    got = roster_of(h, boss.mine_id)
    assert got["10001"]["name"] == "王建国" and got["10001"]["is_cadre"] is True
    assert got["10002"]["branch"] == "综采一队党支部"  # the branch covering her unit
    assert got["10003"]["political_status"] == "probationary"


def test_issue11_2_roster_on_the_second_sheet_after_the_instructions(
    app, client, world, roster_of, upload_roster
):
    """issue 11 #2: every sheet is looked at; the roster after a 填表说明 sheet is read."""
    boss = world.committee()
    h = world.headers(boss)
    for active in (True, False):  # whether or not the roster is the active sheet
        r = upload_roster(h, hr_workbook(ROWS, roster_active=active))
        assert r.status_code == 200, r.json
        assert r.json["sheet"] == "在职人员" and r.json["header_row"] == 3
    assert set(roster_of(h, boss.mine_id)) >= {"10001", "10004"}


def test_issue11_3_the_usual_header_names(app, client, world, roster_of, upload_roster):
    """issue 11 #3: 所在单位/部门/单位名称/区队, 职工编号/员工编号, 职工姓名, 手机/联系电话."""
    boss = world.committee()
    h = world.headers(boss)
    variants = [
        ("员工编号", "姓名", "手机", "部门"),
        ("职工编号", "职工姓名", "联系方式", "单位名称"),
        ("工号", "职工姓名", "联系电话", "区队"),
        ("员工编号", "姓名", "手机", "所在单位"),
    ]
    for i, (no, name, phone, unit) in enumerate(variants):
        header = [no, name, phone, unit, "所在党支部", "政治面貌"]
        rows = [[f"V{i}", "赵六", 13800001000 + i, "机电队", "机电队党支部", "群众"]]
        r = upload_roster(h, hr_workbook(rows, header))
        assert r.status_code == 200, (header, r.json)
        assert r.json["columns"]["unit"] == unit and r.json["columns"]["employee_no"] == no
    got = roster_of(h, boss.mine_id)
    assert {f"V{i}" for i in range(4)} <= set(got)
    assert got["V1"]["unit"] == "机电队"


def test_issue11_4_national_political_status_values_and_cadre_marks(
    app, client, world, roster_of, upload_roster
):
    """issue 11 #4: 政治面貌 by the national code list; 是否干部 as √, 干部, 中层干部, 科级, Y/N."""
    boss = world.committee()
    h = world.headers(boss)
    statuses = {
        "共青团员": "masses",
        "民革会员": "masses",
        "中国民主同盟盟员": "masses",
        "九三学社社员": "masses",
        "无党派人士": "masses",
        "群众": "masses",
        "中国共产党党员": "member",
        "中共党员": "member",
        "中国共产党预备党员": "probationary",
        "中共党员（预备）": "probationary",
        "中共预备党员": "probationary",
    }
    cadre = {"√": True, "干部": True, "中层干部": True, "科级": True, "Y": True, "1": True}
    cadre |= {"×": False, "N": False, "0": False, "否": False, "": False}
    rows = []
    for i, (word, _) in enumerate(statuses.items()):
        rows.append(plain(f"S{i:02d}", f"人员{i}", "通风队", "通风队党支部", word, 13900000000 + i))
    for i, (mark, _) in enumerate(cadre.items()):
        no, name = f"C{i:02d}", f"干部{i}"
        rows.append(plain(no, name, "通风队", "通风队党支部", "中共党员", 13900000100 + i, mark))
    rows.append(plain("B00", "空白", "通风队", "通风队党支部", "", 13900000999))
    r = upload_roster(h, hr_workbook(rows, PLAIN, title=None, instructions_first=False))
    assert r.status_code == 200, r.json
    assert any(w["row"] and "按群众" in w["message"] for w in r.json["warnings"]), r.json
    got = roster_of(h, boss.mine_id)
    for i, (_, status) in enumerate(statuses.items()):
        assert got[f"S{i:02d}"]["political_status"] == status, list(statuses)[i]
    for i, (mark, yes) in enumerate(cadre.items()):
        assert got[f"C{i:02d}"]["is_cadre"] is yes, mark
    assert got["B00"]["political_status"] == "masses"


def test_issue11_5_full_width_employee_no_and_text_are_normalised(
    app, client, world, roster_of, upload_roster
):
    """issue 11 #5: １０００６ is 10006: binding works and a later import finds the same person."""
    boss = world.committee()
    h = world.headers(boss)
    rows = [
        plain("１０００６", " 王　芳 ", "综采一队", "综采一队党支部", "中共党员", "138 0000 6006"),
        plain("Ａ１００７", "Li  Ming", "综采一队", "综采一队党支部", "群众", 13800006007.0),
    ]
    r = upload_roster(h, hr_workbook(rows, PLAIN, title=None, instructions_first=False))
    assert r.status_code == 200, r.json
    got = roster_of(h, boss.mine_id)
    assert got["10006"]["name"] == "王芳" and got["A1007"]["name"] == "Li Ming"
    r, _ = login_and_bind(client, "wangfang", "10006", "王芳", "6006")
    assert r.status_code == 200, r.json
    # The next roster types it with ordinary digits: the same person, nobody new.
    rows[0][0] = "10006"
    r = upload_roster(h, hr_workbook(rows, PLAIN, title=None, instructions_first=False))
    assert r.status_code == 200, r.json
    assert r.json["created"] == 0 and r.json["unchanged"] == 2, r.json
    # And a clerk typing full-width digits into the bind page is understood too.
    r, _ = login_and_bind(client, "liming", "Ａ１００７", "Li Ming", "６００７")
    assert r.status_code == 200, r.json


def test_issue11_5_gbk_csv_with_crlf_and_a_title_line(app, client, world, roster_of, upload_roster):
    """issue 11 #5 (CSV): a GBK CSV with CRLF and a title line, phones as Excel wrote them."""
    boss = world.committee()
    h = world.headers(boss)
    header = ["工号", "姓名", "手机号码", "所在单位", "所在党支部", "政治面貌", "是否干部"]
    rows = [
        ["２００１", "孙　强", "13800002001", "机电队", "机电队党支部", "中共党员", "√"],
        ["2002", "周 丽", "13800002002.0", "机电队", "", "共青团员", "×"],
    ]
    r = upload_roster(h, gbk_csv(rows, header), "花名册.csv")
    assert r.status_code == 200, r.json
    assert r.json["sheet"] is None and r.json["header_row"] == 2
    got = roster_of(h, boss.mine_id)
    assert got["2001"]["name"] == "孙强" and got["2001"]["is_cadre"] is True
    assert got["2002"]["name"] == "周丽" and got["2002"]["political_status"] == "masses"


def test_issue11_6_missing_columns_are_named_in_chinese_with_their_spellings(
    client, world, upload_roster
):
    """issue 11 #6: the missing-columns message names the columns as a clerk knows them."""
    h = world.headers(world.committee())
    header = ["序号", "姓名", "性别", "所在单位", "政治面貌"]
    r = upload_roster(h, hr_workbook([[1, "张三", "男", "机电队", "群众"]], header))
    assert r.status_code == 422 and r.json["reason"] == "roster_invalid", r.json
    text = "".join(r.json["errors"]["header"])
    assert "工号" in text and "手机号" in text and "employee_no" not in text
    assert "职工编号" in text and "联系电话" in text  # the accepted spellings are listed
    assert r.json["errors"]["missing"] == ["employee_no", "phone"]


def test_issue11_6_missing_file_field_is_chinese(client, world):
    """issue 11 #6: a POST without the multipart `file` is told so in Chinese."""
    r = client.post(
        "/api/v1/admin/roster",
        headers=world.headers(world.committee()),
        data={},
        content_type="multipart/form-data",
    )
    assert r.status_code == 422
    message = r.json["errors"]["file"][0]
    assert "Missing" not in message and "文件" in message


def test_issue11_6_damaged_xlsx_and_old_xls_are_told_apart(client, world, upload_roster):
    """issue 11 #6: a non-zip .xlsx is called damaged, an old .xls is told to be saved as .xlsx."""
    h = world.headers(world.committee())
    r = upload_roster(h, b"this is not a zip at all", "花名册.xlsx")
    assert r.status_code == 422 and "损坏" in r.json["errors"]["file"][0], r.json
    r = upload_roster(h, b"PK\x03\x04truncated", "花名册.xlsx")
    assert r.status_code == 422 and "损坏" in r.json["errors"]["file"][0], r.json
    # A real workbook whose sheet XML got damaged on the way (read lazily, sheet by sheet).
    good = zipfile.ZipFile(io.BytesIO(hr_workbook(ROWS)))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for name in good.namelist():
            data = good.read(name)
            z.writestr(name, data[: len(data) // 2] if name.endswith("sheet2.xml") else data)
    r = upload_roster(h, buf.getvalue(), "花名册.xlsx")
    assert r.status_code == 422 and "损坏" in r.json["errors"]["file"][0], r.json
    r = upload_roster(h, b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 64, "花名册.xls")
    assert r.status_code == 422 and ".xlsx" in r.json["errors"]["file"][0], r.json
    assert "另存为" in r.json["errors"]["file"][0]


def test_issue11_6_cli_speaks_chinese_not_python(app, tmp_path):
    """issue 11 #6: the CLI prints Chinese lines, never a Python list or English keys."""
    path = tmp_path / "缺列.xlsx"
    wb = Workbook()
    wb.active.append(["姓名", "手机号"])
    wb.active.append(["张三", "13800000000"])
    buf = io.BytesIO()
    wb.save(buf)
    path.write_bytes(buf.getvalue())
    r = app.test_cli_runner().invoke(args=["roster", "import", str(path), "--mine", "CLI矿"])
    assert r.exit_code != 0
    assert "[" not in r.output and "employee_no" not in r.output, r.output
    assert "工号" in r.output and "单位" in r.output


def test_unit_column_that_only_names_the_mine_gives_way_to_the_department(
    app, client, world, roster_of, upload_roster
):
    """issue 11 #3: with 单位 (the mine, for everyone) and 部门 (the team), 部门 is the unit."""
    boss = world.committee()
    h = world.headers(boss)
    header = ["工号", "姓名", "单位", "部门", "手机", "政治面貌", "党支部"]
    rows = [
        ["U1", "甲", "官地矿", "综采一队", 13800000101, "群众", "综采一队党支部"],
        ["U2", "乙", "官地矿", "机电队", 13800000102, "群众", "机电队党支部"],
    ]
    r = upload_roster(h, hr_workbook(rows, header))
    assert r.status_code == 200, r.json
    assert r.json["columns"]["unit"] == "部门" and "单位" in r.json["ignored_columns"]
    assert any("已改用「部门」列" in w["message"] for w in r.json["warnings"])
    got = roster_of(h, boss.mine_id)
    assert got["U1"]["unit"] == "综采一队" and got["U2"]["unit"] == "机电队"
