"""Issue 21 item 1: the roster import learns 班组 (a column), 班组长 / 区队长 (the 职务 column) and
单位类别; the existing rules (all or nothing with every bad row named, dry run, transfers,
leavers, idempotent re-import) cover them."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta
from typing import Any

from openpyxl import load_workbook

from models import Person, Unit, UnitDuty, db
from roster.template import template_workbook
from tests.support.concurrency import fire_at_once
from tests.support.hr_files import GROUPS_HEADER, PLAIN, gbk_csv

TEAM, TEAM_BRANCH = "综采一队", "综采一队党支部"
TEAM2, TEAM2_BRANCH = "掘进二队", "掘进二队党支部"
OFFICE, OFFICE_BRANCH = "安全科", "机关第一党支部"
HEADER = GROUPS_HEADER


def tables(app) -> dict[str, Any]:
    """Every row of every table (the import must not change one on a repeat)."""
    with app.app_context():
        out = {
            t.name: sorted(db.session.execute(t.select()).all(), key=repr)
            for t in db.metadata.sorted_tables
        }
        db.session.rollback()
    return out


def a_mine_with_groups(new_groups_hr):
    g = new_groups_hr()
    g.put("A1", "甲班长", TEAM, TEAM_BRANCH, "生产一班", "班组长", status="中共党员")
    g.put("A2", "甲工人", TEAM, "", "生产一班", "采煤工")
    g.put("A3", "乙班长", TEAM, "", "检修班", "班长")
    g.put("A4", "队长甲", TEAM, TEAM_BRANCH, "", "队长", status="中共党员")
    g.put("A5", "副班长", TEAM, "", "检修班", "副班长")
    g.put("B1", "丙班长", TEAM2, TEAM2_BRANCH, "一班", "班组长", status="中共党员")
    g.put("O1", "科员甲", OFFICE, OFFICE_BRANCH, "", "科员", "科室", status="中共党员")
    return g


def test_groups_and_leaders_are_imported_and_a_repeat_changes_nothing(
    app, client, world, new_groups_hr
):
    """A dry run shows the new 班组, kinds and leaders (writing nothing); the import creates the
    班组 under their 区队, makes the 区队 teams, the office an office, and the leaders; the same
    file again changes not one row."""
    g = a_mine_with_groups(new_groups_hr)
    before = tables(app)
    preview = g.send(dry_run=True)
    assert tables(app) == before
    assert preview["ok"] is True and preview["created"] == 7
    assert preview["groups_created"] == 3
    assert sorted((n["unit"], n["group"]) for n in preview["new_groups"]) == [
        (TEAM2, "掘进二队一班"),
        (TEAM, "综采一队检修班"),
        (TEAM, "综采一队生产一班"),
    ]
    assert {(k["unit"], k["from"], k["to"]) for k in preview["unit_kinds"]} == {
        (TEAM, "", "team"),
        (TEAM2, "", "team"),
        (OFFICE, "", "office"),
    }
    assert {(d["employee_no"], d["unit"], d["duty"], d["change"]) for d in preview["leaders"]} == {
        ("A1", "综采一队生产一班", "group_leader", "granted"),
        ("A3", "综采一队检修班", "group_leader", "granted"),
        ("A4", TEAM, "team_leader", "granted"),
        ("B1", "掘进二队一班", "group_leader", "granted"),
    }
    assert {n["employee_no"]: n["group"] for n in preview["new"]}["A2"] == "综采一队生产一班"

    done = g.send()
    assert done["dry_run"] is False and done["groups_created"] == 3
    team, office = g.unit(TEAM), g.unit(OFFICE)
    assert team.kind == "team" and office.kind == "office" and g.unit(TEAM2).kind == "team"
    for name, parent in (("综采一队生产一班", team), ("综采一队检修班", team)):
        group = g.unit(name)
        assert group.kind == "group" and group.parent_id == parent.id
        assert group.branch_id == parent.branch_id == g.branch(TEAM_BRANCH).id
    a2 = g.person("A2")
    assert a2.unit_id == team.id and g.group_of("A2") == "综采一队生产一班"
    assert g.person("A4").group_id is None and g.person("O1").group_id is None
    assert g.leaders() == {
        ("A1", "综采一队生产一班"),
        ("A3", "综采一队检修班"),
        ("A4", TEAM),
        ("B1", "掘进二队一班"),
    }

    settled = tables(app)
    again = g.send()
    assert tables(app) == settled
    assert again["created"] == again["updated"] == 0 and again["unchanged"] == 8
    assert again["groups_created"] == 0 and again["new_groups"] == []
    assert again["unit_kinds"] == [] and again["leaders"] == [] and again["transfers"] == []


def test_a_move_to_another_group_moves_the_leader_duty(
    app, client, world, upload_roster, new_groups_hr
):
    """A 班组长 moved to another 班组 leads that one and no longer the old; a row whose 职务 no
    longer says 班组长 loses the duty; a move to another 区队 (file without a 班组 column)
    leaves the old 区队's 班组 and its duties."""
    g = a_mine_with_groups(new_groups_hr)
    g.send()
    g.extra["A1"][0] = "检修班"  # still 班组长, now of 检修班
    g.extra["A3"][1] = "采煤工"  # no longer 班组长
    preview = g.send(dry_run=True)
    assert sorted((d["employee_no"], d["unit"], d["change"]) for d in preview["leaders"]) == [
        ("A1", "综采一队检修班", "granted"),
        ("A1", "综采一队生产一班", "revoked"),
        ("A3", "综采一队检修班", "revoked"),
    ]
    changes = {c["employee_no"]: c["fields"] for c in preview["changes"]}
    assert changes == {"A1": {"group": {"from": "综采一队生产一班", "to": "综采一队检修班"}}}
    (moved,) = preview["transfers"]
    assert moved["employee_no"] == "A1" and moved["group"]["to"] == "综采一队检修班"
    g.send()
    assert g.group_of("A1") == "综采一队检修班"
    assert g.leaders() == {("A1", "综采一队检修班"), ("A4", TEAM), ("B1", "掘进二队一班")}

    # A roster without the 班组 column: people keep their 班组 while they stay in the 区队;
    # a 区队长 and a 班组长 moved to another 区队 lose both the 班组 and the duty.
    g.rows["A1"][3] = TEAM2
    g.rows["A1"][4] = TEAM2_BRANCH
    g.rows["A4"][3] = TEAM2
    g.rows["A4"][4] = TEAM2_BRANCH
    answer = upload_roster(g.h, g.file(header=PLAIN)).json
    assert {(d["employee_no"], d["change"]) for d in answer["leaders"]} == {
        ("A1", "revoked"),
        ("A4", "revoked"),
    }
    assert g.person("A1").unit_id == g.unit(TEAM2).id and g.group_of("A1") == ""
    assert g.group_of("A2") == "综采一队生产一班"  # stayed: kept
    assert g.leaders() == {("B1", "掘进二队一班")}


def test_a_hand_granted_group_leader_survives_a_roster_without_groups(
    app, client, world, upload_roster, new_groups_hr
):
    """The committee named a 班组长 by hand (the person's roster row has no 班组): a roster
    without the 班组 / 职务 columns leaves that duty alone."""
    g = a_mine_with_groups(new_groups_hr)
    g.send()
    a5 = g.person("A5").id
    with app.app_context():
        group = db.session.scalar(db.select(Unit).where(Unit.name == "综采一队检修班"))
        db.session.add(UnitDuty(unit_id=group.id, person_id=a5, duty="leader"))
        db.session.commit()
    answer = upload_roster(g.h, g.file(header=PLAIN)).json
    assert answer["leaders"] == [] and answer["updated"] == 0
    assert ("A5", "综采一队检修班") in g.leaders()


def test_a_leaver_drops_the_duty(app, client, world, new_groups_hr):
    """A 班组长 missing from a roster marked as complete leaves, and with them the duty (the
    preview says so); a 区队长 left by hand loses theirs."""
    g = a_mine_with_groups(new_groups_hr)
    g.send()
    preview = g.send(without=("A1",), dry_run=True, mark_missing_as_left=True)
    assert preview["leaders"] == [
        {
            "row": None,
            "employee_no": "A1",
            "name": "甲班长",
            "unit": "综采一队生产一班",
            "duty": "group_leader",
            "change": "revoked",
        }
    ]
    g.send(without=("A1",), mark_missing_as_left=True)
    assert ("A1", "综采一队生产一班") not in g.leaders()
    assert g.person("A1").left_at is not None

    r = client.post(f"/api/v1/admin/people/{g.person('A4').id}/leave", headers=g.h)
    assert r.status_code == 200 and r.json["duties_removed"] == 1
    assert g.leaders() == {("A3", "综采一队检修班"), ("B1", "掘进二队一班")}


def test_groups_under_an_office_and_kind_conflicts_are_named_row_errors(
    app, client, world, upload_roster, new_groups_hr
):
    """A 班组 (or a 区队长) under an office, another kind for a unit the committee set, two kinds
    for one unit, a 班组长 without a 班组, a 班组 named like an existing unit: each row named,
    nothing written."""
    g = a_mine_with_groups(new_groups_hr)
    g.send()
    g.put("O2", "科员乙", OFFICE, OFFICE_BRANCH, "安全一组", "")  # a 班组 under the office
    g.put("O3", "科长", OFFICE, OFFICE_BRANCH, "", "队长")  # a 区队长 of an office
    g.put("K1", "类别错", TEAM, TEAM_BRANCH, "", "", "科室")  # the team made an office
    g.put("N1", "新队一", "通风队", TEAM_BRANCH, "", "", "区队")
    g.put("N2", "新队二", "通风队", TEAM_BRANCH, "", "", "其他")  # two kinds in one file
    g.put("L1", "无班组", TEAM, TEAM_BRANCH, "", "班组长")  # 班组长 without a 班组
    g.put("X1", "同名", TEAM2, TEAM2_BRANCH, "科", "")  # 掘进二队 + 科 = an existing unit?
    g.put("Y1", "类别乱写", TEAM2, TEAM2_BRANCH, "", "", "车间")  # not a 单位类别
    with app.app_context():
        db.session.add(Unit(mine_id=g.mine.id, name="掘进二队科"))
        db.session.commit()
    before = tables(app)
    r = upload_roster(g.h, g.file())
    assert r.status_code == 422 and r.json["reason"] == "roster_invalid"
    errors = {e["employee_no"]: e["errors"] for e in r.json["errors"]["rows"]}
    assert set(errors) == {"O2", "O3", "K1", "N2", "L1", "X1", "Y1"}
    assert "机关科室下不能有班组" in errors["O2"]["group"][0]
    assert "不能有区队长" in errors["O3"]["role"][0]
    assert "在系统中是区队" in errors["K1"]["unit_kind"][0]
    assert "单位类别是区队" in errors["N2"]["unit_kind"][0]
    assert "没有填写班组" in errors["L1"]["group"][0]
    assert "掘进二队科" in errors["X1"]["group"][0]
    assert "无法识别的单位类别" in errors["Y1"]["unit_kind"][0]
    assert tables(app) == before


def test_gbk_csv_with_hr_spellings_of_the_new_columns(app, client, world, new_hr, upload_roster):
    """A GBK csv from a Chinese Windows Excel, with 所在班组 / 岗位 / 单位类型 headers."""
    hr = new_hr()
    boss = hr.rows[next(iter(hr.rows))]
    header = ["工号", "姓名", "手机号", "所在单位", "党支部", "政治面貌", "所在班组", "岗位"]
    header += ["单位类型"]
    rows = [
        boss[:6] + ["", "", ""],
        ["G1", "张班长", "13900000001", TEAM, TEAM_BRANCH, "中共党员", "综采一队生产二班", "班长"]
        + ["区队"],
        ["G2", "李工人", "13900000002", TEAM, "", "群众", "综采一队生产二班", "支护工", ""],
    ]
    r = upload_roster(hr.h, gbk_csv(rows, header), name="花名册.csv")
    assert r.status_code == 200, r.json
    assert r.json["columns"]["group"] == "所在班组" and r.json["columns"]["role"] == "岗位"
    assert r.json["columns"]["unit_kind"] == "单位类型"
    assert r.json["new_groups"] == [{"unit": TEAM, "group": "综采一队生产二班"}]
    with app.app_context():
        group = db.session.scalar(db.select(Unit).where(Unit.name == "综采一队生产二班"))
        g1 = db.session.scalar(db.select(Person).where(Person.employee_no == "G1"))
        assert g1.group_id == group.id and group.kind == "group"
        duty = db.session.scalar(db.select(UnitDuty).where(UnitDuty.person_id == g1.id))
        assert duty.unit_id == group.id and duty.duty == "leader"
        assert duty.granted_by_id == hr.boss.id


def test_simultaneous_imports_create_each_group_once(
    app, client, world, new_groups_hr, upload_roster
):
    """Imports of one file at the same instant: each 班组 and each leader duty exists once."""
    g = a_mine_with_groups(new_groups_hr)
    data = g.file()

    def post(_: int):
        with app.test_client() as c:
            r = upload_roster(g.h, data, via=c)
            return r.status_code, r.json.get("groups_created")

    results = fire_at_once(3, post)
    assert all(code == 200 for code, _ in results), results
    assert sorted(n for _, n in results) == [0, 0, 3]
    with app.app_context():
        groups = db.session.scalars(
            db.select(Unit.name).where(Unit.mine_id == g.mine.id, Unit.kind == "group")
        ).all()
        duties = db.session.scalar(db.select(db.func.count()).select_from(UnitDuty))
    assert sorted(groups) == ["掘进二队一班", "综采一队检修班", "综采一队生产一班"]
    assert duties == 4


def test_the_template_lists_the_new_columns():
    """The template's header and 填表说明 come from columns.py, the new columns included."""
    wb = load_workbook(io.BytesIO(template_workbook()))
    header = [c.value for c in wb["花名册"][1]]
    assert {"班组", "职务", "单位类别"} <= set(header)
    notes = " ".join(str(c.value) for row in wb["填表说明"].iter_rows() for c in row if c.value)
    assert "所在班组" in notes and "班组长" in notes and "机关科室" in notes
    kinds = [
        dv.formula1
        for dv in wb["花名册"].data_validations.dataValidation
        if dv.promptTitle == "单位类别"
    ]
    assert kinds == ['"区队,科室,其他"']


def test_a_group_meeting_expects_the_party_members_of_the_roster_group(
    app, client, world, new_groups_hr
):
    """A 党小组会 of a 班组 the roster made: its party members (their unit is the 区队, their
    班组 the group) are the expected attendees, not the rest of the 区队."""
    g = a_mine_with_groups(new_groups_hr)
    g.send()
    group = g.unit("综采一队生产一班")
    starts = datetime.now(UTC) + timedelta(hours=1)
    r = client.post(
        "/api/v1/meetings",
        json={
            "branch_id": g.branch(TEAM_BRANCH).id,
            "kind": "group",
            "topic": "班组党小组学习",
            "place": "综采一队会议室",
            "starts_at": starts.isoformat(),
            "ends_at": (starts + timedelta(hours=1)).isoformat(),
            "unit_id": group.id,
        },
        headers=g.h,
    )
    assert r.status_code == 201, r.json
    assert {a["person_id"] for a in r.json["attendance"]} == {g.person("A1").id}
