"""公示 and objections, reminders to non-voters, and withdrawing a leaver's candidacies."""

from __future__ import annotations

from collections import Counter

import pytest

from models import Campaign, Candidate, Notification, Person, VoteReminder, db, utcnow
from tests.support.concurrency import fire_at_once
from votes import campaigns, live
from votes.reminders import remind_non_voters


@pytest.fixture(autouse=True)
def _generous_limits(app):
    saved = app.config["VOTE_ACCOUNT_PER_MINUTE"]
    app.config["VOTE_ACCOUNT_PER_MINUTE"] = 10000
    live.reset_circuit()
    yield
    app.config["VOTE_ACCOUNT_PER_MINUTE"] = saved


def _in_notice(new_campaign, cast_vote, app, client, world, quota: int = 1):
    """A campaign in 公示: safety candidates a (3 votes), b (2), c (1); quota `quota`."""
    setup = new_campaign(per_category=3, categories=("safety",))
    admin = setup.committee_headers
    base = f"/api/v1/admin/campaigns/{setup.campaign_id}"
    assert client.patch(base, json={"quotas": {"safety": quota}}, headers=admin).status_code == 200
    a, b, c = setup.candidates["safety"]
    for target, n in ((a, 3), (b, 2), (c, 1)):
        for _ in range(n):
            h = world.headers(world.person(setup.branch))
            assert cast_vote(setup, h, target).status_code == 201
    assert client.post(f"{base}/close", headers=admin).status_code == 200
    r = client.post(f"{base}/notice", json={"days": 5}, headers=admin)
    assert r.status_code == 200 and r.json["status"] == "notice", r.json
    return setup, (a, b, c)


def test_notice_objections_upheld_and_dismissed(
    app, client, world, end_notice, new_campaign, cast_vote
):
    setup, (a, b, c) = _in_notice(new_campaign, cast_vote, app, client, world)
    admin = setup.committee_headers
    e1, e2 = world.person(setup.branch), world.person(setup.branch)
    h1, h2 = world.headers(e1), world.headers(e2)
    cid = setup.campaign_id

    notice = client.get(f"/api/v1/campaigns/{cid}/notice", headers=h1)
    assert notice.status_code == 200
    assert [w["candidate_id"] for w in notice.json["winners"]] == [a]
    assert notice.json["winners"][0]["story"] and notice.json["my_objections"] == []

    url = f"/api/v1/campaigns/{cid}/objections"
    r = client.post(url, json={"candidate_id": a, "reason": "该同志本年度有违章记录"}, headers=h1)
    assert r.status_code == 201 and r.json["status"] == "open"
    first = r.json["id"]
    r = client.post(url, json={"candidate_id": a, "reason": "再次提出同样的异议"}, headers=h1)
    assert r.status_code == 409 and r.json["reason"] == "objection_exists"
    r = client.post(url, json={"candidate_id": b, "reason": "b 不在名单上也要提"}, headers=h1)
    assert r.status_code == 422 and r.json["reason"] == "not_a_winner"
    r = client.post(url, json={"candidate_id": a, "reason": "他组织赌博活动多次"}, headers=h2)
    assert r.status_code == 422 and r.json["reason"] == "content_risky"
    r = client.post(url, json={"candidate_id": a, "reason": "推荐材料与事实不符"}, headers=h2)
    second = r.json["id"]

    # Publishing waits for the period and the answers.
    r = client.post(f"/api/v1/admin/campaigns/{cid}/publish", headers=admin)
    assert r.status_code == 409 and r.json["reason"] == "notice_pending"

    listed = client.get(f"/api/v1/admin/campaigns/{cid}/objections", headers=admin).json
    assert {o["objector"]["name"] for o in listed} == {e1.name, e2.name}

    r = client.post(
        f"/api/v1/admin/objections/{first}/answer",
        json={"upheld": False, "reason": "经核查，违章记录已于上年度销号"},
        headers=admin,
    )
    assert r.status_code == 200 and r.json["status"] == "dismissed"
    r = client.post(
        f"/api/v1/admin/objections/{first}/answer",
        json={"upheld": True, "reason": "改判"},
        headers=admin,
    )
    assert r.status_code == 409
    mine = client.get("/api/v1/objections/mine", headers=h1).json
    assert [(o["id"], o["status"], o["answer"]) for o in mine] == [
        (first, "dismissed", "经核查，违章记录已于上年度销号")
    ]
    with app.app_context():
        told = db.session.scalars(
            db.select(Notification).where(Notification.kind == "objection_answered")
        ).all()
        assert [(n.person_id, n.data["result"]) for n in told] == [(e1.id, "异议不成立")]

    r = client.post(
        f"/api/v1/admin/objections/{second}/answer",
        json={"upheld": True, "reason": "推荐材料失实，取消其入选资格"},
        headers=admin,
    )
    assert r.status_code == 200 and r.json["status"] == "upheld"
    notice = client.get(f"/api/v1/campaigns/{cid}/notice", headers=h1).json
    assert [w["candidate_id"] for w in notice["winners"]] == [b]  # the next one moved up

    r = client.post(f"/api/v1/admin/campaigns/{cid}/publish", headers=admin)
    assert r.status_code == 409 and r.json["reason"] == "notice_pending"  # period not over
    end_notice(cid)
    r = client.post(url, json={"candidate_id": b, "reason": "公示期已过还想提异议"}, headers=h1)
    assert r.status_code == 409 and r.json["reason"] == "notice_not_open"
    r = client.post(f"/api/v1/admin/campaigns/{cid}/publish", headers=admin)
    assert r.status_code == 200 and r.json["status"] == "published"

    results = client.get(f"/api/v1/campaigns/{cid}/results", headers=h2).json
    entries = {e["candidate_id"]: e for e in results["categories"][0]["entries"]}
    assert results["categories"][0]["quota"] == 1
    assert entries[a]["removed"] and not entries[a]["honoured"]
    assert entries[b]["honoured"] and not entries[c]["honoured"]
    assert entries[a]["removed_reason"] == "推荐材料失实，取消其入选资格"


def test_objector_identity_is_seen_by_committee_only(app, client, world, new_campaign, cast_vote):
    setup, (a, _b, _c) = _in_notice(new_campaign, cast_vote, app, client, world)
    objector = world.person(setup.branch, name="提异议的人")
    other = world.headers(world.person(setup.branch))
    cid = setup.campaign_id
    r = client.post(
        f"/api/v1/campaigns/{cid}/objections",
        json={"candidate_id": a, "reason": "该同志事迹材料有夸大成分"},
        headers=world.headers(objector),
    )
    assert r.status_code == 201
    seen = client.get(f"/api/v1/campaigns/{cid}/notice", headers=other)
    assert seen.status_code == 200 and seen.json["my_objections"] == []
    assert "提异议的人" not in seen.get_data(as_text=True)
    assert str(objector.employee_no) not in seen.get_data(as_text=True)
    assert client.get("/api/v1/objections/mine", headers=other).json == []
    r = client.get(f"/api/v1/admin/campaigns/{cid}/objections", headers=other)
    assert r.status_code == 403


def test_notice_needs_a_closed_campaign_and_objections_need_notice(
    app, client, world, new_campaign
):
    setup = new_campaign()
    admin = setup.committee_headers
    base = f"/api/v1/admin/campaigns/{setup.campaign_id}"
    h = world.headers(world.person(setup.branch))
    r = client.post(f"{base}/notice", json={}, headers=admin)
    assert r.status_code == 409 and r.json["reason"] == "invalid_transition"
    r = client.get(f"/api/v1/campaigns/{setup.campaign_id}/notice", headers=h)
    assert r.status_code == 409 and r.json["reason"] == "notice_not_open"
    r = client.post(
        f"/api/v1/campaigns/{setup.campaign_id}/objections",
        json={"candidate_id": setup.candidates["safety"][0], "reason": "投票还没结束就提异议"},
        headers=h,
    )
    assert r.status_code == 409 and r.json["reason"] == "notice_not_open"
    client.post(f"{base}/close", headers=admin)
    r = client.post(f"{base}/notice", json={"days": 31}, headers=admin)
    assert r.status_code == 422
    r = client.post(f"{base}/notice", json={}, headers=admin)
    assert r.status_code == 200
    assert (r.json["notice_ends_at"] > r.json["notice_starts_at"]) and r.json["notice_days"] == 5


def test_one_open_objection_per_person_per_winner_under_a_burst(
    app, client, world, new_campaign, cast_vote
):
    setup, (a, _b, _c) = _in_notice(new_campaign, cast_vote, app, client, world)
    h = world.headers(world.person(setup.branch))
    url = f"/api/v1/campaigns/{setup.campaign_id}/objections"
    results = fire_at_once(
        12,
        lambda i: app.test_client().post(
            url, json={"candidate_id": a, "reason": f"同一异议第{i}次提交"}, headers=h
        ),
    )
    assert Counter(r.status_code for r in results) == {201: 1, 409: 11}


def test_reminders_go_to_non_voters_once_a_day(app, client, world, new_campaign, cast_vote):
    setup = new_campaign(rules={"remind_non_voters": True})
    quiet = new_campaign()  # switch off
    voted, idle1, idle2 = (world.person(setup.branch) for _ in range(3))
    for p in (voted, idle1, idle2):
        world.headers(p)  # bound accounts
    world.person(setup.branch)  # never logged in: no account, no message
    assert cast_vote(setup, world.headers(voted), setup.candidates["safety"][0]).status_code == 201

    results = fire_at_once(6, lambda i: _remind(app))
    assert sum(r.get(setup.campaign_id, 0) for r in results) >= 2
    with app.app_context():
        rows = db.session.scalars(
            db.select(Notification).where(Notification.kind == "vote_reminder")
        ).all()
        people = sorted(n.person_id for n in rows)
        assert quiet.campaign_id not in {
            r.campaign_id for r in db.session.scalars(db.select(VoteReminder))
        }
    reminded = {idle1.id, idle2.id}
    assert set(people) >= reminded and voted.id not in people
    assert Counter(people)[idle1.id] == 1  # once a day, however many runs
    assert _remind(app) == {}
    assert "votes-remind-non-voters" in [
        p.name for p in __import__("jobs.schedule").schedule.PERIODIC
    ]


def _remind(app) -> dict[int, int]:
    with app.app_context():
        try:
            sent = remind_non_voters()
            db.session.commit()
            return sent
        finally:
            db.session.remove()


def test_withdraw_person_removes_their_candidacies(
    app, client, world, new_campaign, cast_vote, ballot_count, redis_counts
):
    setup = new_campaign()
    s0, s1 = setup.candidates["safety"]
    leaver = setup.candidate_people[s0]
    h = world.headers(world.person(setup.branch))
    assert cast_vote(setup, h, s0).status_code == 201

    with app.app_context():  # a rolled-back withdrawal changes nothing, in Redis either
        assert campaigns.withdraw_person(leaver.id, "调离本矿") == 1
        db.session.rollback()
    assert cast_vote(setup, world.headers(world.person(setup.branch)), s0).status_code == 201

    with app.app_context():
        assert campaigns.withdraw_person(leaver.id, "调离本矿") == 1
        db.session.commit()
        cand = db.session.get(Candidate, s0)
        assert cand.withdrawn_at is not None and cand.withdraw_reason == "调离本矿"
        assert db.session.get(Campaign, setup.campaign_id).status == "open"
    r = cast_vote(setup, world.headers(world.person(setup.branch)), s0)
    assert r.status_code == 404 and r.json["reason"] == "candidate_not_found"
    detail = client.get(f"/api/v1/campaigns/{setup.campaign_id}", headers=h).json
    assert s0 not in [c["id"] for cat in detail["categories"] for c in cat["candidates"]]
    board = client.get(
        f"/api/v1/campaigns/{setup.campaign_id}/leaderboard?category=safety", headers=h
    ).json
    assert [row["candidate_id"] for row in board] == [s1]
    assert ballot_count(setup.campaign_id) == 2  # their ballots stay on record
    assert redis_counts(setup.campaign_id) == {}
    with app.app_context():
        assert campaigns.withdraw_person(leaver.id, "again") == 0


def test_reminders_skip_leavers_and_unbound_accounts(app, client, world, new_campaign):
    """issue 9: a person who left the mine (left_at set, binding kept) and an account whose
    binding the committee removed get no vote reminder."""
    setup = new_campaign(rules={"remind_non_voters": True})
    idle, leaver, unbound = (world.person(setup.branch) for _ in range(3))
    for p in (idle, leaver, unbound):
        world.headers(p)  # bound accounts
    r = client.post(f"/api/v1/admin/people/{unbound.id}/unbind", headers=setup.committee_headers)
    assert r.status_code == 200, r.json
    with app.app_context():
        db.session.execute(db.update(Person).where(Person.id == leaver.id).values(left_at=utcnow()))
        db.session.commit()

    _remind(app)
    with app.app_context():
        people = set(
            db.session.scalars(
                db.select(Notification.person_id).where(Notification.kind == "vote_reminder")
            )
        )
    assert idle.id in people
    assert leaver.id not in people and unbound.id not in people


def test_objection_checks_come_first_and_wechat_runs_without_a_row_lock(
    app, client, world, wechat_app, fake_wechat, new_campaign, cast_vote
):
    """issue 9: lodging an objection took the campaign row's share lock and then called
    WeChat's content check (seconds, when WeChat is slow) while holding it — publish, answers
    and every other objection waited. The checks that need no lock come first; WeChat is asked
    with no row lock held, and a doomed objection (one already open) never reaches WeChat."""
    from sqlalchemy.exc import DBAPIError

    setup, (a, _b, _c) = _in_notice(new_campaign, cast_vote, app, client, world)
    h = world.headers(world.person(setup.branch))
    probes: list[str] = []

    def msg_sec_check(query, body):
        # While WeChat "thinks", can someone else take the campaign row for update?
        with app.app_context(), db.engine.connect() as conn:
            try:
                conn.execute(
                    db.select(Campaign.id)
                    .where(Campaign.id == setup.campaign_id)
                    .with_for_update(nowait=True)
                ).all()
                probes.append("free")
            except DBAPIError:
                probes.append("locked")
            conn.rollback()
        return 200, {"errcode": 0, "errmsg": "ok", "result": {"suggest": "pass", "label": 100}}

    fake_wechat.script("/wxa/msg_sec_check", msg_sec_check)
    url = f"/api/v1/campaigns/{setup.campaign_id}/objections"
    wx = wechat_app.test_client()
    r = wx.post(url, json={"candidate_id": a, "reason": "推荐材料与事实不符"}, headers=h)
    assert r.status_code == 201, r.json
    assert probes == ["free"]
    r = wx.post(url, json={"candidate_id": a, "reason": "再提一次同样的异议"}, headers=h)
    assert r.status_code == 409 and r.json["reason"] == "objection_exists", r.json
    assert probes == ["free"]  # refused before WeChat was asked
