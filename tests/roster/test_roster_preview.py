"""Issue 11, preview and duplicates: a dry run answers what would happen and writes nothing (the
database and Redis included); the same 工号 twice, or a new 工号 for a known name and phone, is a
row error naming both; a renumbered person is updated when the file says so (原工号)."""

from __future__ import annotations

import io
from typing import Any

from openpyxl import Workbook

from accounts.principal_cache import snapshot_key
from models import db, get_redis
from tests.support.concurrency import fire_at_once
from tests.support.hr_files import PLAIN, hr_workbook

A_UNIT, A = "综采一队", "综采一队党支部"
B_UNIT, B = "掘进二队", "掘进二队党支部"


def snapshot(app) -> dict[str, Any]:
    """Every row of every table, and every Redis key with its serialised value."""
    with app.app_context():
        tables = {
            t.name: sorted(db.session.execute(t.select()).all(), key=repr)
            for t in db.metadata.sorted_tables
        }
        db.session.rollback()
        r = get_redis()
        # Less the principal snapshots: the request's authentication refreshes its own (a cache
        # of the caller, accounts/principal_cache), whatever the request does.
        keys = {k: r.dump(k) for k in r.scan_iter(count=1000) if not k.startswith(snapshot_key(""))}
    return {"tables": tables, "redis": keys}


def busy_mine(app, client, world, new_hr):
    """A mine with a secretary, a pairing, an open claim and bound people."""
    hr = new_hr()
    hr.add("SA", "甲书记", A_UNIT, A, "中共党员")
    hr.add("M1", "党员一", A_UNIT, A, "中共党员")
    hr.add("E1", "职工一", A_UNIT, "")
    hr.add("E2", "职工二", A_UNIT, "")
    hr.add("X1", "将离职", A_UNIT, A, "中共党员")
    hr.add("EB", "乙队职工", B_UNIT, B)
    hr.send()
    world.grant(hr.person("SA"), "secretary", hr.branch(A))
    hs = hr.login("SA")
    for member, employee in (("M1", "E1"), ("X1", "E2")):
        r = client.post(
            "/api/v1/pairings",
            json={"member_id": hr.person(member).id, "employee_id": hr.person(employee).id},
            headers=hs,
        )
        assert r.status_code == 201, r.json
    hr.login("X1")
    return hr


def test_dry_run_answers_everything_and_writes_nothing(app, client, world, upload_roster, new_hr):
    """issue 11 (preview): new, updated with the fields, unchanged, row errors, missing people,
    transfers and the pairings that would cross; not one row or Redis key changes."""
    hr = busy_mine(app, client, world, new_hr)
    hr.add("N1", "新职工", B_UNIT, "")  # new
    hr.rows["M1"][2] = "13600000001"  # a new phone
    hr.rows["M1"][6] = "是"  # and a cadre now
    hr.rows["E1"][3] = B_UNIT  # a transfer: the pairing with M1 would cross branches
    hr.add("BAD", "坏行", A_UNIT, A, "火星人")  # a row error
    before = snapshot(app)
    answer = hr.send(without=("X1",), dry_run=True, mark_missing_as_left=True)
    assert snapshot(app) == before

    assert answer["dry_run"] is True and answer["ok"] is False
    assert answer["sheet"] == "在职人员" and answer["header_row"] == 3
    assert [(n["employee_no"], n["branch"]) for n in answer["new"]] == [("N1", B)]
    changes = {c["employee_no"]: c["fields"] for c in answer["changes"]}
    assert changes["M1"] == {
        "phone": {"from": hr.person("M1").phone, "to": "13600000001"},
        "is_cadre": {"from": False, "to": True},
    }
    assert changes["E1"] == {"unit": {"from": A_UNIT, "to": B_UNIT}, "branch": {"from": A, "to": B}}
    assert answer["unchanged"] == 4  # the committee member, SA, E2 and EB
    assert answer["created"] == 1 and answer["updated"] == 2
    (t,) = answer["transfers"]
    assert t["employee_no"] == "E1"
    (crossing,) = answer["pairing_reviews"]
    assert crossing["member"]["name"] == "党员一" and crossing["employee"]["branch"] == B
    assert [(m["employee_no"], m["pairings"], m["bound"]) for m in answer["missing"]] == [
        ("X1", 1, True)
    ]
    assert answer["left"] == 1
    (bad,) = answer["errors"]
    assert bad["employee_no"] == "BAD" and "political_status" in bad["errors"]

    # The same file for real is refused as a whole, still writing nothing.
    r = upload_roster(hr.h, hr.file(without=("X1",)), mark_missing_as_left="true")
    assert r.status_code == 422 and r.json["reason"] == "roster_invalid"
    assert r.json["errors"]["sheet"] == "在职人员" and r.json["errors"]["header_row"] == 3
    assert [e["employee_no"] for e in r.json["errors"]["rows"]] == ["BAD"]
    assert snapshot(app) == before


def test_cli_dry_run_prints_the_preview_in_chinese(app, client, world, tmp_path, new_hr):
    """issue 11 (preview): `flask roster import FILE --dry-run` prints it and writes nothing."""
    hr = busy_mine(app, client, world, new_hr)
    hr.rows["E1"][3] = B_UNIT
    hr.add("N1", "新职工", B_UNIT, "")
    path = tmp_path / "花名册.xlsx"
    path.write_bytes(hr.file())
    before = snapshot(app)
    r = app.test_cli_runner().invoke(
        args=["roster", "import", str(path), "--mine", hr.mine.name, "--dry-run"]
    )
    assert r.exit_code == 0, r.output
    assert snapshot(app) == before
    out = r.output
    assert "读取：工作表「在职人员」，表头在第 3 行" in out
    assert "预览（未写入任何数据）" in out and "新增 1" in out
    assert "N1 新职工" in out and "E1 职工一" in out and f"{A_UNIT}（{A}）→ {B_UNIT}（{B}）" in out
    assert "党员 党员一" in out  # the pairing that would cross branches


def test_issue11_duplicates_same_employee_no_twice_names_both_rows(
    app, client, world, new_hr, upload_roster
):
    """issue 11 (duplicates): the same 工号 twice (one of them full-width) names the first row."""
    hr = new_hr()
    rows = [
        ["10001", "王建国", "13800000001", A_UNIT, A, "中共党员", "否"],
        ["１０００１", "王建设", "13800000009", A_UNIT, A, "群众", "否"],
        ["10002", "王建国", "13800000001", A_UNIT, A, "群众", "否"],
    ]
    r = upload_roster(hr.h, hr_workbook(rows, PLAIN, title=None, instructions_first=False))
    assert r.status_code == 422, r.json
    errors = {e["row"]: e["errors"] for e in r.json["errors"]["rows"]}
    assert "第 2 行" in errors[3]["employee_no"][0] and "10001" in errors[3]["employee_no"][0]
    assert "第 2 行" in errors[4]["employee_no"][0]  # same name and phone as row 2


def test_issue11_duplicates_new_employee_no_for_a_known_person(
    app, client, world, new_hr, roster_of, upload_roster
):
    """issue 11 (duplicates): a new 工号 with the name and phone of someone on the roster is an
    error naming that person; with a 原工号 column the person is renumbered, not duplicated."""
    hr = new_hr()
    hr.add("G100", "赵六", A_UNIT, A, "中共党员")
    hr.send()
    old = hr.person("G100")
    h_old = hr.login("G100")
    phone = hr.rows["G100"][2]
    hr.rows.pop("G100")
    hr.rows["G200"] = ["G200", "赵六", phone, A_UNIT, A, "中共党员", "否"]
    answer = hr.send(expect=422)
    (bad,) = answer["errors"]["rows"]
    text = bad["errors"]["employee_no"][0]
    assert "赵六" in text and "G100" in text and "原工号" in text

    header = PLAIN + ["原工号"]
    rows = [r + [""] for r in hr.rows.values()]
    rows[-1][-1] = "G100"
    data = hr_workbook(rows, header, title=None, instructions_first=False)
    preview = upload_roster(hr.h, data, dry_run="true").json
    (change,) = preview["changes"]
    assert change["fields"] == {"employee_no": {"from": "G100", "to": "G200"}}
    assert preview["created"] == 0 and preview["missing"] == []
    r = upload_roster(hr.h, data)
    assert r.status_code == 200 and r.json["created"] == 0, r.json
    got = roster_of(hr.h, hr.mine.id)
    assert "G200" in got and "G100" not in got and got["G200"]["id"] == old.id
    assert client.get("/api/v1/me", headers=h_old).json["employee_no"] == "G200"
    assert hr.person("G200").previous_employee_no == "G100"
    # The same file again changes nothing (the 原工号 now points at nobody).
    r = upload_roster(hr.h, data)
    assert r.json["unchanged"] == len(rows) and r.json["created"] == 0, r.json


def test_renumbering_chain_in_one_file(app, client, world, new_hr, upload_roster):
    """issue 11 (duplicates): numbers handed on within one file (A→B, B→C) do not collide."""
    hr = new_hr()
    hr.add("K1", "甲", A_UNIT, A)
    hr.add("K2", "乙", A_UNIT, A)
    hr.send()
    ids = {no: hr.person(no).id for no in ("K1", "K2")}
    header = PLAIN + ["原工号"]
    boss = next(r for no, r in hr.rows.items() if no not in ("K1", "K2"))
    rows = [
        boss + [""],
        ["K2", "甲", hr.rows["K1"][2], A_UNIT, A, "群众", "否", "K1"],
        ["K3", "乙", hr.rows["K2"][2], A_UNIT, A, "群众", "否", "K2"],
    ]
    r = upload_roster(hr.h, hr_workbook(rows, header, title=None, instructions_first=False))
    assert r.status_code == 200, r.json
    assert hr.person("K2").id == ids["K1"] and hr.person("K3").id == ids["K2"]


def test_simultaneous_imports_of_one_file_create_each_person_once(
    app, client, world, new_hr, roster_of, upload_roster
):
    """issue 11: imports of one mine at the same moment serialise; nobody is created twice."""
    hr = new_hr()
    for i in range(20):
        hr.add(f"P{i:03d}", f"职工{i}", A_UNIT, A, "群众" if i % 3 else "中共党员")
    data = hr.file()

    def post(_: int):
        with app.test_client() as c:
            r = upload_roster(hr.h, data, via=c)
            return r.status_code, r.json.get("created")

    results = fire_at_once(4, post)
    assert all(code == 200 for code, _ in results), results
    assert sorted(created for _, created in results) == [0, 0, 0, 20]
    assert len(roster_of(hr.h, hr.mine.id)) == 21


def test_empty_roster_is_refused_even_with_mark_missing(app, client, world, new_hr, upload_roster):
    """issue 11 (leavers): a header with no people never marks the whole mine as left."""
    hr = new_hr()
    wb = Workbook()
    wb.active.append(PLAIN)
    buf = io.BytesIO()
    wb.save(buf)
    r = upload_roster(hr.h, buf.getvalue(), mark_missing_as_left="true")
    assert r.status_code == 422 and "没有人员" in r.json["errors"]["file"][0], r.json
    assert hr.person(hr.boss.employee_no).left_at is None


def test_a_bad_row_is_not_someone_missing_and_leaving_the_party_is_announced(
    app, client, world, new_hr
):
    """issue 11 (preview): a person whose row has an error is not "missing from the file"; a
    member who becomes 群众 is announced (their pairings as member will end)."""
    hr = busy_mine(app, client, world, new_hr)
    hr.rows["E2"][2] = "12ab"  # a bad phone for someone on the roster
    hr.rows["M1"][5] = "群众"
    answer = hr.send(dry_run=True, mark_missing_as_left=True)
    assert [e["employee_no"] for e in answer["errors"]] == ["E2"]
    assert answer["missing"] == [] and answer["left"] == 0
    assert any(w["row"] and "党员一" in w["message"] for w in answer["warnings"])
