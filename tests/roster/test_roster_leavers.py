"""Issue 11, leavers: a full roster import may mark the people missing from it as left (only when
asked); a person who left keeps their history but loses access at once, their pairings end with
离职, their open claims go back to the pool with the wisher told, they can no longer be paired or
nominated, and they drop out of compliance from the next month."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from models import Notification, Pairing, Person, Wish, db
from pairings.months import month_of

UNIT_A, BRANCH_A = "综采一队", "综采一队党支部"


def scene(app, client, world, new_hr):
    """综采一队: secretary S, members M (leaves) and N, employee E paired with M, wisher W whose
    wish M claimed; everybody bound through the mini-program."""
    hr = new_hr()
    hr.add("S1", "书记甲", UNIT_A, BRANCH_A, "中共党员")
    hr.add("M1", "党员走", UNIT_A, BRANCH_A, "中共党员")
    hr.add("N1", "党员留", UNIT_A, BRANCH_A, "中共党员")
    hr.add("E1", "职工甲", UNIT_A, BRANCH_A)
    hr.add("W1", "许愿人", UNIT_A, "")
    hr.send()
    branch = hr.branch(BRANCH_A)
    world.grant(hr.person("S1"), "secretary", branch)
    h = {no: hr.login(no) for no in ("S1", "M1", "N1", "W1")}
    m, e = hr.person("M1"), hr.person("E1")
    r = client.post(
        "/api/v1/pairings", json={"member_id": m.id, "employee_id": e.id}, headers=h["S1"]
    )
    assert r.status_code == 201, r.json
    pairing_id = r.json["id"]
    r = client.post(
        "/api/v1/wishes",
        json={"title": "孩子的书包", "content": "孩子上学需要一个书包", "category": "study"},
        headers=h["W1"],
    )
    wish_id = r.json["id"]
    r = client.post(f"/api/v1/wishes/{wish_id}/review", json={"approve": True}, headers=h["S1"])
    assert r.status_code == 200, r.json
    r = client.post(f"/api/v1/wishes/{wish_id}/claim", headers=h["M1"])
    assert r.status_code == 200, r.json
    return hr, branch, h, pairing_id, wish_id


def test_missing_people_are_listed_but_never_marked_left_by_default(app, client, world, new_hr):
    """issue 11 (leavers): people missing from the file are shown; nobody leaves by default."""
    hr, _, h, pairing_id, _ = scene(app, client, world, new_hr)
    answer = hr.send(without=("M1",))
    assert [m["employee_no"] for m in answer["missing"]] == ["M1"]
    assert answer["missing"][0] | {"person_id": 0} == {
        "person_id": 0,
        "employee_no": "M1",
        "name": "党员走",
        "unit": UNIT_A,
        "branch": BRANCH_A,
        "bound": True,
        "pairings": 1,
        "claims": 1,
    }
    assert answer["left"] == 0 and answer["mark_missing_as_left"] is False
    assert hr.person("M1").left_at is None
    assert client.get("/api/v1/me", headers=h["M1"]).json["bound"] is True


def test_leaver_loses_access_at_once_and_everything_follows(app, client, world, new_hr):
    """issue 11 (leavers): tokens revoked at once, pairings end with 离职, claims back to the pool
    with the wisher told; the history stays."""
    hr, branch, h, pairing_id, wish_id = scene(app, client, world, new_hr)
    preview = hr.send(without=("M1",), dry_run=True, mark_missing_as_left=True)
    assert preview["left"] == 1 and preview["missing"][0]["employee_no"] == "M1"
    assert hr.person("M1").left_at is None  # the preview came first and changed nothing

    answer = hr.send(without=("M1",), mark_missing_as_left=True)
    assert answer["left"] == 1 and answer["dry_run"] is False

    # Access: the token in the phone is dead on the next request; logging in again is not enough.
    r = client.get("/api/v1/me", headers=h["M1"])
    assert r.status_code == 401 and r.json["reason"] == "token_revoked"
    again = client.post("/api/v1/auth/login", json={"code": f"demo:wx-{hr.mine.id}-M1"}).json
    h2 = {"Authorization": f"Bearer {again['token']}"}
    assert again["user"]["bound"] is False
    r = client.get("/api/v1/wishes?status=open", headers=h2)
    assert r.status_code == 403 and r.json["reason"] == "person_left"
    row = hr.rows["M1"]
    r = client.post(
        "/api/v1/auth/bind",
        json={"employee_no": "M1", "name": row[1], "phone_tail": row[2][-4:]},
        headers=h2,
    )
    assert r.status_code == 403 and r.json["reason"] == "person_left"

    # Pairings: ended with the reason, kept in the branch's history.
    ended = client.get(f"/api/v1/branches/{branch.id}/pairings?status=ended", headers=h["S1"]).json
    assert [(p["id"], p["end_reason"]) for p in ended] == [(pairing_id, "member_left")]
    assert client.get(f"/api/v1/branches/{branch.id}/pairings", headers=h["S1"]).json == []

    # The claim is back in the pool and the wisher was told.
    wish = client.get(f"/api/v1/wishes/{wish_id}", headers=h["W1"]).json
    assert wish["status"] == "open"
    with app.app_context():
        told = db.session.scalars(
            db.select(Notification).where(
                Notification.person_id == hr.person("W1").id, Notification.kind == "claim_returned"
            )
        ).all()
        assert len(told) == 1 and told[0].data["title"] == "孩子的书包"
        assert db.session.get(Wish, wish_id).claimer_id is None
    r = client.post(f"/api/v1/wishes/{wish_id}/claim", headers=h["N1"])
    assert r.status_code == 200, r.json

    # History: the person and their pairing rows are still there.
    with app.app_context():
        m = db.session.get(Person, hr.person("M1").id)
        assert m.left_at is not None and m.name == "党员走"
        assert db.session.get(Pairing, pairing_id).member_id == m.id


def test_leaver_cannot_be_paired_nominated_or_listed(app, client, world, new_hr):
    """issue 11 (leavers): no new pairing, no candidacy, not in the branch's people list."""
    hr, branch, h, _, _ = scene(app, client, world, new_hr)
    hr.send(without=("M1",), mark_missing_as_left=True)
    m, e = hr.person("M1"), hr.person("E1")
    r = client.post(
        "/api/v1/pairings", json={"member_id": m.id, "employee_id": e.id}, headers=h["S1"]
    )
    assert r.status_code == 422 and r.json["reason"] == "person_left", r.json
    people = client.get(f"/api/v1/branches/{branch.id}/people", headers=hr.h).json
    assert "M1" not in {p["employee_no"] for p in people} and "N1" in {
        p["employee_no"] for p in people
    }
    now = datetime.now(UTC)
    r = client.post(
        "/api/v1/admin/campaigns",
        json={
            "title": "六大员评选",
            "starts_at": now.isoformat(),
            "ends_at": (now + timedelta(days=7)).isoformat(),
            "categories": ["safety"],
        },
        headers=hr.h,
    )
    assert r.status_code == 201, r.json
    r = client.post(
        f"/api/v1/admin/campaigns/{r.json['id']}/candidates",
        json={"employee_no": "M1", "category": "safety", "story": "带头排查隐患"},
        headers=hr.h,
    )
    assert r.status_code == 404 and r.json["reason"] == "person_not_found", r.json


@pytest.mark.usefixtures("any_talk_rule")
def test_leaver_drops_out_of_compliance_from_the_next_month(app, client, world, new_hr):
    """issue 11 (leavers): this month the leaver is still counted (they were paired); from the
    next month they are neither due nor "unpaired"."""
    hr, branch, h, _, _ = scene(app, client, world, new_hr)
    hr.send(without=("M1",), mark_missing_as_left=True)
    now = datetime.now(UTC)
    this_month = month_of(now)
    next_month = month_of(now.replace(day=1) + timedelta(days=32))
    url = f"/api/v1/branches/{branch.id}/compliance?month="
    this = client.get(url + this_month, headers=h["S1"]).json
    assert "M1" in {m["employee_no"] for m in this["members"]}
    later = client.get(url + next_month, headers=h["S1"]).json
    names = {m["employee_no"] for m in later["members"]} | {
        m["employee_no"] for m in later["unpaired"]
    }
    assert "M1" not in names and "N1" in names


def test_leaver_on_a_later_roster_comes_back(app, client, world, new_hr):
    """issue 11 (leavers): appearing again clears the mark (an update of field `left`)."""
    hr, _, h, _, _ = scene(app, client, world, new_hr)
    hr.send(without=("M1",), mark_missing_as_left=True)
    answer = hr.send()
    change = next(c for c in answer["changes"] if c["employee_no"] == "M1")
    assert change["fields"] == {"left": {"from": True, "to": False}}
    again = client.post("/api/v1/auth/login", json={"code": f"demo:wx-{hr.mine.id}-M1"}).json
    assert again["user"]["bound"] is True and again["user"]["employee_no"] == "M1"


def test_one_person_marked_left_between_imports(app, client, world, new_hr):
    """issue 11 (leavers): a committee member marks one person as left without a full roster."""
    hr, branch, h, pairing_id, wish_id = scene(app, client, world, new_hr)
    m = hr.person("M1")
    r = client.post(f"/api/v1/admin/people/{m.id}/leave", headers=hr.h)
    assert r.status_code == 200, r.json
    assert r.json["tokens_revoked"] == 1 and r.json["pairings_ended"] == 1
    assert r.json["claims_returned"] == 1
    assert client.get("/api/v1/me", headers=h["M1"]).status_code == 401
    r = client.post(f"/api/v1/admin/people/{m.id}/leave", headers=hr.h)
    assert r.status_code == 409 and r.json["reason"] == "already_left"
    r = client.post(f"/api/v1/admin/people/{m.id}/leave", headers=h["S1"])
    assert r.status_code == 403


def test_cli_marks_missing_as_left_only_when_asked(app, client, world, tmp_path, new_hr):
    """issue 11 (leavers): `flask roster import --mark-missing-as-left`, after --dry-run."""
    hr, _, h, _, _ = scene(app, client, world, new_hr)
    path = tmp_path / "全矿花名册.xlsx"
    path.write_bytes(hr.file(without=("M1",)))
    runner = app.test_cli_runner()
    args = ["roster", "import", str(path), "--mine", hr.mine.name]
    r = runner.invoke(args=args + ["--dry-run", "--mark-missing-as-left"])
    assert r.exit_code == 0, r.output
    assert "预览（未写入任何数据）" in r.output and "M1 党员走" in r.output
    assert hr.person("M1").left_at is None
    r = runner.invoke(args=args)
    assert r.exit_code == 0 and "加 --mark-missing-as-left" in r.output, r.output
    assert hr.person("M1").left_at is None
    r = runner.invoke(args=args + ["--mark-missing-as-left"])
    assert r.exit_code == 0 and "标记离职 1 人" in r.output, r.output
    assert hr.person("M1").left_at is not None
    assert client.get("/api/v1/me", headers=h["M1"]).status_code == 401


def test_leaver_candidacy_is_withdrawn_and_can_no_longer_be_voted_for(
    app, client, world, ballot_count, cast_vote, new_campaign
):
    """issue 11 (leavers): a candidate who leaves is withdrawn from running campaigns at once —
    not on the leaderboard, not votable (in Redis too), their past ballots kept on record."""

    setup = new_campaign(per_category=2, categories=("safety",))
    leaver_cid, other_cid = setup.candidates["safety"]
    leaver = setup.candidate_people[leaver_cid]
    voter = world.person(setup.branch)
    vh = world.headers(voter)
    assert cast_vote(setup, vh, leaver_cid).status_code == 201

    r = client.post(f"/api/v1/admin/people/{leaver.id}/leave", headers=setup.committee_headers)
    assert r.status_code == 200, r.json
    assert r.json["candidacies_withdrawn"] == 1

    second = world.headers(world.person(setup.branch))
    r = cast_vote(setup, second, leaver_cid)
    assert r.status_code == 404, r.json
    assert cast_vote(setup, second, other_cid).status_code == 201
    board = client.get(
        f"/api/v1/campaigns/{setup.campaign_id}/leaderboard?category=safety", headers=vh
    )
    assert board.status_code == 200, board.json
    assert [row["candidate_id"] for row in board.json] == [other_cid]
    assert ballot_count(setup.campaign_id) == 2
