"""六大员 voting end to end through the HTTP API."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

import pytest
from openpyxl import load_workbook
from PIL import Image

from models import Account, CampaignAudit, db, utcnow
from points.ledger import award
from votes import clock, live


@pytest.fixture(autouse=True)
def _generous_limits(app):
    saved = app.config["VOTE_ACCOUNT_PER_MINUTE"]
    app.config["VOTE_ACCOUNT_PER_MINUTE"] = 10000
    live.reset_circuit()
    yield
    app.config["VOTE_ACCOUNT_PER_MINUTE"] = saved


def test_end_to_end_through_the_mini_program_login(
    app, client, world, new_campaign, cast_vote, close_and_publish
):
    setup = new_campaign(weights={"votes": 0.6, "points": 0.4})
    world.person(setup.branch, name="赵铁柱", phone="13900001234", employee_no="M-9001")
    token = client.post("/api/v1/auth/login", json={"code": "demo:miner-zhao"}).json["token"]
    headers = {"Authorization": f"Bearer {token}"}
    r = client.post(
        "/api/v1/auth/bind",
        json={"employee_no": "M-9001", "name": "赵铁柱", "phone_tail": "1234"},
        headers=headers,
    )
    assert r.status_code == 200, r.json

    listing = client.get("/api/v1/campaigns", headers=headers)
    assert listing.status_code == 200
    assert [c["id"] for c in listing.json] == [setup.campaign_id]
    assert listing.json[0]["status"] == "open"

    detail = client.get(f"/api/v1/campaigns/{setup.campaign_id}", headers=headers).json
    assert detail["rules"]["per_candidate_per_day"] == 1
    assert detail["rules"]["per_category_per_day"] == 3
    assert [c["key"] for c in detail["categories"]] == ["safety", "reform"]
    assert detail["categories"][0]["name"] == "安全生产监督员"
    first = detail["categories"][0]["candidates"][0]
    assert set(first) >= {"id", "name", "unit", "story", "photo_url", "votes"}
    assert detail["my_remaining"] == {"safety": 3, "reform": 3}

    s0 = setup.candidates["safety"][0]
    r = cast_vote(setup, headers, s0)
    assert r.status_code == 201, r.json
    assert r.json["category"] == "safety" and r.json["remaining_today"] == 2
    assert isinstance(r.json["ballot_id"], int)
    r = cast_vote(setup, headers, s0)
    assert r.status_code == 409 and r.json["reason"] == "already_voted"
    assert r.json["message"] == "今天已为该候选人投过票"

    detail = client.get(f"/api/v1/campaigns/{setup.campaign_id}", headers=headers).json
    assert detail["my_remaining"] == {"safety": 2, "reform": 3}
    voted = {c["id"]: (c["votes"], c["voted_today"]) for c in detail["categories"][0]["candidates"]}
    assert voted[s0] == (1, True)

    board = client.get(
        f"/api/v1/campaigns/{setup.campaign_id}/leaderboard?category=safety", headers=headers
    ).json
    assert board[0] == {
        "rank": 1,
        "candidate_id": s0,
        "name": setup.candidate_people[s0].name,
        "unit": board[0]["unit"],
        "votes": 1,
    }
    assert [row["rank"] for row in board] == [1, 2]

    r = client.get(f"/api/v1/campaigns/{setup.campaign_id}/results", headers=headers)
    assert r.status_code == 409 and r.json["reason"] == "results_not_published"
    admin = setup.committee_headers
    assert (
        client.post(f"/api/v1/admin/campaigns/{setup.campaign_id}/close", headers=admin).json[
            "status"
        ]
        == "closed"
    )
    r = cast_vote(setup, headers, setup.candidates["safety"][1])
    assert r.status_code == 409 and r.json["reason"] == "campaign_not_open"
    r = client.post(f"/api/v1/admin/campaigns/{setup.campaign_id}/publish", headers=admin)
    assert r.status_code == 409 and r.json["reason"] == "notice_pending"  # 公示 first
    r = close_and_publish(setup)
    assert r.status_code == 200 and r.json["status"] == "published"
    results = client.get(f"/api/v1/campaigns/{setup.campaign_id}/results", headers=headers).json
    assert results["weights"] == {"votes": 0.6, "points": 0.4}
    safety = results["categories"][0]
    assert safety["key"] == "safety"
    assert safety["entries"][0]["candidate_id"] == s0
    assert set(safety["entries"][0]) >= {
        "rank",
        "candidate_id",
        "votes",
        "vote_score",
        "points",
        "points_score",
        "total",
    }


def test_refusals(app, client, world, new_campaign, cast_vote):
    setup = new_campaign(rules={"per_category_per_day": 1})
    headers = world.headers(world.person(setup.branch))
    s0, s1 = setup.candidates["safety"]
    assert cast_vote(setup, headers, s0).status_code == 201
    r = cast_vote(setup, headers, s1)
    assert r.status_code == 409 and r.json["reason"] == "daily_quota_used"
    # Another category has its own quota.
    assert cast_vote(setup, headers, setup.candidates["reform"][0]).status_code == 201

    other_mine = world.mine()
    outsider = world.person(world.branch(other_mine))
    # issue 8 #14: another mine's campaign does not exist for this voter, for every verb.
    r = cast_vote(setup, world.headers(outsider), s0)
    assert r.status_code == 404 and r.json["reason"] == "campaign_not_found"

    r = cast_vote(setup, headers, 999999)
    assert r.status_code == 404
    r = client.post(
        f"/api/v1/campaigns/{setup.campaign_id}/votes", json={"candidate_id": "x"}, headers=headers
    )
    assert r.status_code == 422
    r = client.post(
        f"/api/v1/campaigns/{setup.campaign_id}/votes",
        data="{not json",
        headers={**headers, "Content-Type": "application/json"},
    )
    assert r.status_code == 400
    r = client.post("/api/v1/campaigns/999999/votes", json={"candidate_id": s0}, headers=headers)
    assert r.status_code == 404
    r = client.post(f"/api/v1/campaigns/{setup.campaign_id}/votes", json={"candidate_id": s0})
    assert r.status_code == 401
    unbound = world.account()
    r = cast_vote(setup, world.headers(account=unbound), s0)
    assert r.status_code == 403


def test_votes_count_only_inside_the_window(app, client, world, new_campaign, cast_vote):
    now = datetime.now(UTC)
    setup = new_campaign(starts_at=now + timedelta(hours=2), ends_at=now + timedelta(days=1))
    headers = world.headers(world.person(setup.branch))
    r = cast_vote(setup, headers, setup.candidates["safety"][0])
    assert r.status_code == 409 and r.json["reason"] == "campaign_not_open"


def test_the_vote_day_turns_over_at_shanghai_midnight(
    app, client, world, monkeypatch, new_campaign, cast_vote, redis_counts, db_counts
):
    setup = new_campaign(starts_at=datetime(2020, 1, 1, tzinfo=UTC), categories=("safety",))
    headers = world.headers(world.person(setup.branch))
    s0 = setup.candidates["safety"][0]
    # 23:59:59 in Shanghai is 15:59:59 UTC; one second later is a new day in China but not in UTC.
    before = datetime.now(clock.SHANGHAI).replace(hour=23, minute=59, second=59, microsecond=0)
    after = before + timedelta(seconds=1)
    assert before.astimezone(UTC).date() == after.astimezone(UTC).date()

    monkeypatch.setattr(clock, "now", lambda: before.astimezone(UTC))
    assert cast_vote(setup, headers, s0).status_code == 201
    assert cast_vote(setup, headers, s0).json["reason"] == "already_voted"

    monkeypatch.setattr(clock, "now", lambda: after.astimezone(UTC))
    r = cast_vote(setup, headers, s0)
    assert r.status_code == 201 and r.json["remaining_today"] == 2
    assert redis_counts(setup.campaign_id) == {s0: 2} == db_counts(setup.campaign_id)


def test_no_revote_on_another_day_rule(app, client, world, monkeypatch, new_campaign, cast_vote):
    setup = new_campaign(rules={"revote_other_days": False})
    headers = world.headers(world.person(setup.branch))
    s0 = setup.candidates["safety"][0]
    assert cast_vote(setup, headers, s0).status_code == 201
    tomorrow = clock.now() + timedelta(days=1)
    monkeypatch.setattr(clock, "now", lambda: tomorrow)
    assert cast_vote(setup, headers, s0).json["reason"] == "already_voted"
    assert cast_vote(setup, headers, setup.candidates["safety"][1]).status_code == 201


def test_hidden_tallies(app, client, world, new_campaign, cast_vote):
    setup = new_campaign(rules={"hide_tallies": True})
    headers = world.headers(world.person(setup.branch))
    s0 = setup.candidates["safety"][0]
    assert cast_vote(setup, headers, s0).status_code == 201
    url = f"/api/v1/campaigns/{setup.campaign_id}/leaderboard?category=safety"
    r = client.get(url, headers=headers)
    assert r.status_code == 403 and r.json["reason"] == "tallies_hidden"
    detail = client.get(f"/api/v1/campaigns/{setup.campaign_id}", headers=headers).json
    assert detail["tallies_visible"] is False
    assert all("votes" not in c for cat in detail["categories"] for c in cat["candidates"])
    # The committee watches the count; everyone sees it once voting closes.
    assert client.get(url, headers=setup.committee_headers).status_code == 200
    client.post(
        f"/api/v1/admin/campaigns/{setup.campaign_id}/close", headers=setup.committee_headers
    )
    assert client.get(url, headers=headers).json[0]["votes"] == 1


def test_drafts_are_for_the_committee_only(app, client, world, new_campaign, cast_vote):
    setup = new_campaign(open_it=False)
    headers = world.headers(world.person(setup.branch))
    assert client.get("/api/v1/campaigns", headers=headers).json == []
    assert client.get(f"/api/v1/campaigns/{setup.campaign_id}", headers=headers).status_code == 404
    assert (
        client.get(
            f"/api/v1/campaigns/{setup.campaign_id}", headers=setup.committee_headers
        ).status_code
        == 200
    )
    # issue 8 #14: a draft is 404 to a vote too, not 409 (which told that it exists).
    r = cast_vote(setup, headers, setup.candidates["safety"][0])
    assert r.status_code == 404 and r.json["reason"] == "campaign_not_found"
    r = client.get(f"/api/v1/admin/campaigns/{setup.campaign_id}", headers=headers)
    assert r.status_code == 403


def test_committee_setup_rules(app, client, world, new_campaign, cast_vote):
    setup = new_campaign(open_it=False)
    admin = setup.committee_headers
    base = f"/api/v1/admin/campaigns/{setup.campaign_id}"
    masses = world.person(setup.branch)
    r = client.post(
        f"{base}/candidates",
        json={"employee_no": masses.employee_no, "category": "safety", "story": "x"},
        headers=admin,
    )
    assert r.status_code == 422 and r.json["reason"] == "not_party_member"
    member = world.member(setup.branch)
    r = client.post(
        f"{base}/candidates",
        json={"employee_no": member.employee_no, "category": "emergency", "story": "x"},
        headers=admin,
    )
    assert r.status_code == 422 and r.json["reason"] == "category_not_in_campaign"
    body = {"employee_no": member.employee_no, "category": "safety", "story": "井下排险"}
    assert client.post(f"{base}/candidates", json=body, headers=admin).status_code == 201
    r = client.post(f"{base}/candidates", json=body, headers=admin)
    assert r.status_code == 409 and r.json["reason"] == "candidate_exists"

    r = client.post(
        "/api/v1/admin/campaigns",
        json={
            "title": "x",
            "starts_at": utcnow().isoformat(),
            "ends_at": (utcnow() - timedelta(1)).isoformat(),
        },
        headers=admin,
    )
    assert r.status_code == 422
    r = client.patch(base, json={"rules": {"per_category_per_day": 5}}, headers=admin)
    assert r.status_code == 200 and r.json["rules"]["per_category_per_day"] == 5
    # Publishing needs a closed campaign; open twice is refused.
    assert client.post(f"{base}/publish", headers=admin).json["reason"] == "invalid_transition"
    assert client.post(f"{base}/open", headers=admin).status_code == 200
    assert client.post(f"{base}/open", headers=admin).json["reason"] == "invalid_transition"
    r = client.patch(base, json={"rules": {"per_category_per_day": 1}}, headers=admin)
    assert r.status_code == 409 and r.json["reason"] == "campaign_locked"
    later = (utcnow() + timedelta(days=30)).isoformat()
    assert client.patch(base, json={"ends_at": later}, headers=admin).status_code == 200
    # The new rule reached the live vote path.
    headers = world.headers(world.person(setup.branch))
    ids = setup.candidates["safety"] + setup.candidates["reform"]
    assert all(cast_vote(setup, headers, c).status_code == 201 for c in ids)
    with app.app_context():
        actions = [a.action for a in db.session.scalars(db.select(CampaignAudit))]
    assert {"create", "add_candidate", "edit", "open"} <= set(actions)


def test_open_and_close_race_changes_status_once(app, client, world, new_campaign):
    from tests.support.concurrency import fire_at_once

    setup = new_campaign(open_it=False)
    url = f"/api/v1/admin/campaigns/{setup.campaign_id}/open"
    results = fire_at_once(
        10, lambda i: app.test_client().post(url, headers=setup.committee_headers)
    )
    assert sorted(r.status_code for r in results) == [200] + [409] * 9


def test_void_ballot_drops_the_tally_and_is_audited(
    app, client, world, new_campaign, cast_vote, redis_counts, db_counts
):
    setup = new_campaign()
    headers = world.headers(world.person(setup.branch))
    s0 = setup.candidates["safety"][0]
    ballot_id = cast_vote(setup, headers, s0).json["ballot_id"]
    admin = setup.committee_headers

    r = client.post(
        f"/api/v1/admin/ballots/{ballot_id}/void", json={"reason": "代投"}, headers=admin
    )
    assert r.status_code == 200 and r.json["voided"] is True and r.json["void_reason"] == "代投"
    assert redis_counts(setup.campaign_id) == {} and db_counts(setup.campaign_id) == {}
    r = client.post(
        f"/api/v1/admin/ballots/{ballot_id}/void", json={"reason": "代投"}, headers=admin
    )
    assert r.status_code == 409 and r.json["reason"] == "already_voided"
    # A voided ballot does not give its use back.
    assert cast_vote(setup, headers, s0).json["reason"] == "already_voted"
    r = client.post(
        f"/api/v1/admin/ballots/{ballot_id}/void", json={"reason": "顺手"}, headers=headers
    )
    assert r.status_code == 403

    listing = client.get(
        f"/api/v1/admin/campaigns/{setup.campaign_id}/ballots?voided=true", headers=admin
    )
    assert listing.status_code == 200 and [b["id"] for b in listing.json] == [ballot_id]
    assert listing.json[0]["ip"] and listing.json[0]["voter"]["employee_no"]
    assert "X-Pagination" in listing.headers
    with app.app_context():
        audit = db.session.scalar(
            db.select(CampaignAudit).where(CampaignAudit.action == "void_ballot")
        )
        assert audit.detail["reason"] == "代投" and audit.actor_id == setup.committee.id


def test_idempotent_retry_of_a_vote(app, client, world, new_campaign, cast_vote, db_counts):
    setup = new_campaign()
    headers = {**world.headers(world.person(setup.branch)), "Idempotency-Key": "tap-1"}
    s0 = setup.candidates["safety"][0]
    first = cast_vote(setup, headers, s0)
    again = cast_vote(setup, headers, s0)
    assert first.status_code == again.status_code == 201
    assert first.json == again.json
    assert db_counts(setup.campaign_id) == {s0: 1}


def test_results_combine_votes_and_ledger_points(
    app, client, world, new_campaign, cast_vote, close_and_publish
):
    setup = new_campaign(categories=("safety",), weights={"votes": 3, "points": 1})
    a, b = setup.candidates["safety"]
    with app.app_context():
        award(setup.candidate_people[a].id, 10, "manual", "积分")
        award(setup.candidate_people[b].id, 40, "manual", "积分")
        db.session.commit()
    for _ in range(4):
        assert cast_vote(setup, world.headers(world.person(setup.branch)), a).status_code == 201
    assert cast_vote(setup, world.headers(world.person(setup.branch)), b).status_code == 201
    admin = setup.committee_headers
    assert close_and_publish(setup).status_code == 200
    with app.app_context():  # points after publishing do not move frozen results
        award(setup.candidate_people[b].id, 1000, "manual", "迟到的积分")
        db.session.commit()
    res = client.get(f"/api/v1/campaigns/{setup.campaign_id}/results", headers=admin).json
    assert res["weights"] == {"votes": 0.75, "points": 0.25}
    entries = {e["candidate_id"]: e for e in res["categories"][0]["entries"]}
    assert entries[a]["votes"] == 4 and entries[a]["vote_score"] == 100.0
    assert entries[a]["points"] == 10 and entries[a]["points_score"] == 25.0
    assert entries[a]["total"] == 81.25 and entries[a]["rank"] == 1
    assert entries[b]["vote_score"] == 25.0 and entries[b]["points_score"] == 100.0
    assert entries[b]["total"] == 43.75 and entries[b]["rank"] == 2


def test_points_from_an_imported_sheet(app, client, world, new_campaign, close_and_publish):
    setup = new_campaign(categories=("reform",), weights={"votes": 0, "points": 1})
    a, b = setup.candidates["reform"]
    pa, pb = setup.candidate_people[a], setup.candidate_people[b]
    admin = setup.committee_headers
    url = f"/api/v1/admin/campaigns/{setup.campaign_id}/points-sheet"
    bad = f"工号,积分\n{pa.employee_no},abc\nNOPE,3\n".encode()
    r = client.post(url, data={"file": (io.BytesIO(bad), "s.csv")}, headers=admin)
    assert r.status_code == 422 and r.json["reason"] == "points_sheet_invalid"
    assert [row["row"] for row in r.json["errors"]["rows"]] == [2, 3]
    good = f"工号,积分\n{pa.employee_no},88\n{pb.employee_no},92.5\n".encode()
    r = client.post(url, data={"file": (io.BytesIO(good), "s.csv")}, headers=admin)
    assert r.status_code == 201 and r.json["status"] == "pending" and r.json["candidates"] == 2
    r = client.post(
        f"/api/v1/admin/campaigns/{setup.campaign_id}/points-sheets/{r.json['id']}/decide",
        json={"approve": True, "reason": "与考核表一致"},
        headers=world.headers(world.committee()),
    )
    assert r.status_code == 200 and r.json["status"] == "approved", r.json
    assert close_and_publish(setup).status_code == 200
    res = client.get(f"/api/v1/campaigns/{setup.campaign_id}/results", headers=admin).json
    assert res["points_source"] == "sheet"
    assert [e["candidate_id"] for e in res["categories"][0]["entries"]] == [b, a]


def test_export_keeps_user_text_as_text(app, client, world, new_campaign, cast_vote):
    setup = new_campaign(categories=("safety",), open_it=False)
    admin = setup.committee_headers
    evil = world.member(setup.branch, name='=HYPERLINK("http://x","点我")')
    r = client.post(
        f"/api/v1/admin/campaigns/{setup.campaign_id}/candidates",
        json={"employee_no": evil.employee_no, "category": "safety", "story": "=1+1"},
        headers=admin,
    )
    client.post(f"/api/v1/admin/campaigns/{setup.campaign_id}/open", headers=admin)
    headers = world.headers(world.person(setup.branch))
    cast_vote(setup, {**headers, "User-Agent": "=cmd|' /C calc'!A0"}, r.json["id"])
    r = client.get(f"/api/v1/admin/campaigns/{setup.campaign_id}/export.xlsx", headers=admin)
    assert r.status_code == 200
    wb = load_workbook(io.BytesIO(r.data))
    cells = [c for ws in wb.worksheets for row in ws.iter_rows() for c in row if c.value]
    texts = [c for c in cells if isinstance(c.value, str) and c.value.startswith("=")]
    assert {c.value for c in texts} >= {'=HYPERLINK("http://x","点我")', "=cmd|' /C calc'!A0"}
    assert all(c.data_type == "s" for c in texts)
    assert wb.sheetnames == ["评选结果", "选票", "参与情况"]


def test_share_code_placeholder_in_demo_mode(app, client, world, new_campaign):
    setup = new_campaign()
    headers = world.headers(world.person(setup.branch))
    s0 = setup.candidates["safety"][0]
    r = client.get(f"/api/v1/campaigns/{setup.campaign_id}/candidates/{s0}/qrcode", headers=headers)
    assert r.status_code == 200 and r.mimetype == "image/png"
    assert Image.open(io.BytesIO(r.data)).size == (430, 430)
    r = client.get(f"/api/v1/campaigns/{setup.campaign_id}/candidates/999/qrcode", headers=headers)
    assert r.status_code == 404


def test_share_code_from_wechat_is_cached(
    app, client, world, wechat_app, fake_wechat, new_campaign
):
    setup = new_campaign()
    s0 = setup.candidates["safety"][0]
    png = io.BytesIO()
    Image.new("RGB", (8, 8), "green").save(png, "PNG")
    calls = []

    def code(query, body):
        calls.append(body)
        return 200, png.getvalue()

    fake_wechat.script("/wxa/getwxacodeunlimit", code)
    wclient = wechat_app.test_client()
    headers = world.headers(world.person(setup.branch))
    url = f"/api/v1/campaigns/{setup.campaign_id}/candidates/{s0}/qrcode"
    first = wclient.get(url, headers=headers)
    second = wclient.get(url, headers=headers)
    assert first.status_code == second.status_code == 200, first.json
    assert first.data == second.data == png.getvalue()
    assert len(calls) == 1


def test_candidate_photo_upload(app, client, world, new_campaign):
    setup = new_campaign(open_it=False)
    admin = setup.committee_headers
    s0 = setup.candidates["safety"][0]
    url = f"/api/v1/admin/campaigns/{setup.campaign_id}/candidates/{s0}/photo"
    r = client.post(url, data={"file": (io.BytesIO(b"not an image"), "a.jpg")}, headers=admin)
    assert r.status_code == 422 and r.json["reason"] == "invalid_image"
    img = io.BytesIO()
    Image.new("RGB", (60, 80), "red").save(img, "JPEG")
    r = client.post(url, data={"file": (io.BytesIO(img.getvalue()), "a.jpg")}, headers=admin)
    assert r.status_code == 200 and r.json["photo_url"].endswith(".jpg")
    photo = client.get(r.json["photo_url"])
    # Re-encoded without metadata (and checked): the same picture, not the same bytes.
    assert photo.status_code == 200 and photo.mimetype == "image/jpeg"
    assert Image.open(io.BytesIO(photo.data)).size == (60, 80)
    assert client.get("/api/v1/campaign-photos/..%2Fsecret.jpg").status_code == 404


def test_suspicious_patterns(app, client, world, new_campaign, cast_vote):
    setup = new_campaign(categories=("safety",))
    target = setup.candidates["safety"][0]
    # Five voters of one unit vote for one candidate within a minute: a burst.
    for _ in range(5):
        assert (
            cast_vote(setup, world.headers(world.person(setup.branch)), target).status_code == 201
        )
    # Three accounts bound just now vote for the other candidate.
    other = setup.candidates["safety"][1]
    fresh_branch = world.branch()
    for _ in range(3):
        p = world.person(fresh_branch)
        assert cast_vote(setup, world.headers(p), other).status_code == 201
    with app.app_context():  # the burst voters bound long ago
        db.session.execute(
            db.update(Account)
            .where(
                Account.person_id.in_(
                    db.select(db.literal_column("id"))
                    .select_from(db.table("people"))
                    .where(db.literal_column("branch_id") == setup.branch.id)
                )
            )
            .values(bound_at=utcnow() - timedelta(days=30))
        )
        db.session.commit()
    r = client.get(
        f"/api/v1/admin/campaigns/{setup.campaign_id}/suspicious?burst_min=5&window_minutes=5",
        headers=setup.committee_headers,
    )
    assert r.status_code == 200, r.json
    bursts = r.json["bursts"]
    assert len(bursts) == 1 and bursts[0]["candidate_id"] == target and bursts[0]["ballots"] == 5
    fresh = r.json["fresh_accounts"]
    assert [f["candidate_id"] for f in fresh] == [other] and fresh[0]["accounts"] == 3


def test_vote_rate_limit_per_account(app, client, world, new_campaign, cast_vote):
    app.config["VOTE_ACCOUNT_PER_MINUTE"] = 3
    setup = new_campaign()
    headers = world.headers(world.person(setup.branch))
    s0 = setup.candidates["safety"][0]
    codes = [cast_vote(setup, headers, s0).status_code for _ in range(4)]
    assert codes == [201, 409, 409, 429]
    r = cast_vote(setup, headers, s0)
    assert r.json["reason"] == "rate_limited" and "Retry-After" in r.headers
    # Another account on the same network is not affected.
    assert cast_vote(setup, world.headers(world.person(setup.branch)), s0).status_code == 201


def test_openapi_lists_the_voting_paths(client):
    spec = client.get("/api/v1/openapi.json").json
    for path in (
        "/api/v1/campaigns",
        "/api/v1/campaigns/{campaign_id}/votes",
        "/api/v1/campaigns/{campaign_id}/leaderboard",
        "/api/v1/admin/ballots/{ballot_id}/void",
        "/api/v1/admin/campaigns/{campaign_id}/export.xlsx",
    ):
        assert path in spec["paths"], path


def test_issue9_19_the_ballots_sheet_names_the_category(client, world, new_campaign, cast_vote):
    """issue 9 #19: the ballots sheet showed the key (`safety`) where results show the name."""
    setup = new_campaign(per_category=1, categories=("safety",))
    voter = world.person(setup.branch)
    assert cast_vote(setup, world.headers(voter), setup.candidates["safety"][0]).status_code == 201
    r = client.get(
        f"/api/v1/admin/campaigns/{setup.campaign_id}/export.xlsx",
        headers=setup.committee_headers,
    )
    ws = load_workbook(io.BytesIO(r.data))["选票"]
    header = [c.value for c in ws[1]]
    row = [c.value for c in ws[2]]
    assert row[header.index("类别")] == "安全生产监督员"
