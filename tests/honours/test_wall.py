"""The honour roll shows every public honour of the mine: a quarter's 六型班组 (a QuarterAward of
kind "group") and an approved 优秀班组长 join the campaign honourees and the 六好区队 — with their
quarter, filters by kind and quarter, the export; a pending or rejected nomination never shows,
a revoked honour leaves the public roll; mirroring twice (or at the same instant) makes one
honour."""

from __future__ import annotations

import io

from openpyxl import load_workbook

from accounts.principal import principal_for_person
from assessments import leaders
from honours import services
from models import Honour, LeaderNomination, QuarterAward, db, utcnow
from tests.support.concurrency import fire_at_once

API = "/api/v1"
CITATION = "带班安全生产零事故，班组“手指口述”执行到位"


def _nominate(s, group_id: int, quarter: str = "2026-Q3", who=None) -> dict:
    body = {"quarter": quarter, "group_id": group_id, "citation": CITATION}
    r = s.post("/assessments/leader-nominations", body, who or s.leaders[0])
    s.ok(r, 201)
    return r.json


def _group_award(s, group_id: int, quarter: str = "2026-Q3", slot: int = 1) -> None:
    with s.app.app_context():
        db.session.add(
            QuarterAward(
                mine_id=s.c1.mine_id,
                quarter=quarter,
                kind="group",
                team_id=group_id,
                slot=slot,
                average_x100=9420,
                citation="安全型班组：连续一季度零三违",
                awarded_by_id=s.c1.id,
                awarded_at=utcnow(),
            )
        )
        db.session.commit()


def _honours(s, **where) -> list[Honour]:
    with s.app.app_context():
        stmt = db.select(Honour).where(*(getattr(Honour, k) == v for k, v in where.items()))
        rows = db.session.scalars(stmt).all()
        db.session.expunge_all()
        return rows


def test_a_group_award_is_a_six_type_group_honour(assessment_scene, group_and_leader):
    s = assessment_scene(open_month=False)
    g, _ = group_and_leader(s)
    _group_award(s, g)
    roll = s.get("/honours?kind=group", s.worker).json
    assert [(h["kind"], h["name"], h["title"], h["quarter"], h["year"]) for h in roll] == [
        ("group", "综采一班", "2026 年第 3 季度“六型班组”", "2026-Q3", 2026)
    ]
    assert roll[0]["category_name"] == "六型班组" and roll[0]["person_id"] is None
    assert roll[0]["citation"] == "安全型班组：连续一季度零三违"
    # Filters: the quarter, another quarter, another kind.
    assert len(s.get("/honours?quarter=2026-Q3", s.worker).json) == 1
    assert s.get("/honours?quarter=2026-Q4", s.worker).json == []
    assert s.get("/honours?kind=leader", s.worker).json == []
    assert s.get("/honours/quarters", s.worker).json == [{"quarter": "2026-Q3", "count": 1}]
    r = s.get("/honours?quarter=2026-Q5", s.worker)
    assert r.status_code == 422
    # The award's row flushed again (an edit) makes no second honour.
    with s.app.app_context():
        award = db.session.scalar(db.select(QuarterAward).where(QuarterAward.team_id == g))
        award.citation = "安全型班组：连续一季度零三违、零事故"
        db.session.commit()
    assert len(_honours(s, kind="group")) == 1


def test_an_approved_leader_is_a_persons_honour(assessment_scene, group_and_leader):
    s = assessment_scene(open_month=False)
    g, leader = group_and_leader(s)
    n = _nominate(s, g)
    assert _honours(s, kind="leader") == []  # pending: not on the roll
    with s.app.app_context():
        row = leaders.decide(principal_for_person(s.c1), n["id"], True, "同意")
        db.session.commit()
        assert row.status == "approved"
    roll = s.get("/honours?kind=leader", s.worker).json
    assert [(h["person_id"], h["name"], h["unit"], h["quarter"]) for h in roll] == [
        (leader.id, leader.name, "综采一班", "2026-Q3")
    ]
    h = roll[0]
    assert h["title"] == "2026 年第 3 季度“优秀班组长”" and h["category_name"] == "优秀班组长"
    assert h["citation"] == CITATION and h["year"] == 2026
    page = s.get(f"/people/{leader.id}/honours", s.worker).json
    assert [x["id"] for x in page["honours"]] == [h["id"]]
    # The honour's poster draws (the person has no photo: the placeholder).
    r = s.client.get(f"{API}/honours/{h['id']}/poster", headers=s.h(s.worker))
    assert r.status_code == 200 and r.mimetype == "image/png"

    # Mirroring again (the hook, the catch-up) never makes a second honour.
    with s.app.app_context():
        nomination = db.session.get(LeaderNomination, n["id"])
        assert services.mirror_leader(nomination).id == h["id"]
        assert services.mirror_approved_leaders(s.c1.mine_id) == []
        db.session.commit()
    assert len(_honours(s, kind="leader")) == 1

    # Revoked: gone from the public roll and the person's page, kept for the committee.
    r = s.post(f"/admin/honours/{h['id']}/revoke", {"reason": "本季度发生违章，撤销"})
    s.ok(r)
    assert s.get("/honours?kind=leader", s.worker).json == []
    assert s.get(f"/people/{leader.id}/honours", s.worker).json["honours"] == []
    committee = s.get("/admin/honours?kind=leader").json
    assert [x["id"] for x in committee] == [h["id"]] and committee[0]["revoked_at"]


def test_a_rejected_nomination_never_appears(assessment_scene, group_and_leader):
    s = assessment_scene(open_month=False)
    g, _ = group_and_leader(s)
    n = _nominate(s, g)
    r = s.post(f"/admin/assessments/leader-nominations/{n['id']}/decide", {"approve": False})
    s.ok(r)
    with s.app.app_context():
        nomination = db.session.get(LeaderNomination, n["id"])
        assert services.mirror_leader(nomination) is None
        assert services.mirror_approved_leaders(s.c1.mine_id) == []
        db.session.commit()
    assert _honours(s, kind="leader") == []
    assert s.get("/honours", s.worker).json == []


def test_an_approval_made_before_the_roll_mirrored_is_caught_up_once(
    assessment_scene, group_and_leader
):
    s = assessment_scene(open_month=False)
    g, leader = group_and_leader(s)
    n = _nominate(s, g)
    s.ok(s.post(f"/admin/assessments/leader-nominations/{n['id']}/decide", {"approve": True}))
    with s.app.app_context():  # as if approved before this release: no honour yet
        db.session.execute(db.delete(Honour).where(Honour.leader_nomination_id == n["id"]))
        db.session.commit()
    assert _honours(s, kind="leader") == []
    # The catch-up is `flask honours mirror-leaders`: once, then nothing more.
    runner = s.app.test_cli_runner()
    first = runner.invoke(args=["honours", "mirror-leaders"])
    assert first.exit_code == 0 and first.output.startswith("1 "), first.output
    assert [h.person_id for h in _honours(s, kind="leader")] == [leader.id]
    again = runner.invoke(args=["honours", "mirror-leaders"])
    assert again.exit_code == 0 and again.output.startswith("0 "), again.output
    with s.app.app_context():
        assert services.mirror_approved_leaders(s.c1.mine_id) == []
    assert len(_honours(s, kind="leader")) == 1


def test_approvals_at_the_same_instant_make_one_honour(assessment_scene, group_and_leader):
    s = assessment_scene(open_month=False)
    g, _ = group_and_leader(s)
    n = _nominate(s, g)
    url = f"{API}/admin/assessments/leader-nominations/{n['id']}/decide"
    heads = [s.h(s.c1), s.h(s.c2)]
    app = s.app

    def go(i: int) -> int:
        with app.test_client() as c:
            return c.post(url, json={"approve": True}, headers=heads[i % 2]).status_code

    codes = fire_at_once(6, go)
    assert sorted(codes).count(200) == 1 and set(codes) <= {200, 409}
    assert len(_honours(s, leader_nomination_id=n["id"])) == 1


def test_the_roll_export_and_the_console_list_hold_every_kind(assessment_scene, group_and_leader):
    s = assessment_scene(open_month=False)
    g, leader = group_and_leader(s)
    g2, _ = group_and_leader(s, 1, "掘进二班")
    _group_award(s, g2)
    n = _nominate(s, g)
    s.ok(s.post(f"/admin/assessments/leader-nominations/{n['id']}/decide", {"approve": True}))
    export = s.client.get(f"{API}/admin/honours/export.xlsx", headers=s.h())
    assert export.status_code == 200
    rows = list(load_workbook(io.BytesIO(export.data)).active.values)
    assert rows[0][:5] == ("年度", "季度", "荣誉", "类别", "姓名/区队")
    got = sorted((r[1], r[3], r[4]) for r in rows[1:])
    want = [("2026-Q3", "六型班组", "掘进二班"), ("2026-Q3", "优秀班组长", leader.name)]
    assert got == sorted(want)
    only = s.client.get(f"{API}/admin/honours/export.xlsx?kind=group", headers=s.h())
    assert [r[3] for r in list(load_workbook(io.BytesIO(only.data)).active.values)[1:]] == [
        "六型班组"
    ]
