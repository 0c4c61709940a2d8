"""The honour roll: publishing a campaign puts its honoured candidates on the roll (once), the
public roll by year and category, a person's page, revoke (audited, hidden) and restore, the
committee's export, and the quarterly 六好区队 mirrored as a team's honour."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook

from models import Honour, HonourAudit, Notification, QuarterAward, Unit, db, utcnow
from votes import live


@pytest.fixture(autouse=True)
def _generous_limits(app):
    saved = app.config["VOTE_ACCOUNT_PER_MINUTE"]
    app.config["VOTE_ACCOUNT_PER_MINUTE"] = 10000
    live.reset_circuit()
    yield
    app.config["VOTE_ACCOUNT_PER_MINUTE"] = saved


def _published(app, client, world, new_campaign, cast_vote, close_and_publish):
    setup = new_campaign(per_category=2, weights={"votes": 1, "points": 0})
    voter = world.headers(world.person(setup.branch))
    winners = {cat: ids[1] for cat, ids in setup.candidates.items()}
    for cid in winners.values():
        assert cast_vote(setup, voter, cid).status_code == 201
    r = close_and_publish(setup)
    assert r.status_code == 200, r.json
    return setup, winners, voter


def test_publishing_puts_the_honourees_on_the_roll(
    app, client, world, new_campaign, cast_vote, close_and_publish
):
    setup, winners, viewer = _published(
        app, client, world, new_campaign, cast_vote, close_and_publish
    )
    roll = client.get("/api/v1/honours", headers=viewer)
    assert roll.status_code == 200, roll.json
    people = {setup.candidate_people[c].id: cat for cat, c in winners.items()}
    assert {h["person_id"]: h["category"] for h in roll.json} == people
    first = next(h for h in roll.json if h["category"] == "safety")
    year = first["year"]
    assert first["title"] == f"{year} 年度“安全生产监督员”"
    assert first["citation"].startswith("事迹") and first["kind"] == "person"
    assert "phone" not in first and "revoked_at" not in first
    with app.app_context():
        kinds = db.session.scalars(
            db.select(Notification.kind).where(Notification.person_id == first["person_id"])
        ).all()
        assert "honour_awarded" in kinds

    assert client.get("/api/v1/honours/years", headers=viewer).json == [{"year": year, "count": 2}]
    only = client.get(f"/api/v1/honours?year={year}&category=reform", headers=viewer).json
    assert [h["category"] for h in only] == ["reform"]
    name = setup.candidate_people[winners["reform"]].name
    assert [h["name"] for h in client.get(f"/api/v1/honours?q={name}", headers=viewer).json] == [
        name
    ]
    assert client.get(f"/api/v1/honours?year={year - 1}", headers=viewer).json == []

    page = client.get(f"/api/v1/people/{first['person_id']}/honours", headers=viewer).json
    assert page["name"] == setup.candidate_people[winners["safety"]].name
    assert [h["id"] for h in page["honours"]] == [first["id"]]
    assert "phone" not in page
    assert client.get(f"/api/v1/honours/{first['id']}", headers=viewer).status_code == 200


def test_revoke_hides_it_and_is_audited(
    app, client, world, new_campaign, cast_vote, close_and_publish
):
    setup, winners, viewer = _published(
        app, client, world, new_campaign, cast_vote, close_and_publish
    )
    admin = setup.committee_headers
    honour = client.get("/api/v1/honours", headers=viewer).json[0]
    path = f"/api/v1/admin/honours/{honour['id']}/revoke"
    assert client.post(path, json={"reason": "违纪"}, headers=viewer).status_code == 403
    r = client.post(path, json={"reason": "严重违反劳动纪律"}, headers=admin)
    assert r.status_code == 200, r.json
    assert r.json["revoke_reason"] == "严重违反劳动纪律" and r.json["revoked_at"]
    again = client.post(path, json={"reason": "再次"}, headers=admin)
    assert (again.status_code, again.json["reason"]) == (409, "honour_revoked")

    public = [h["id"] for h in client.get("/api/v1/honours", headers=viewer).json]
    assert honour["id"] not in public and len(public) == 1
    assert client.get(f"/api/v1/honours/{honour['id']}", headers=viewer).status_code == 404
    page = client.get(f"/api/v1/people/{honour['person_id']}/honours", headers=viewer).json
    assert page["honours"] == []
    committee = client.get("/api/v1/admin/honours?revoked=true", headers=admin)
    assert committee.status_code == 200, committee.json
    committee = committee.json
    assert [h["id"] for h in committee] == [honour["id"]]
    with app.app_context():
        audit = db.session.scalars(
            db.select(HonourAudit).where(HonourAudit.honour_id == honour["id"])
        ).all()
        assert [(a.action, a.reason) for a in audit] == [("revoke", "严重违反劳动纪律")]

    export = client.get("/api/v1/admin/honours/export.xlsx", headers=admin)
    assert export.status_code == 200
    ws = load_workbook(io.BytesIO(export.data)).active
    rows = list(ws.values)
    assert rows[0][:5] == ("年度", "季度", "荣誉", "类别", "姓名/区队")
    assert sorted(r[9] for r in rows[1:]) == ["已撤销", "有效"]

    r = client.post(
        f"/api/v1/admin/honours/{honour['id']}/restore", json={"reason": "误撤销"}, headers=admin
    )
    assert r.status_code == 200 and r.json["revoked_at"] is None
    assert len(client.get("/api/v1/honours", headers=viewer).json) == 2


def test_publish_hook_honours_once(app, client, world, new_campaign, cast_vote, close_and_publish):
    from votes.campaigns import on_publish

    setup, winners, viewer = _published(
        app, client, world, new_campaign, cast_vote, close_and_publish
    )
    with app.app_context():
        from honours import services
        from models import Campaign

        on_publish(services.award_campaign)  # registered again: still once
        campaign = db.session.get(Campaign, setup.campaign_id)
        assert services.award_campaign(campaign) == []
        db.session.commit()
        n = db.session.scalar(
            db.select(db.func.count())
            .select_from(Honour)
            .where(Honour.campaign_id == setup.campaign_id)
        )
    assert n == 2


def test_another_mines_roll_and_people_are_not_seen(
    app, client, world, new_campaign, cast_vote, close_and_publish
):
    setup, winners, viewer = _published(
        app, client, world, new_campaign, cast_vote, close_and_publish
    )
    stranger = world.headers(world.person(world.branch(world.mine())))
    assert client.get("/api/v1/honours", headers=stranger).json == []
    pid = setup.candidate_people[winners["safety"]].id
    r = client.get(f"/api/v1/people/{pid}/honours", headers=stranger)
    assert (r.status_code, r.json["reason"]) == (404, "person_not_found")


def test_a_quarterly_team_award_is_a_team_honour(app, client, world):
    branch = world.branch()
    committee = world.committee()
    with app.app_context():
        team = db.session.scalar(db.select(Unit).where(Unit.branch_id == branch.id))
        db.session.add(
            QuarterAward(
                mine_id=team.mine_id,
                quarter="2026-Q3",
                kind="team",
                team_id=team.id,
                slot=1,
                average_x100=9650,
                citation="安全管理扎实，连续三月无事故",
                awarded_by_id=committee.id,
                awarded_at=utcnow(),
            )
        )
        db.session.commit()
        team_name = team.name
    roll = client.get("/api/v1/honours?kind=team", headers=world.headers(committee)).json
    assert [(h["name"], h["title"], h["year"]) for h in roll] == [
        (team_name, "2026 年第 3 季度“六好区队”", 2026)
    ]
    assert roll[0]["category_name"] == "六好区队" and roll[0]["person_id"] is None
    assert roll[0]["quarter"] == "2026-Q3"


def test_an_honours_poster(app, client, world, new_campaign, cast_vote, close_and_publish):
    from PIL import Image

    from votes import poster

    setup, winners, viewer = _published(
        app, client, world, new_campaign, cast_vote, close_and_publish
    )
    honour = client.get("/api/v1/honours", headers=viewer).json[0]
    r = client.get(f"/api/v1/honours/{honour['id']}/poster", headers=viewer)
    assert r.status_code == 200 and r.mimetype == "image/png"
    assert Image.open(io.BytesIO(r.data)).size == (poster.WIDTH, poster.HEIGHT)
    with app.app_context():
        from honours.posters import honour_poster_data

        data = honour_poster_data(db.session.get(Honour, honour["id"]))
        assert data.label == honour["title"] and data.scene == f"h={honour['id']}"
