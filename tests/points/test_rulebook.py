"""The rulebook (积分细则): the default rules the old kinds became, versions from a day on that
never rewrite past entries, caps that say so on the ledger, manual rules with evidence."""

from __future__ import annotations

from datetime import timedelta

from clock import local_day
from models import db, utcnow
from points import rulebook
from points.ledger import award


def rule(client, headers, **kw):
    body = {"code": "VOLUNTEER", "name": "志愿服务", "points": 2, "source": "deed_done"}
    body.update(kw)
    return client.post("/api/v1/admin/rulebook", json=body, headers=headers)


def test_every_mine_starts_from_the_default_rulebook_of_the_old_kinds(app, client, world, new_team):
    team = new_team(members=1)
    r = client.get("/api/v1/rulebook", headers=team.h(team.members[0]))
    assert r.status_code == 200, r.json
    by_code = {row["code"]: row for row in r.json}
    assert by_code["WISH"]["points"] == app.config["WISH_COMPLETED_POINTS"]
    assert by_code["TALK"]["points"] == app.config["POINTS_MONTHLY_TALKS"]
    assert by_code["MANUAL"]["points"] is None and by_code["MANUAL"]["source"] == "manual"
    assert by_code["MEET"]["cap"] == 24 and by_code["MEET"]["cap_period"] == "quarter"
    assert by_code["ABSENT"]["points"] < 0


def test_a_manual_adjustment_names_its_rule_and_record_on_my_points(client, world, new_team):
    team = new_team(members=1)
    m = team.members[0]
    committee = world.headers(world.committee())
    req = client.post(
        "/api/v1/admin/points",
        json={"employee_no": m.employee_no, "delta": 4, "reason": "抢险突击"},
        headers=team.sec,
    ).json
    r = client.post(
        f"/api/v1/admin/points/requests/{req['id']}/decide",
        json={"approve": True, "reason": "同意"},
        headers=committee,
    )
    assert r.status_code == 200, r.json
    (entry,) = client.get("/api/v1/points/mine?period=all", headers=team.h(m)).json["entries"]
    assert entry["rule_code"] == "MANUAL" and entry["rule_name"] == "书记/党委调整（经审批）"
    assert entry["record"] == f"request:{req['id']}" and entry["capped_from"] is None


def test_bad_rules_are_refused_with_their_reasons(client, world, new_team):
    committee = world.headers(world.committee())
    r = rule(client, committee, cap=-1, cap_period="year")
    assert r.status_code == 422 and r.json["reason"] == "invalid_cap", r.json
    r = rule(client, committee, cap=5)
    assert r.status_code == 422 and r.json["reason"] == "invalid_cap"
    r = rule(client, committee, points=None)
    assert r.status_code == 422 and r.json["reason"] == "invalid_rule"
    r = rule(client, committee, code="WISH", source="deed_done")
    assert r.status_code == 422 and r.json["reason"] == "invalid_rule"  # a rule keeps its source
    # the default DEED rule already scores deeds: change it (a version), not a second rule
    r = rule(client, committee)
    assert r.status_code == 409 and r.json["reason"] == "rule_source_taken"
    yesterday = (local_day(utcnow()) - timedelta(days=1)).isoformat()
    r = rule(client, committee, code="DEED", effective_from=yesterday)
    assert r.status_code == 422 and r.json["reason"] == "effective_in_past"
    r = rule(client, committee, code="DEED", name="我为职工办实事", points=4)
    assert r.status_code == 201, r.json
    r = rule(client, committee, code="DEED", name="我为职工办实事", points=5)
    assert r.status_code == 409 and r.json["reason"] == "rule_version_exists"
    team = new_team(members=1)
    r = rule(client, team.sec, code="DEED", points=5)
    assert r.status_code == 403  # only the committee edits the rulebook


def test_a_change_applies_from_its_day_and_never_rewrites_past_entries(
    app, client, world, new_team
):
    team = new_team(members=1)
    m = team.members[0]
    committee = world.headers(world.committee())
    today = local_day(utcnow())
    nextweek = today + timedelta(days=7)
    r = rule(
        client,
        committee,
        code="WISH",
        name="微心愿圆梦",
        points=9,
        source="wish_completed",
        effective_from=nextweek.isoformat(),
    )
    assert r.status_code == 201, r.json
    with app.app_context():
        now = utcnow()
        before = award(m.id, None, "wish_completed", "心愿 1", ref="wish:1", at=now)
        after = award(
            m.id, None, "wish_completed", "心愿 2", ref="wish:2", at=now + timedelta(days=8)
        )
        assert (before.delta, after.delta) == (app.config["WISH_COMPLETED_POINTS"], 9)
        assert before.rule_id != after.rule_id and before.rule_code == after.rule_code == "WISH"
        db.session.commit()
    current = {row["code"]: row for row in client.get("/api/v1/rulebook", headers=committee).json}
    assert current["WISH"]["upcoming"]["points"] == 9
    history = client.get("/api/v1/rulebook/WISH", headers=committee).json
    assert [v["points"] for v in history] == [app.config["WISH_COMPLETED_POINTS"], 9]
    assert client.get("/api/v1/rulebook/NOPE", headers=committee).json["reason"] == "rule_not_found"
    # retiring a rule: from its day the source earns nothing
    r = rule(
        client,
        committee,
        code="WISH",
        name="微心愿圆梦",
        points=9,
        source="wish_completed",
        active=False,
        effective_from=(nextweek + timedelta(days=7)).isoformat(),
    )
    assert r.status_code == 201
    with app.app_context():
        later = utcnow() + timedelta(days=15)
        assert award(m.id, None, "wish_completed", "心愿 3", ref="wish:3", at=later) is None
        db.session.rollback()


def test_an_entry_over_its_cap_is_cut_and_the_ledger_says_so(app, client, world, new_team):
    team = new_team(members=1)
    m = team.members[0]
    with app.app_context():
        rulebook.ensure_default(team.branch.mine_id)
        db.session.commit()
        at = utcnow()
        written = [
            award(m.id, None, "meeting_attended", f"会议 {i}", ref=f"meeting:{i}", at=at)
            for i in range(13)
        ]
        db.session.commit()
        assert [e.delta for e in written] == [2] * 12 + [0]
        assert written[-1].capped_from == 2 and "上限 24" in written[-1].reason
    entries = client.get("/api/v1/points/mine?period=all", headers=team.h(m)).json
    assert entries["total"] == 24
    assert entries["entries"][0]["capped_from"] == 2


def test_a_manual_rule_gives_its_points_asks_for_evidence_and_may_skip_the_second_approver(
    app, client, world, new_team
):
    team = new_team(members=1)
    m = team.members[0]
    committee = world.headers(world.committee())
    r = rule(
        client,
        committee,
        code="VIOLATION",
        name="违章作业",
        points=-5,
        source="manual",
        evidence_required=True,
    )
    assert r.status_code == 201, r.json
    body = {"employee_no": m.employee_no, "reason": "井下违章作业", "rule_code": "VIOLATION"}
    r = client.post("/api/v1/admin/points", json=body, headers=team.sec)
    assert r.status_code == 422 and r.json["reason"] == "evidence_required"
    r = client.post(
        "/api/v1/admin/points", json={**body, "evidence": "安监处通报 12 号"}, headers=team.sec
    )
    assert r.status_code == 201 and (r.json["delta"], r.json["status"]) == (-5, "pending")
    r = rule(
        client,
        committee,
        code="FLOOD",
        name="抢险救灾",
        points=3,
        source="manual",
        second_approver=False,
    )
    body = {"employee_no": m.employee_no, "reason": "防汛抢险", "rule_code": "FLOOD"}
    r = client.post("/api/v1/admin/points", json=body, headers=team.sec)
    assert r.status_code == 201 and r.json["status"] == "approved", r.json
    entries = client.get("/api/v1/points/mine?period=all", headers=team.h(m)).json["entries"]
    assert [(e["delta"], e["rule_code"]) for e in entries] == [(3, "FLOOD")]
    r = client.post("/api/v1/admin/points", json={**body, "rule_code": "NOPE"}, headers=team.sec)
    assert r.status_code == 404 and r.json["reason"] == "rule_not_found"
    r = client.post(
        "/api/v1/admin/points", json={**body, "rule_code": None, "delta": None}, headers=team.sec
    )
    assert r.status_code == 422


def test_my_rank_and_the_published_ranking(app, client, world, new_team):
    team = new_team(members=3)
    a, b, c = team.members
    with app.app_context():
        for person, n in ((a, 5), (b, 9), (c, 5)):
            award(person.id, n, "manual", "测试", ref=f"t:{person.id}")
        db.session.commit()
    r = client.get("/api/v1/points/mine/rank", headers=team.h(a))
    assert r.status_code == 200, r.json
    assert (r.json["total"], r.json["branch_rank"], r.json["published"]) == (5, 2, False)
    assert r.json["ranking"] == [] and r.json["branch_size"] == 4  # the secretary is a member
    committee = world.headers(world.committee())
    r = client.put(
        "/api/v1/admin/rulebook/settings", json={"publish_ranking": True}, headers=committee
    )
    assert r.status_code == 200 and r.json["publish_ranking"] is True
    r = client.get("/api/v1/points/mine/rank", headers=team.h(c))
    assert [row["total"] for row in r.json["ranking"]] == [9, 5, 5, 0]
    assert [row["rank"] for row in r.json["ranking"]] == [1, 2, 2, 4]
