"""待办: the counts come from the domains; each duty appears when it is created and goes when it
is closed."""

from __future__ import annotations

from datetime import timedelta

import pytest

from models import utcnow


def todo(client, headers) -> dict[str, int]:
    r = client.get("/api/v1/todo", headers=headers)
    assert r.status_code == 200, r.json
    counts = {i["key"]: i["count"] for i in r.json["items"]}
    assert r.json["total"] == sum(counts.values())
    assert all(i["label"] and i["page"].startswith("pages/") for i in r.json["items"])
    return counts


def test_wishes_to_review_for_the_secretary(client, world, pending_wish, wish_scene):
    s = wish_scene()
    assert todo(client, s.h(s.secretary))["wishes_to_review"] == 0
    assert "wishes_to_review" not in todo(client, s.h(s.members[0]))  # not a secretary
    wish_id = pending_wish(s)
    pending_wish(s)
    assert todo(client, s.h(s.secretary))["wishes_to_review"] == 2
    r = client.post(
        f"/api/v1/wishes/{wish_id}/review", json={"approve": True}, headers=s.h(s.secretary)
    )
    assert r.status_code == 200
    assert todo(client, s.h(s.secretary))["wishes_to_review"] == 1


def test_claims_near_their_deadline_for_the_claimer(
    app, client, world, force_wish_status, new_wish, wish_scene
):
    s = wish_scene()
    member = s.members[0]
    wish_id = new_wish(s)
    assert client.post(f"/api/v1/wishes/{wish_id}/claim", headers=s.h(member)).status_code == 200
    assert todo(client, s.h(member))["claims_near_deadline"] == 0  # the deadline is far
    force_wish_status(wish_id, "claimed", claim_deadline=utcnow() + timedelta(days=1))
    assert todo(client, s.h(member))["claims_near_deadline"] == 1
    assert todo(client, s.h(s.members[1]))["claims_near_deadline"] == 0
    r = client.post(
        f"/api/v1/wishes/{wish_id}/release", json={"reason": "临时出差"}, headers=s.h(member)
    )
    assert r.status_code == 200, r.json
    assert todo(client, s.h(member))["claims_near_deadline"] == 0


@pytest.mark.usefixtures("any_talk_rule")
def test_talks_due_this_month_for_a_paired_member(
    app, client, world, log_talk, new_pairing, new_team
):
    team = new_team()
    member, employee = team.members[0], team.employees[0]
    assert "talks_due" not in todo(client, team.h(member))  # not paired
    new_pairing(team, member, employee)
    required = app.config["TALKS_REQUIRED_PER_MONTH"]
    assert todo(client, team.h(member))["talks_due"] == required
    for _ in range(required):
        log_talk(team.h(member), employee)
    assert todo(client, team.h(member))["talks_due"] == 0


def test_objections_to_answer_for_the_committee(app, client, world, cast_vote, new_campaign):
    setup = new_campaign(per_category=2, categories=("safety",))
    admin = setup.committee_headers
    base = f"/api/v1/admin/campaigns/{setup.campaign_id}"
    assert client.patch(base, json={"quotas": {"safety": 1}}, headers=admin).status_code == 200
    a, b = setup.candidates["safety"]
    for target, n in ((a, 2), (b, 1)):
        for _ in range(n):
            assert (
                cast_vote(setup, world.headers(world.person(setup.branch)), target).status_code
                == 201
            )
    assert client.post(f"{base}/close", headers=admin).status_code == 200
    assert client.post(f"{base}/notice", json={"days": 5}, headers=admin).status_code == 200
    assert todo(client, admin)["objections_to_answer"] == 0
    objector = world.headers(world.person(setup.branch))
    r = client.post(
        f"/api/v1/campaigns/{setup.campaign_id}/objections",
        json={"candidate_id": a, "reason": "推荐材料与事实不符"},
        headers=objector,
    )
    assert r.status_code == 201, r.json
    assert todo(client, admin)["objections_to_answer"] == 1
    assert "objections_to_answer" not in todo(client, objector)
    r = client.post(
        f"/api/v1/admin/objections/{r.json['id']}/answer",
        json={"upheld": False, "reason": "经核查属实"},
        headers=admin,
    )
    assert r.status_code == 200, r.json
    assert todo(client, admin)["objections_to_answer"] == 0


def test_points_requests_to_approve_not_ones_own(app, client, world, wish_scene):
    s = wish_scene()
    mine = world.default_mine()
    asker = world.committee(mine)
    decider = world.committee(mine)
    r = client.post(
        "/api/v1/admin/points",
        json={"employee_no": s.members[0].employee_no, "delta": 5, "reason": "抢险表现突出"},
        headers=world.headers(asker),
    )
    assert r.status_code == 201, r.json
    assert todo(client, world.headers(decider))["points_requests"] >= 1
    mine_count = todo(client, world.headers(asker))["points_requests"]
    theirs = todo(client, world.headers(decider))["points_requests"]
    assert theirs == mine_count + 1  # the asker does not approve their own request
    r = client.post(
        f"/api/v1/admin/points/requests/{r.json['id']}/decide",
        json={"approve": True, "reason": "同意"},
        headers=world.headers(decider),
    )
    assert r.status_code == 200, r.json
    assert todo(client, world.headers(decider))["points_requests"] == theirs - 1
    assert "points_requests" not in todo(client, s.h(s.members[0]))


def test_a_member_sees_only_their_duties(client, world, wish_scene):
    s = wish_scene()
    counts = todo(client, s.h(s.wisher))
    assert set(counts) <= {"claims_near_deadline", "talks_due"}
    assert sum(counts.values()) == 0
