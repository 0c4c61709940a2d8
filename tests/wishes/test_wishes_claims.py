"""Claims: one winner under a stampede, the cap on open claims, deadlines and reminders."""

from __future__ import annotations

from datetime import timedelta

from accounts.principal import principal_for_person
from models import Notification, Person, Wish, WishEvent, db, utcnow
from tests.support.concurrency import fire_at_once
from wishes import services


def test_twenty_members_claim_at_once_exactly_one_wins(app, world, new_scene, new_wish):
    s = new_scene(members=20)
    wish_id = new_wish(s)
    headers = [s.h(m) for m in s.members]

    def claim(i: int):
        c = app.test_client()
        r = c.post(f"/api/v1/wishes/{wish_id}/claim", headers=headers[i])
        return r.status_code, r.json.get("reason"), s.members[i].id

    results = fire_at_once(20, claim)
    winners = [r for r in results if r[0] == 200]
    losers = [r for r in results if r[0] != 200]
    assert len(winners) == 1, results
    assert all(code == 409 and reason == "already_claimed" for code, reason, _ in losers), results
    with app.app_context():
        w = db.session.get(Wish, wish_id)
        assert w.status == "claimed" and w.claimer_id == winners[0][2]
        claims = db.session.scalars(
            db.select(WishEvent).where(WishEvent.wish_id == wish_id, WishEvent.action == "claim")
        ).all()
        assert len(claims) == 1
        told = db.session.scalars(
            db.select(Notification).where(Notification.kind == "wish_claimed")
        ).all()
        assert len(told) == 1


def test_claim_cap_holds_when_one_member_taps_many_at_once(app, world, new_scene, new_wish):
    s = new_scene(members=1)
    member = s.members[0]
    wish_ids = [new_wish(s, title=f"心愿{i}") for i in range(6)]
    h = s.h(member)

    def claim(i: int):
        r = app.test_client().post(f"/api/v1/wishes/{wish_ids[i]}/claim", headers=h)
        return r.status_code, r.json.get("reason")

    results = fire_at_once(6, claim)
    limit = app.config["WISH_CLAIM_LIMIT"]
    assert sorted(results).count((200, None)) == limit, results
    assert [r for r in results if r[0] != 200] == [(409, "claim_limit")] * (6 - limit)
    with app.app_context():
        n = db.session.scalar(
            db.select(db.func.count())
            .select_from(Wish)
            .where(Wish.claimer_id == member.id, Wish.status == "claimed")
        )
        assert n == limit


def test_fulfilled_claims_do_not_count_towards_the_cap(
    app, client, world, force_wish_status, new_scene, new_wish
):
    s = new_scene(members=1)
    member = s.members[0]
    ids = [new_wish(s, title=f"愿望{i}") for i in range(4)]
    for wish_id in ids[:3]:
        assert (
            client.post(f"/api/v1/wishes/{wish_id}/claim", headers=s.h(member)).status_code == 200
        )
    r = client.post(f"/api/v1/wishes/{ids[3]}/claim", headers=s.h(member))
    assert r.status_code == 409 and r.json["reason"] == "claim_limit"
    force_wish_status(ids[0], "fulfilled")
    assert client.post(f"/api/v1/wishes/{ids[3]}/claim", headers=s.h(member)).status_code == 200


def test_only_party_members_claim_and_not_their_own(app, client, world, new_scene, new_wish):
    s = new_scene()
    wish_id = new_wish(s)
    masses = world.person(s.branch)
    r = client.post(f"/api/v1/wishes/{wish_id}/claim", headers=s.h(masses))
    assert r.status_code == 403 and r.json["reason"] == "not_party_member"
    # A party member's own wish.
    own = new_wish(s, title="我的心愿")
    with app.app_context():
        db.session.execute(db.update(Wish).where(Wish.id == own).values(wisher_id=s.members[0].id))
        db.session.commit()
    r = client.post(f"/api/v1/wishes/{own}/claim", headers=s.h(s.members[0]))
    assert r.status_code == 409 and r.json["reason"] == "own_wish"
    # Members of other branches of the same mine may claim: the pool is the mine's.
    r = client.post(f"/api/v1/wishes/{wish_id}/claim", headers=s.h(s.outsider))
    assert r.status_code == 200


def test_claim_of_another_mines_wish_is_404(client, world, new_scene, new_wish):
    s = new_scene()
    wish_id = new_wish(s)
    stranger = world.member(world.branch(world.mine()))
    r = client.post(f"/api/v1/wishes/{wish_id}/claim", headers=s.h(stranger))
    assert r.status_code == 404


def test_deadline_reminder_then_expiry(app, client, world, new_scene, new_wish):
    s = new_scene()
    member = s.members[0]
    wish_id = new_wish(s)
    r = client.post(f"/api/v1/wishes/{wish_id}/claim", headers=s.h(member))
    assert r.status_code == 200
    days = app.config["WISH_CLAIM_DAYS"]
    remind = app.config["WISH_REMIND_DAYS"]
    with app.app_context():
        deadline = db.session.get(Wish, wish_id).claim_deadline
        assert timedelta(days=days - 1) < deadline - utcnow() <= timedelta(days=days)

        # Long before the deadline: nothing happens.
        run = services.run_claim_deadlines(utcnow())
        assert (run.expired, run.reminded) == (0, 0)

        # Inside the reminder window: one reminder, never two.
        near = deadline - timedelta(days=remind) + timedelta(minutes=1)
        assert services.run_claim_deadlines(near).reminded == 1
        assert services.run_claim_deadlines(near + timedelta(hours=1)).reminded == 0
        kinds = db.session.scalars(
            db.select(Notification.kind).where(Notification.person_id == member.id)
        ).all()
        assert kinds == ["claim_deadline_near"]

        # Past the deadline: back to the pool, claimer told, history kept.
        run = services.run_claim_deadlines(deadline + timedelta(seconds=1))
        assert run.expired == 1
        db.session.expire_all()
        w = db.session.get(Wish, wish_id)
        assert (w.status, w.claimer_id, w.claim_deadline, w.reminded_at) == (
            "open",
            None,
            None,
            None,
        )
        e = db.session.scalars(db.select(WishEvent).where(WishEvent.action == "expire")).one()
        assert (e.from_status, e.to_status, e.actor_id) == ("claimed", "open", None)
        assert (
            "claim_expired"
            in db.session.scalars(
                db.select(Notification.kind).where(Notification.person_id == member.id)
            ).all()
        )
        assert services.run_claim_deadlines(deadline + timedelta(days=1)).expired == 0


def test_expiry_racing_with_fulfil_never_overwrites(
    app, client, world, force_wish_status, new_scene, new_wish
):
    """The job saw the wish as overdue, but the claimer fulfilled it first: it stays fulfilled."""
    s = new_scene()
    member = s.members[0]
    wish_id = new_wish(s)
    client.post(f"/api/v1/wishes/{wish_id}/claim", headers=s.h(member))
    later = utcnow() + timedelta(days=app.config["WISH_CLAIM_DAYS"] + 1)
    with app.app_context():
        due = services.due_for_expiry(later)
        assert due == [wish_id]
    force_wish_status(wish_id, "fulfilled")
    with app.app_context():
        assert services.expire_claim(wish_id, later) is False
        db.session.commit()
        assert db.session.get(Wish, wish_id).status == "fulfilled"


def test_expiry_job_runs_concurrently_without_double_effects(
    app, client, world, new_scene, new_wish
):
    s = new_scene(members=3)
    ids = []
    for m in s.members:
        wish_id = new_wish(s, title=f"到期{m.id}")
        client.post(f"/api/v1/wishes/{wish_id}/claim", headers=s.h(m))
        ids.append(wish_id)
    later = utcnow() + timedelta(days=app.config["WISH_CLAIM_DAYS"] + 1)

    def run(_i: int):
        with app.app_context():
            return services.run_claim_deadlines(later).expired

    assert sum(fire_at_once(4, run)) == 3
    with app.app_context():
        assert (
            db.session.scalar(
                db.select(db.func.count())
                .select_from(WishEvent)
                .where(WishEvent.action == "expire")
            )
            == 3
        )
        assert (
            db.session.scalar(
                db.select(db.func.count())
                .select_from(Notification)
                .where(Notification.kind == "claim_expired")
            )
            == 3
        )


def test_service_claim_respects_configured_days(app, world, new_scene):
    s = new_scene()
    with app.app_context():
        app.config["WISH_CLAIM_DAYS"] = 7
        try:
            wisher = db.session.get(Person, s.wisher.id)
            w = services.submit_wish(wisher, "t", "c", "life")
            db.session.commit()
            services.review_wish(
                principal_for_person(db.session.get(Person, s.secretary.id)), w.id, True, None
            )
            db.session.commit()
            now = utcnow()
            member = db.session.get(Person, s.members[0].id)
            services.claim_wish(principal_for_person(member), w.id, now=now)
            db.session.commit()
            assert abs((w.claim_deadline - now) - timedelta(days=7)) < timedelta(seconds=1)
        finally:
            app.config["WISH_CLAIM_DAYS"] = 30


def test_issue9_15_a_claim_past_its_deadline_cannot_be_fulfilled(
    app, client, world, new_scene, new_wish, set_cols, upload_wish_photo
):
    """issue 9 #15: a claim past its deadline could still be fulfilled until the expiry job."""
    s = new_scene()
    member = s.members[0]
    wish_id = new_wish(s)
    assert client.post(f"/api/v1/wishes/{wish_id}/claim", headers=s.h(member)).status_code == 200
    photo = upload_wish_photo(s, member).json["id"]
    set_cols(Wish, wish_id, claim_deadline=utcnow() - timedelta(minutes=1))
    r = client.post(
        f"/api/v1/wishes/{wish_id}/fulfil",
        json={"note": "已送达", "photo_ids": [photo]},
        headers=s.h(member),
    )
    assert r.status_code == 409 and r.json["reason"] == "claim_expired", r.json
    with app.app_context():
        from models import db

        assert db.session.get(Wish, wish_id).status == "claimed"
