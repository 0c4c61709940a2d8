"""Nominations (推荐): the window, the secretaries' rules, withdraw, the committee's review, the
per-branch cap and counts, the nominee told, and one nomination however many race."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from models import Campaign, Candidate, Nomination, Notification, Person, db, utcnow
from tests.support.concurrency import fire_at_once

STORY = "十年如一日坚守采煤一线，带头排查隐患三百余条，及时制止三违行为。"


def _window(client, setup, *, hours: int = 24, cap: int | None = None):
    return client.post(
        f"/api/v1/admin/campaigns/{setup.campaign_id}/nominations/window",
        json={
            "ends_at": (datetime.now(UTC) + timedelta(hours=hours)).isoformat(),
            "cap_per_branch": cap,
        },
        headers=setup.committee_headers,
    )


def _nominate(client, setup, headers, person, category="safety", story=STORY):
    return client.post(
        f"/api/v1/campaigns/{setup.campaign_id}/nominations",
        json={"person_id": person.id, "category": category, "story": story},
        headers=headers,
    )


def _setup(new_campaign, client, world, **kw):
    setup = new_campaign(per_category=0, open_it=False)
    r = _window(client, setup, **kw)
    assert r.status_code == 200, r.json
    assert r.json["status"] == "nominating" and r.json["nomination_cap"] == kw.get("cap")
    secretary = world.secretary(setup.branch)
    return setup, secretary, world.headers(secretary)


def test_nominate_review_and_the_loop_to_a_candidate(app, client, world, new_campaign):
    setup, secretary, sh = _setup(new_campaign, client, world)
    nominee = world.member(setup.branch)

    listed = client.get("/api/v1/nominations/campaigns", headers=sh).json
    assert [c["id"] for c in listed] == [setup.campaign_id] and listed[0]["open"] is True
    # A voter does not see a campaign in its nomination window.
    voter = world.headers(world.person(setup.branch))
    assert client.get(f"/api/v1/campaigns/{setup.campaign_id}", headers=voter).status_code == 404
    # ...nor can vote in it: 404 on the Redis path as on the database path (was 409 there).
    r = client.post(
        f"/api/v1/campaigns/{setup.campaign_id}/votes", json={"candidate_id": 1}, headers=voter
    )
    assert r.status_code == 404, r.json

    r = _nominate(client, setup, sh, nominee)
    assert r.status_code == 201, r.json
    nid = r.json["id"]
    assert r.json["status"] == "pending" and r.json["name"] == nominee.name
    assert "phone" not in r.json
    with app.app_context():
        told = db.session.scalars(
            db.select(Notification).where(Notification.person_id == nominee.id)
        ).all()
        assert [n.kind for n in told] == ["nominated"]

    mine = client.get(f"/api/v1/campaigns/{setup.campaign_id}/nominations", headers=sh).json
    assert [n["id"] for n in mine] == [nid]

    r = client.post(
        f"/api/v1/admin/nominations/{nid}/review",
        json={"accept": True},
        headers=setup.committee_headers,
    )
    assert r.status_code == 200, r.json
    assert r.json["status"] == "accepted" and r.json["candidate_id"]
    with app.app_context():
        candidate = db.session.get(Candidate, r.json["candidate_id"])
        assert candidate.person_id == nominee.id and candidate.story == STORY
    again = client.post(
        f"/api/v1/admin/nominations/{nid}/review",
        json={"accept": False, "reason": "重复"},
        headers=setup.committee_headers,
    )
    assert again.status_code == 409 and again.json["reason"] == "nomination_decided"

    # The committee opens voting straight from the nomination window.
    r = client.post(
        f"/api/v1/admin/campaigns/{setup.campaign_id}/open", headers=setup.committee_headers
    )
    assert r.status_code == 200 and r.json["status"] == "open"
    detail = client.get(f"/api/v1/campaigns/{setup.campaign_id}", headers=voter).json
    assert [c["name"] for c in detail["categories"][0]["candidates"]] == [nominee.name]


def test_decline_with_a_reason_the_secretary_sees(app, client, world, new_campaign):
    setup, secretary, sh = _setup(new_campaign, client, world)
    nominee = world.member(setup.branch)
    nid = _nominate(client, setup, sh, nominee).json["id"]
    path = f"/api/v1/admin/nominations/{nid}/review"
    r = client.post(path, json={"accept": False}, headers=setup.committee_headers)
    assert (r.status_code, r.json["reason"]) == (422, "decline_reason_required")
    r = client.post(
        path, json={"accept": False, "reason": "事迹材料不够具体"}, headers=setup.committee_headers
    )
    assert r.status_code == 200 and r.json["status"] == "declined"
    mine = client.get(f"/api/v1/campaigns/{setup.campaign_id}/nominations", headers=sh).json
    assert mine[0]["decline_reason"] == "事迹材料不够具体"
    with app.app_context():
        kinds = db.session.scalars(
            db.select(Notification.kind).where(Notification.person_id == secretary.id)
        ).all()
        assert "nomination_reviewed" in kinds


def test_bad_nominations_have_clear_reasons(app, client, world, new_campaign):
    setup, secretary, sh = _setup(new_campaign, client, world)
    other_branch_member = world.member(world.branch())
    masses = world.person(setup.branch)
    leaver = world.member(setup.branch)
    with app.app_context():
        db.session.get(Person, leaver.id).left_at = utcnow()
        db.session.commit()
    member = world.member(setup.branch)

    cases = [
        (other_branch_member, "safety", 403, "not_your_branch"),
        (masses, "safety", 422, "not_party_member"),
        (leaver, "safety", 422, "nominee_left"),
        (member, "emergency", 422, "category_not_in_campaign"),
    ]
    for person, category, status, reason in cases:
        r = _nominate(client, setup, sh, person, category)
        assert (r.status_code, r.json["reason"]) == (status, reason), (person.name, r.json)
    # Not a secretary at all.
    r = _nominate(client, setup, world.headers(member), member)
    assert r.status_code == 403
    assert _nominate(client, setup, sh, member).status_code == 201
    r = _nominate(client, setup, sh, member)
    assert (r.status_code, r.json["reason"]) == (409, "nomination_exists")
    # After the window: closed.
    with app.app_context():
        db.session.get(Campaign, setup.campaign_id).nominations_end_at = utcnow() - timedelta(
            seconds=1
        )
        db.session.commit()
    r = _nominate(client, setup, sh, world.member(setup.branch))
    assert (r.status_code, r.json["reason"]) == (409, "nominations_closed")


def test_withdraw_before_the_window_ends_then_nominate_again(app, client, world, new_campaign):
    setup, secretary, sh = _setup(new_campaign, client, world)
    nominee = world.member(setup.branch)
    nid = _nominate(client, setup, sh, nominee).json["id"]
    other_secretary = world.headers(world.secretary(world.branch()))
    assert (
        client.post(f"/api/v1/nominations/{nid}/withdraw", headers=other_secretary).status_code
        == 404
    )
    r = client.post(f"/api/v1/nominations/{nid}/withdraw", headers=sh)
    assert r.status_code == 200 and r.json["status"] == "withdrawn"
    assert _nominate(client, setup, sh, nominee).status_code == 201
    second = _nominate(client, setup, sh, world.member(setup.branch)).json["id"]
    with app.app_context():
        db.session.get(Campaign, setup.campaign_id).nominations_end_at = utcnow() - timedelta(
            seconds=1
        )
        db.session.commit()
    r = client.post(f"/api/v1/nominations/{second}/withdraw", headers=sh)
    assert (r.status_code, r.json["reason"]) == (409, "nominations_closed")


def test_the_per_branch_cap_and_counts(app, client, world, new_campaign):
    setup, secretary, sh = _setup(new_campaign, client, world, cap=2)
    people = [world.member(setup.branch) for _ in range(3)]
    assert _nominate(client, setup, sh, people[0]).status_code == 201
    assert _nominate(client, setup, sh, people[1], "reform").status_code == 201
    r = _nominate(client, setup, sh, people[2])
    assert (r.status_code, r.json["reason"]) == (409, "nomination_cap_reached")
    counts = client.get(
        f"/api/v1/admin/campaigns/{setup.campaign_id}/nominations/counts",
        headers=setup.committee_headers,
    ).json
    assert counts == [
        {
            "branch_id": setup.branch.id,
            "branch": setup.branch.name,
            "nominated": 2,
            "pending": 2,
            "accepted": 0,
            "declined": 0,
            "withdrawn": 0,
            "cap": 2,
        }
    ]


def test_the_window_only_from_a_draft_and_within_the_campaign(client, world, new_campaign):
    setup = new_campaign(per_category=1)  # open already
    r = _window(client, setup)
    assert (r.status_code, r.json["reason"]) == (409, "invalid_transition")
    draft = new_campaign(per_category=0, open_it=False)
    r = _window(client, draft, hours=-1)
    assert (r.status_code, r.json["reason"]) == (422, "invalid_nomination_window")


def test_two_secretaries_nominating_the_same_person_at_once_make_one(app, world, new_campaign):
    client = app.test_client()
    setup, secretary, sh = _setup(new_campaign, client, world)
    second = world.headers(world.secretary(setup.branch))
    nominee = world.member(setup.branch)
    heads = [sh, second]
    results = fire_at_once(2, lambda i: _nominate(app.test_client(), setup, heads[i], nominee))
    codes = sorted(r.status_code for r in results)
    assert codes == [201, 409], [r.json for r in results]
    assert {r.json.get("reason") for r in results if r.status_code == 409} == {"nomination_exists"}
    with app.app_context():
        n = db.session.scalar(
            db.select(db.func.count())
            .select_from(Nomination)
            .where(Nomination.campaign_id == setup.campaign_id)
        )
        assert n == 1


def test_the_branch_of_the_team_a_member_works_in_may_nominate_them(
    app, client, world, new_campaign
):
    from models import Unit

    setup, secretary, sh = _setup(new_campaign, client, world)
    home = world.branch()
    nominee = world.member(home)
    with app.app_context():
        # Works in a 区队 that setup.branch covers; party branch elsewhere.
        team = db.session.scalar(db.select(Unit).where(Unit.branch_id == setup.branch.id))
        db.session.get(Person, nominee.id).unit_id = team.id
        db.session.commit()
    r = _nominate(client, setup, sh, nominee)
    assert r.status_code == 201, r.json
    assert r.json["branch_id"] == setup.branch.id


def test_the_nominees_photo_goes_with_the_accepted_candidate(app, client, world, new_campaign):
    import io

    from PIL import Image

    setup, secretary, sh = _setup(new_campaign, client, world)
    nid = _nominate(client, setup, sh, world.member(setup.branch)).json["id"]
    buf = io.BytesIO()
    Image.new("RGB", (60, 80), "red").save(buf, "JPEG")
    r = client.post(
        f"/api/v1/nominations/{nid}/photo",
        data={"file": (io.BytesIO(buf.getvalue()), "me.jpg")},
        headers=sh,
        content_type="multipart/form-data",
    )
    assert r.status_code == 200, r.json
    assert r.json["photo_url"].endswith(".jpg")
    r = client.post(
        f"/api/v1/admin/nominations/{nid}/review",
        json={"accept": True},
        headers=setup.committee_headers,
    )
    with app.app_context():
        candidate = db.session.get(Candidate, r.json["candidate_id"])
        assert candidate.photo and r.json["photo_url"].endswith(candidate.photo)
