"""The message centre: every notification is an inbox item of its person (Chinese title and
text, a link), listed newest first with a cursor, an unread count cached in Redis and kept
right, marking read, another person's item 404, the purge job, leavers."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from models import Notification, Person, db, utcnow
from notifications import inbox, notify
from notifications.jobs import purge_inbox
from notifications.kinds import KINDS

CJK = re.compile(r"[\u4e00-\u9fff]")


def _notify(app, person_id: int, kind: str = "wish_claimed", page: str | None = None, **data):
    with app.app_context():
        n = notify(person_id, kind, data or KINDS[kind].sample(), page)
        db.session.commit()
        return n.id


def test_every_kind_has_a_chinese_title_text_and_link():
    assert inbox.check_wordings() == []
    for name, spec in KINDS.items():
        item = inbox.render(name, spec.sample(), None)
        assert CJK.search(item["title"]) and CJK.search(item["text"]), name
        assert item["link"].startswith("pages/"), name
        # Not cut to WeChat's 20 characters: the whole sample text is there.
        if "title" in spec.keys:
            assert spec.sample()["title"] in item["text"], name


def test_every_kind_lands_in_the_inbox(app, client, world):
    person = world.member()
    h = world.headers(person)
    for kind in KINDS:
        _notify(app, person.id, kind)
    r = client.get("/api/v1/inbox?limit=100", headers=h)
    assert r.status_code == 200, r.json
    items = r.json["items"]
    assert sorted(i["kind"] for i in items) == sorted(KINDS)
    assert [i["id"] for i in items] == sorted((i["id"] for i in items), reverse=True)
    for i in items:
        assert CJK.search(i["title"]) and i["link"].startswith("pages/") and i["read_at"] is None


def test_a_wish_flow_lands_with_links_that_open_the_wish(app, client, world, new_wish, wish_scene):
    s = wish_scene()
    wish_id = new_wish(s)
    r = client.post(f"/api/v1/wishes/{wish_id}/claim", headers=s.h(s.members[0]))
    assert r.status_code == 200
    by_person = {}
    for who in (s.secretary, s.wisher):
        items = client.get("/api/v1/inbox", headers=s.h(who)).json["items"]
        by_person[who.id] = {i["kind"]: i for i in items}
    submitted = by_person[s.secretary.id]["wish_submitted"]
    assert submitted["title"] == "有新的微心愿待审核" and "孩子需要一个书包" in submitted["text"]
    for kind in ("wish_reviewed", "wish_claimed"):
        item = by_person[s.wisher.id][kind]
        assert item["link"] == f"pages/wishes/detail?id={wish_id}"
    # The link opens: the page's id is the wish, and its recipients may read it.
    for who, item in ((s.wisher, by_person[s.wisher.id]["wish_claimed"]), (s.secretary, submitted)):
        wid = int(item["link"].split("id=")[1])
        assert wid == wish_id
        assert client.get(f"/api/v1/wishes/{wid}", headers=s.h(who)).status_code == 200


def test_cursor_pages_and_filters(app, client, world):
    person = world.member()
    h = world.headers(person)
    ids = [_notify(app, person.id) for _ in range(5)]
    other = _notify(app, person.id, "vote_reminder")
    r = client.get("/api/v1/inbox?limit=4", headers=h).json
    assert [i["id"] for i in r["items"]] == [other, *ids[::-1][:3]]
    r2 = client.get(f"/api/v1/inbox?limit=4&before={r['next_cursor']}", headers=h).json
    assert [i["id"] for i in r2["items"]] == ids[1::-1] and r2["next_cursor"] is None
    kinds = client.get("/api/v1/inbox?kind=vote_reminder", headers=h).json["items"]
    assert [i["id"] for i in kinds] == [other]
    client.post(f"/api/v1/inbox/{ids[0]}/read", headers=h)
    unread = client.get("/api/v1/inbox?unread=true&limit=100", headers=h).json["items"]
    assert ids[0] not in {i["id"] for i in unread} and len(unread) == 5
    assert client.get("/api/v1/inbox?kind=nope", headers=h).status_code == 422


def test_unread_count_marking_and_invalidation(app, client, world):
    person = world.member()
    h = world.headers(person)
    count = lambda: client.get("/api/v1/inbox/unread-count", headers=h).json["unread"]  # noqa: E731
    assert count() == 0
    first = _notify(app, person.id)
    assert count() == 1  # a committed notification makes the cached 0 stale
    assert count() == 1  # now served from Redis
    _notify(app, person.id)
    _notify(app, person.id)
    assert count() == 3
    r = client.post(f"/api/v1/inbox/{first}/read", headers=h)
    assert r.status_code == 200 and r.json["read_at"] is not None
    assert count() == 2
    again = client.post(f"/api/v1/inbox/{first}/read", headers=h)
    assert again.status_code == 200 and again.json["read_at"] == r.json["read_at"]
    r = client.post("/api/v1/inbox/read-all", headers=h)
    assert r.status_code == 200 and r.json == {"marked": 2}
    assert count() == 0
    assert client.post("/api/v1/inbox/read-all", headers=h).json == {"marked": 0}


def test_a_count_from_before_a_change_is_never_served_after_it(app, world):
    person = world.member()
    with app.app_context():
        assert inbox.unread_count(person.id) == 0
        # A reader that counted before the commit writes its (old) count after the bump.
        gen_key, count_key = inbox._keys(person.id)
        r = inbox.get_redis()
        old_gen = r.get(gen_key) or "0"
    _notify(app, person.id)
    with app.app_context():
        inbox.get_redis().set(count_key, f"{old_gen}:0")
        assert inbox.unread_count(person.id) == 1


def test_the_count_falls_back_to_the_database_when_redis_is_down(app, client, world, monkeypatch):
    import redis

    person = world.member()
    h = world.headers(person)
    _notify(app, person.id)

    class Down:
        def __getattr__(self, name):
            def fail(*a, **k):
                raise redis.exceptions.ConnectionError("down")

            return fail

    monkeypatch.setattr(inbox, "get_redis", lambda: Down())
    assert client.get("/api/v1/inbox/unread-count", headers=h).json == {"unread": 1}
    # Marking read still works: the bump after the commit is only logged.
    r = client.post("/api/v1/inbox/read-all", headers=h)
    assert r.status_code == 200 and r.json == {"marked": 1}
    assert client.get("/api/v1/inbox/unread-count", headers=h).json == {"unread": 0}


def test_another_persons_item_is_404(app, client, world):
    owner, other = world.member(), world.member()
    nid = _notify(app, owner.id)
    h = world.headers(other)
    r = client.post(f"/api/v1/inbox/{nid}/read", headers=h)
    assert r.status_code == 404 and r.json["reason"] == "not_found"
    assert client.post("/api/v1/inbox/999999/read", headers=h).status_code == 404
    assert client.get("/api/v1/inbox", headers=h).json["items"] == []
    with app.app_context():
        assert db.session.get(Notification, nid).read_at is None


def test_the_inbox_needs_a_login(client):
    assert client.get("/api/v1/inbox").status_code == 401
    assert client.get("/api/v1/inbox/unread-count").status_code == 401


def test_purge_keeps_recent_and_pending_items(app, world):
    person = world.member()
    old, recent, pending = (_notify(app, person.id) for _ in range(3))
    with app.app_context():
        long_ago = utcnow() - timedelta(days=200)
        db.session.execute(
            db.update(Notification)
            .where(Notification.id.in_([old, pending]))
            .values(created_at=long_ago)
        )
        db.session.execute(
            db.update(Notification)
            .where(Notification.id.in_([old, recent]))
            .values(status="skipped")
        )
        db.session.commit()
        assert inbox.unread_count(person.id) == 3
        assert purge_inbox(app.config["INBOX_KEEP_DAYS"]) == 1
        left = set(db.session.scalars(db.select(Notification.id)))
        assert old not in left and {recent, pending} <= left
        assert inbox.unread_count(person.id) == 2
        # Configurable: a shorter keep purges more.
        assert purge_inbox(0) == 1


def test_purge_runs_from_the_schedule():
    from jobs.schedule import PERIODIC

    assert any(p.func == "notifications.jobs.purge_inbox_job" for p in PERIODIC)


def test_a_transfer_keeps_the_items_a_leaver_reads_none(app, client, world):
    person = world.member()
    h = world.headers(person)
    nid = _notify(app, person.id)
    new_branch = world.branch()
    with app.app_context():
        db.session.execute(
            db.update(Person).where(Person.id == person.id).values(branch_id=new_branch.id)
        )
        db.session.commit()
    assert [i["id"] for i in client.get("/api/v1/inbox", headers=h).json["items"]] == [nid]
    with app.app_context():
        db.session.execute(db.update(Person).where(Person.id == person.id).values(left_at=utcnow()))
        db.session.commit()
    h2 = world.headers(person)
    r = client.get("/api/v1/inbox", headers=h2)
    assert r.status_code in (401, 403) and r.json["reason"] == "person_left", r.json


@pytest.mark.parametrize("path", ["/api/v1/inbox", "/api/v1/inbox/unread-count", "/api/v1/todo"])
def test_inbox_paths_are_in_the_openapi_document(client, path):
    spec = client.get("/api/v1/openapi.json").json
    assert path in spec["paths"]


def test_a_wish_posted_notifies_the_secretary_once(app, client, world, pending_wish, wish_scene):
    s = wish_scene()
    pending_wish(s)
    items = client.get("/api/v1/inbox", headers=s.h(s.secretary)).json["items"]
    assert [i["kind"] for i in items] == ["wish_submitted"]
