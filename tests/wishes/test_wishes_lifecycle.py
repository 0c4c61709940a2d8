"""The wish lifecycle through the API: the full path, every transition allowed and refused, and
the history that each one leaves."""

from __future__ import annotations

from datetime import timedelta

import pytest

from models import Notification, PointsEntry, Upload, Wish, WishEvent, db, utcnow
from wishes.states import TRANSITIONS


def notifications(app, wish_id=None):
    with app.app_context():
        rows = db.session.scalars(db.select(Notification).order_by(Notification.id)).all()
        return [(n.person_id, n.kind) for n in rows]


def test_posting_to_completed_notifies_the_right_people(
    app, client, world, new_scene, pending_wish, upload_wish_photo
):
    s = new_scene()
    member = s.members[0]
    wish_id = pending_wish(s)
    assert notifications(app) == [(s.secretary.id, "wish_submitted")]

    r = client.post(
        f"/api/v1/wishes/{wish_id}/review", json={"approve": True}, headers=s.h(s.secretary)
    )
    assert r.status_code == 200 and r.json["status"] == "open"

    pool = client.get("/api/v1/wishes?status=open", headers=s.h(member)).json
    assert [w["id"] for w in pool] == [wish_id]

    r = client.post(f"/api/v1/wishes/{wish_id}/claim", headers=s.h(member))
    assert r.status_code == 200, r.json
    assert r.json["status"] == "claimed" and r.json["claimer"]["id"] == member.id
    assert r.json["claim_deadline"] is not None

    photo = upload_wish_photo(s, member).json["id"]
    r = client.post(
        f"/api/v1/wishes/{wish_id}/fulfil",
        json={"note": "书包已经送到家里", "photo_ids": [photo]},
        headers=s.h(member),
    )
    assert r.status_code == 200, r.json
    assert r.json["status"] == "fulfilled" and len(r.json["photos"]) == 1

    r = client.post(
        f"/api/v1/wishes/{wish_id}/confirm",
        json={"rating": 5, "thanks": "谢谢党员同志！"},
        headers=s.h(s.wisher),
    )
    assert r.status_code == 200, r.json
    assert r.json["status"] == "completed" and r.json["rating"] == 5

    assert notifications(app) == [
        (s.secretary.id, "wish_submitted"),
        (s.wisher.id, "wish_reviewed"),
        (s.wisher.id, "wish_claimed"),
        (s.wisher.id, "wish_fulfilled"),
        (member.id, "wish_confirmed"),
    ]
    with app.app_context():
        entries = db.session.scalars(db.select(PointsEntry)).all()
        assert [(e.person_id, e.kind, e.ref, e.delta) for e in entries] == [
            (member.id, "wish_completed", f"wish:{wish_id}", app.config["WISH_COMPLETED_POINTS"])
        ]
        events = db.session.scalars(
            db.select(WishEvent).where(WishEvent.wish_id == wish_id).order_by(WishEvent.id)
        ).all()
        assert [(e.action, e.from_status, e.to_status, e.actor_id) for e in events] == [
            ("submit", None, "pending_review", s.wisher.id),
            ("approve", "pending_review", "open", s.secretary.id),
            ("claim", "open", "claimed", member.id),
            ("fulfil", "claimed", "fulfilled", member.id),
            ("confirm", "fulfilled", "completed", s.wisher.id),
        ]
        assert db.session.get(Upload, photo).wish_id == wish_id

    detail = client.get(f"/api/v1/wishes/{wish_id}", headers=s.h(s.secretary)).json
    assert [h["action"] for h in detail["history"]] == [
        "submit",
        "approve",
        "claim",
        "fulfil",
        "confirm",
    ]


def test_reject_needs_a_reason_and_tells_the_wisher(app, client, world, new_scene, pending_wish):
    s = new_scene()
    wish_id = pending_wish(s)
    r = client.post(
        f"/api/v1/wishes/{wish_id}/review", json={"approve": False}, headers=s.h(s.secretary)
    )
    assert r.status_code == 422 and r.json["reason"] == "reason_required"
    r = client.post(
        f"/api/v1/wishes/{wish_id}/review",
        json={"approve": False, "reason": "属于单位统一解决事项"},
        headers=s.h(s.secretary),
    )
    assert r.status_code == 200 and r.json["status"] == "rejected"
    mine = client.get(f"/api/v1/wishes/{wish_id}", headers=s.h(s.wisher)).json
    assert mine["reject_reason"] == "属于单位统一解决事项"
    assert (s.wisher.id, "wish_reviewed") in notifications(app)


def test_only_the_wishers_branch_secretary_reviews(client, world, new_scene, pending_wish):
    s = new_scene()
    other_secretary = world.secretary(world.branch())
    wish_id = pending_wish(s)
    for person in (s.members[0], s.wisher):
        r = client.post(
            f"/api/v1/wishes/{wish_id}/review", json={"approve": True}, headers=s.h(person)
        )
        assert r.status_code in (403, 404), r.json
    r = client.post(
        f"/api/v1/wishes/{wish_id}/review", json={"approve": True}, headers=s.h(other_secretary)
    )
    assert r.status_code == 404  # another branch's pending wish is not even visible
    r = client.post(
        f"/api/v1/wishes/{wish_id}/review", json={"approve": True}, headers=s.h(s.committee)
    )
    assert r.status_code == 403 and r.json["reason"] == "not_branch_secretary"


ACTORS = {
    "approve": "secretary",
    "reject": "secretary",
    "close": "secretary",
    "claim": "member",
    "release": "claimer",
    "fulfil": "claimer",
    "confirm": "wisher",
    "withdraw": "wisher",
}
BODIES = {
    "approve": lambda photo: ("review", {"approve": True}),
    "reject": lambda photo: ("review", {"approve": False, "reason": "不符合要求"}),
    "close": lambda photo: ("close", {"reason": "已由工会解决"}),
    "claim": lambda photo: ("claim", None),
    "release": lambda photo: ("release", {"reason": "临时外出培训"}),
    "fulfil": lambda photo: ("fulfil", {"note": "已送达", "photo_ids": [photo]}),
    "confirm": lambda photo: ("confirm", {"rating": 4, "thanks": "谢谢"}),
    "withdraw": lambda photo: ("withdraw", {}),
}
STATUSES = [
    "pending_review",
    "rejected",
    "open",
    "claimed",
    "fulfilled",
    "completed",
    "withdrawn",
    "closed",
]


@pytest.fixture
def no_rate_limits(app):
    saved = {k: app.config[k] for k in ("WISH_POST_LIMITS", "UPLOAD_LIMITS")}
    app.config.update(WISH_POST_LIMITS="1000 per hour", UPLOAD_LIMITS="1000 per hour")
    yield
    app.config.update(saved)


def test_every_transition_allowed_or_refused(
    app,
    client,
    world,
    no_rate_limits,
    force_wish_status,
    new_scene,
    pending_wish,
    upload_wish_photo,
):
    """Each action from each status: the allowed ones land on their target, the rest are 409."""
    s = new_scene(members=2)
    claimer, member = s.members
    actors = {
        "secretary": s.secretary,
        "member": member,
        "claimer": claimer,
        "wisher": s.wisher,
    }
    checked = 0
    for status in STATUSES:
        for action, (path_body) in BODIES.items():
            wish_id = pending_wish(s)
            values = {}
            if status in ("claimed", "fulfilled", "completed"):
                values = {
                    "claimer_id": claimer.id,
                    "claimed_at": utcnow(),
                    "claim_deadline": utcnow() + timedelta(days=30),
                }
            force_wish_status(wish_id, status, **values)
            photo = upload_wish_photo(s, claimer).json["id"]
            path, body = path_body(photo)
            actor = actors[ACTORS[action]]
            r = client.post(f"/api/v1/wishes/{wish_id}/{path}", json=body, headers=s.h(actor))
            t = TRANSITIONS[action]
            visible_to_actor = status in ("open", "claimed", "fulfilled", "completed") or ACTORS[
                action
            ] in ("secretary", "wisher")
            if status in t.sources:
                assert r.status_code == 200, (status, action, r.json)
                assert r.json["status"] == t.target, (status, action)
            elif not visible_to_actor:
                assert r.status_code == 404, (status, action, r.json)
            else:
                taken = action == "claim" and status in ("claimed", "fulfilled", "completed")
                assert r.status_code == 409, (status, action, r.json)
                assert r.json["reason"] == ("already_claimed" if taken else "invalid_transition"), (
                    status,
                    action,
                    r.json,
                )
            with app.app_context():
                events = db.session.scalars(
                    db.select(WishEvent).where(WishEvent.wish_id == wish_id)
                ).all()
                moved = [e for e in events if e.action != "submit"]
                assert len(moved) == (1 if status in t.sources else 0)
                if moved:
                    assert moved[0].from_status == status and moved[0].actor_id == actor.id
            checked += 1
    assert checked == len(STATUSES) * len(BODIES)


def test_wrong_person_for_an_allowed_transition_is_403(client, world, new_scene, new_wish):
    s = new_scene(members=2)
    claimer, other = s.members
    wish_id = new_wish(s)
    r = client.post(f"/api/v1/wishes/{wish_id}/withdraw", json={}, headers=s.h(other))
    assert r.status_code == 403 and r.json["reason"] == "not_wisher"
    client.post(f"/api/v1/wishes/{wish_id}/claim", headers=s.h(claimer))
    for path, body in (("release", {"reason": "x"}), ("fulfil", {"note": "x", "photo_ids": [1]})):
        r = client.post(f"/api/v1/wishes/{wish_id}/{path}", json=body, headers=s.h(other))
        assert r.status_code == 403 and r.json["reason"] == "not_claimer", r.json
    r = client.post(f"/api/v1/wishes/{wish_id}/close", json={"reason": "x"}, headers=s.h(other))
    assert r.status_code == 403


def test_withdraw_before_claim_only(client, world, new_scene, new_wish):
    s = new_scene()
    wish_id = new_wish(s)
    r = client.post(f"/api/v1/wishes/{wish_id}/withdraw", headers=s.h(s.wisher))
    assert r.status_code == 200 and r.json["status"] == "withdrawn"
    # Gone from the pool.
    pool = client.get("/api/v1/wishes", headers=s.h(s.members[0])).json
    assert pool == []


def test_release_returns_to_pool_with_reason(app, client, world, new_scene, new_wish):
    s = new_scene()
    member = s.members[0]
    wish_id = new_wish(s)
    client.post(f"/api/v1/wishes/{wish_id}/claim", headers=s.h(member))
    r = client.post(f"/api/v1/wishes/{wish_id}/release", json={}, headers=s.h(member))
    assert r.status_code == 422
    r = client.post(
        f"/api/v1/wishes/{wish_id}/release", json={"reason": "调往外地"}, headers=s.h(member)
    )
    assert r.status_code == 200 and r.json["status"] == "open" and r.json["claimer"] is None
    with app.app_context():
        w = db.session.get(Wish, wish_id)
        assert w.claimer_id is None and w.claim_deadline is None
        e = db.session.scalars(db.select(WishEvent).where(WishEvent.action == "release")).one()
        assert e.reason == "调往外地" and e.actor_id == member.id
    # Someone else can claim it now.
    r = client.post(f"/api/v1/wishes/{wish_id}/claim", headers=s.h(s.members[1]))
    assert r.status_code == 200


def test_fulfil_needs_own_unused_photos(client, world, new_scene, new_wish, upload_wish_photo):
    s = new_scene(members=2)
    claimer, other = s.members
    wish_id = new_wish(s)
    client.post(f"/api/v1/wishes/{wish_id}/claim", headers=s.h(claimer))
    foreign = upload_wish_photo(s, other).json["id"]
    r = client.post(
        f"/api/v1/wishes/{wish_id}/fulfil",
        json={"note": "done", "photo_ids": [foreign]},
        headers=s.h(claimer),
    )
    assert r.status_code == 422 and r.json["reason"] == "photo_not_usable"
    r = client.post(
        f"/api/v1/wishes/{wish_id}/fulfil",
        json={"note": "done", "photo_ids": []},
        headers=s.h(claimer),
    )
    assert r.status_code == 422
    detail = client.get(f"/api/v1/wishes/{wish_id}", headers=s.h(claimer)).json
    assert detail["status"] == "claimed"


def test_confirm_rating_range(client, world, new_scene):
    s = new_scene()
    for rating in (0, 6, "5", None):
        r = client.post("/api/v1/wishes/1/confirm", json={"rating": rating}, headers=s.h(s.wisher))
        assert r.status_code == 422, rating


@pytest.mark.parametrize(
    "body",
    [
        {"title": "", "content": "x", "category": "life"},
        {"title": "x" * 61, "content": "x", "category": "life"},
        {"title": "x", "content": "x", "category": "money"},
        {"title": "x", "content": ""},
        {"title": 1, "content": ["x"], "category": "life"},
    ],
)
def test_bad_wish_bodies_are_422(client, world, body, new_scene):
    s = new_scene()
    r = client.post("/api/v1/wishes", json=body, headers=s.h(s.wisher))
    assert r.status_code == 422 and r.json["reason"] == "validation_error"


def test_unknown_wish_is_404_and_unbound_is_403(client, world, new_scene):
    s = new_scene()
    r = client.get("/api/v1/wishes/999999", headers=s.h(s.wisher))
    assert r.status_code == 404 and r.json["reason"] == "wish_not_found"
    r = client.post("/api/v1/auth/login", json={"code": "demo:stranger"})
    h = {"Authorization": "Bearer " + r.json["token"]}
    assert client.get("/api/v1/wishes", headers=h).status_code == 403
    assert client.get("/api/v1/wishes").status_code == 401


def test_submit_on_behalf_of_an_employee(app, world, new_scene):
    from accounts.principal import principal_for_person
    from wishes import services

    s = new_scene()
    member, employee = s.members[0], s.wisher
    plain = world.person(s.branch)
    with app.app_context():
        from models import Person

        author = db.session.get(Person, member.id)
        wisher = db.session.get(Person, employee.id)
        wish = services.submit_wish(
            author,
            "父亲住院需要陪护",
            "想请人帮忙联系医院护工",
            "health",
            on_behalf_of=wisher,
        )
        db.session.commit()
        # (Posting from a talk, with source_talk_id, is tested in test_talk_wishes.py.)
        assert (wish.wisher_id, wish.author_id) == (employee.id, member.id)
        assert wish.branch_id == s.branch.id
        # The poster may withdraw for the employee; masses cannot post for others.
        masses = db.session.get(Person, plain.id)
        with pytest.raises(Exception) as exc:
            services.submit_wish(masses, "t", "c", "life", on_behalf_of=wisher)
        assert getattr(exc.value, "status", None) == 403
        db.session.rollback()
        services.withdraw_wish(principal_for_person(author), wish.id)
        db.session.commit()
        assert wish.status == "withdrawn"


def test_hostile_inputs_never_500(client, world, new_scene):
    s = new_scene()
    h = s.h(s.members[0])
    huge = 2**40
    cases = [
        ("get", f"/api/v1/wishes/{huge}", None, 404),
        ("post", f"/api/v1/wishes/{huge}/claim", None, 404),
        ("get", f"/api/v1/uploads/{huge}/content", None, 404),
        ("get", f"/api/v1/admin/wishes?branch_id={huge}", None, 403),  # roles before query
        ("post", "/api/v1/wishes", {"title": "a\x00b", "content": "c", "category": "life"}, 422),
        ("post", "/api/v1/wishes/1/fulfil", {"note": "n", "photo_ids": [huge]}, 422),
        ("post", "/api/v1/wishes/1/release", "not json", 422),
        ("get", "/api/v1/wishes?page_size=1000", None, 422),
        ("get", "/api/v1/wishes?status=nope", None, 422),
    ]
    for method, path, body, status in cases:
        if isinstance(body, str):
            r = client.post(path, data=body, headers={**h, "Content-Type": "application/json"})
            assert r.status_code in (400, 422), (path, r.json)
            continue
        r = getattr(client, method)(path, json=body, headers=h)
        assert r.status_code == status, (path, r.status_code, r.json)
        assert r.json["reason"], path
