"""The cached principal (accounts/principal_cache.py): two app instances stand for two workers,
each with its own in-process cache, sharing one database and one Redis. A change made through
one takes effect on the very next request in the other."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

import pytest
from sqlalchemy import event

from accounts import grants
from accounts.principal_cache import (
    GLOBAL_KEY,
    cache_of,
    person_key,
    session_key,
    snapshot_key,
)
from accounts.tokens import session_id
from app import create_app
from models import Account, Branch, Person, Unit, db, get_redis, utcnow
from models.redis_store import node_client
from models.redis_store import run_id as server_run_id
from tests.support.hr_files import HEADER_CN, csv_bytes


@pytest.fixture
def other(app, base_config):
    """A second worker: its own app, engine and principal cache; the same database and Redis."""
    from miniapp_api.extensions import limiter

    application = create_app(dict(base_config))
    yield application
    limiter.init_app(app)  # the limiter is one per process: give it back to the first app
    stop_listener(application)


def stop_listener(application) -> None:
    """End a worker's invalidation listener (it would end by itself once idle)."""
    tracker = cache_of(application).tracker
    if tracker is not None:
        tracker.stop()


@contextmanager
def counted(application) -> Iterator[list[str]]:
    """Every SQL statement the app's engine sends while the block runs."""
    statements: list[str] = []
    with application.app_context():
        engine = db.engine

    def record(_conn, _cursor, statement, *_args) -> None:
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", record)


def me(application, headers):
    return application.test_client().get("/api/v1/me", headers=headers)


def warm(headers, *apps) -> None:
    """Use the token in every app, twice: the second answer comes from the cache."""
    for application in apps:
        assert me(application, headers).status_code == 200
        with counted(application) as statements:
            assert me(application, headers).status_code == 200
        assert statements == [], statements


def test_a_cached_me_sends_no_sql_and_answers_the_same(app, other, world):
    boss = world.secretary(world.branch(name="一支部"), name="王书记")
    h = world.headers(boss)
    first = me(other, h)
    assert first.status_code == 200
    with counted(other) as statements:
        again = me(other, h)
    assert statements == []
    assert again.json == first.json
    assert again.json["roles"] == ["employee", "member", "secretary"]
    assert again.json["branch"]["name"] == "一支部" and again.json["unit"] == "一支部-区队"


def test_cached_principal_serves_views_that_read_more_of_the_person(app, other, world):
    # The branch's people list reads the person's mine and the branch: a merged Person works.
    branch = world.branch()
    boss = world.secretary(branch)
    world.person(branch, name="张三")
    h = world.headers(boss)
    warm(h, other)
    r = other.test_client().get(f"/api/v1/branches/{branch.id}/people", headers=h)
    assert r.status_code == 200, r.json
    assert "张三" in [p["name"] for p in r.json]


def test_logout_in_one_worker_is_seen_by_the_other(app, other, world):
    h = world.headers(world.person())
    warm(h, app, other)
    assert app.test_client().post("/api/v1/auth/logout", headers=h).status_code == 204
    r = me(other, h)
    assert r.status_code == 401 and r.json["reason"] == "token_revoked"


def test_revoke_all_is_seen_by_the_other(app, other, world):
    from accounts.tokens import revoke_all

    p = world.person()
    h1, h2 = world.headers(p), world.headers(p)
    warm(h1, other)
    warm(h2, other)
    with app.app_context():
        account = db.session.scalar(db.select(Account).where(Account.person_id == p.id))
        assert revoke_all(account.id) == 2
        db.session.commit()
    assert me(other, h1).json["reason"] == "token_revoked"
    assert me(other, h2).json["reason"] == "token_revoked"


def test_unbind_is_seen_by_the_other(app, other, world):
    boss = world.committee()
    miner = world.person(world.branch(world.default_mine()))
    hb, hm = world.headers(boss), world.headers(miner)
    warm(hm, app, other)
    r = app.test_client().post(f"/api/v1/admin/people/{miner.id}/unbind", headers=hb)
    assert r.status_code == 200 and r.json["unbound"] is True
    assert me(other, hm).json["reason"] == "token_revoked"


def test_bind_is_seen_by_the_other(app, other, world):
    world.person(name="新人", phone="13900001234", employee_no="B1")
    c = app.test_client()
    h = {
        "Authorization": "Bearer "
        + c.post("/api/v1/auth/login", json={"code": "demo:b1"}).json["token"]
    }
    warm(h, app, other)
    assert me(other, h).json["bound"] is False
    r = c.post(
        "/api/v1/auth/bind",
        headers=h,
        json={"employee_no": "B1", "name": "新人", "phone_tail": "1234"},
    )
    assert r.status_code == 200, r.json
    after = me(other, h).json
    assert after["bound"] is True and after["name"] == "新人"


def test_grants_given_and_taken_are_seen_by_the_other(app, other, world):
    branch = world.branch(world.default_mine(), name="综采党支部")
    boss = world.committee()
    member = world.member(branch, employee_no="G1")
    hb, hm = world.headers(boss), world.headers(member)
    warm(hm, app, other)
    assert me(other, hm).json["roles"] == ["employee", "member"]

    c = app.test_client()
    r = c.post(
        "/api/v1/admin/grants",
        headers=hb,
        json={"employee_no": "G1", "role": "secretary", "branch": "综采党支部"},
    )
    assert r.status_code == 201, r.json
    got = me(other, hm).json
    assert got["roles"] == ["employee", "member", "secretary"] and got["secretary_of"] == [
        branch.id
    ]
    r = c.post("/api/v1/admin/grants", headers=hb, json={"employee_no": "G1", "role": "committee"})
    assert r.status_code == 201, r.json
    warm(hm, other)
    assert "committee" in me(other, hm).json["roles"]

    with app.app_context():  # revoked one by one (ORM deletes)
        grants.revoke(db.session.get(Person, member.id), "secretary")
        db.session.commit()
    got = me(other, hm).json
    assert got["roles"] == ["employee", "member", "committee"] and got["secretary_of"] == []
    warm(hm, other)
    with app.app_context():  # and in bulk (a Core DELETE), as for leavers
        assert grants.revoke_every_grant({member.id}) == 1
        db.session.commit()
    assert me(other, hm).json["roles"] == ["employee", "member"]


def test_a_person_who_left_is_refused_by_the_other(app, other, world):
    p = world.person()
    h = world.headers(p)
    warm(h, other)
    with app.app_context():  # the roster's person row alone: no token is revoked
        db.session.get(Person, p.id).left_at = utcnow()
        db.session.commit()
    r = me(other, h)
    assert r.status_code == 200 and r.json["bound"] is False
    r = other.test_client().get("/api/v1/wishes/mine", headers=h)
    assert r.status_code == 403 and r.json["reason"] == "person_left"


def test_leave_over_the_api_is_seen_by_the_other(app, other, world):
    boss = world.committee()
    p = world.person(world.branch(world.default_mine()))
    hb, h = world.headers(boss), world.headers(p)
    warm(h, other)
    r = app.test_client().post(f"/api/v1/admin/people/{p.id}/leave", headers=hb)
    assert r.status_code == 200, r.json
    assert me(other, h).status_code == 401


def test_transfer_and_political_status_are_seen_by_the_other(app, other, world):
    a, b = world.branch(name="甲支部"), world.branch(name="乙支部")
    p = world.person(a)
    h = world.headers(p)
    warm(h, other)
    with app.app_context():
        person = db.session.get(Person, p.id)
        person.branch_id = b.id
        person.unit_id = db.session.scalar(db.select(Unit.id).where(Unit.branch_id == b.id))
        db.session.commit()
    got = me(other, h).json
    assert got["branch"]["name"] == "乙支部" and got["unit"] == "乙支部-区队"
    warm(h, other)
    with app.app_context():
        db.session.get(Person, p.id).political_status = "probationary"
        db.session.commit()
    got = me(other, h).json
    assert got["political_status"] == "probationary" and "member" in got["roles"]


def test_a_branch_renamed_is_seen_by_the_other(app, other, world):
    branch = world.branch(name="旧名支部")
    h = world.headers(world.person(branch))
    warm(h, other)
    with app.app_context():
        db.session.get(Branch, branch.id).name = "新名支部"
        db.session.commit()
    assert me(other, h).json["branch"]["name"] == "新名支部"


def test_a_roster_import_that_changes_a_person_is_seen_by_the_other(
    app, other, world, upload_roster
):
    boss = world.committee()
    hb = world.headers(boss)
    rows = [["R001", "赵六", "13800000011", "综采一队", "综采一队党支部", "群众", "否"]]
    assert upload_roster(hb, csv_bytes(rows), "r.csv").status_code == 200
    with app.app_context():
        person = db.session.scalar(db.select(Person).where(Person.employee_no == "R001"))
        db.session.expunge(person)
    h = world.headers(person)
    warm(h, app, other)
    assert me(other, h).json["roles"] == ["employee"]
    rows[0][5] = "中共党员"
    rows[0][3], rows[0][4] = "掘进二队", "掘进二队党支部"
    r = upload_roster(hb, csv_bytes(rows, HEADER_CN), "r2.csv")
    assert r.status_code == 200, r.json
    got = me(other, h).json
    assert got["roles"] == ["employee", "member"]
    assert got["unit"] == "掘进二队" and got["branch"]["name"] == "掘进二队党支部"


def console_cookie(app, person) -> str:
    """A console session for the person (as a sign-in by scan would open it): its cookie."""
    from accounts import console_tickets as tickets

    with app.app_context():
        account = db.session.scalar(db.select(Account).where(Account.person_id == person.id))
        token = tickets.start_session(account, "scan", "127.0.0.1", "pytest")
        db.session.commit()
    return token


def console_get(application, token: str, path: str = "/console/mine"):
    client = application.test_client()
    client.set_cookie("frontline_console", token, path="/console")
    return client.get(path)


def test_console_session_uses_the_cache_and_ends_with_the_grant(app, other, world):
    boss = world.committee()
    world.committee()  # a mine keeps a committee member (issue 19): boss is not the last
    world.account(boss)
    token = console_cookie(app, boss)
    # The same token used on the API first: its entry does not know it is a console session.
    assert me(other, {"Authorization": f"Bearer {token}"}).status_code == 200
    assert console_get(other, token).status_code == 200
    with other.app_context():
        entry = cache_of(other).get(session_id(token))
    assert entry is not None and entry.console is True  # the next page reads it from the cache
    assert console_get(other, token).status_code == 200
    # A phone's bearer token is no console cookie, cached or not.
    h = world.headers(boss)
    warm(h, other)
    r = console_get(other, h["Authorization"].split(" ", 1)[1])
    assert r.status_code == 302 and r.headers["Location"].endswith("/console/login")
    with app.app_context():
        grants.revoke(db.session.get(Person, boss.id), "committee")
        db.session.commit()
    r = console_get(other, token)
    assert r.status_code == 302 and r.headers["Location"].endswith("/console/login")
    with app.app_context():  # the session ended with the role
        from models import AuthSession

        sid = session_id(token)
        assert db.session.get(AuthSession, sid).revoked_at is not None


def flush_seen_by(listening_app, app) -> None:
    """FLUSHDB through `app`, then wait (at most the bound) for `listening_app`'s listener to
    record it. Redis queues a flush's invalidation during the command and may write it just
    after the FLUSHDB's own answer (a key's invalidation comes before the answer, measured), so
    an in-process request could come in between: a flush, an operator's act, is seen within
    AUTH_TRACKING_BOUND_MS (docs/accounts.md)."""
    import time

    tracker = cache_of(listening_app).tracker
    before = tracker.flushed
    with app.app_context():
        get_redis().flushdb()
    deadline = time.monotonic() + tracker.bound
    while tracker.flushed == before and time.monotonic() < deadline:
        time.sleep(0.001)


def test_redis_flushed_still_correct(app, other, world):
    p = world.member()
    h = world.headers(p)
    warm(h, other)
    with app.app_context():
        get_redis().flushdb()
        db.session.get(Person, p.id).political_status = "masses"
        # The change's bump lands on an empty database: the entry's recorded epochs are gone
        # either way, so the old principal can never be served again.
        db.session.commit()
    assert me(other, h).json["roles"] == ["employee"]
    flush_seen_by(other, app)  # a flush alone (no change): a database read, the same answer
    with counted(other) as statements:
        assert me(other, h).json["roles"] == ["employee"]
    assert statements  # it was not served unvalidated


def test_a_restored_old_epoch_does_not_validate_a_stale_entry(app, other, world):
    p = world.member()
    h = world.headers(p)
    warm(h, other)
    with other.app_context():
        # The connection to the server owning the `{auth}` keys (a cluster node, or the Redis).
        other_connection = node_client(get_redis(), person_key(p.id)).client_id()
    with app.app_context():
        key = person_key(p.id)
        old = get_redis().get(key)
        db.session.get(Person, p.id).political_status = "masses"
        db.session.commit()
        assert get_redis().get(key) != old
        # Redis comes back from an older snapshot: the old value is there again, with the
        # shared principal snapshot of that time, which names the server that wrote it (a
        # restarted server has another run_id; this one, shared, cannot restart: the snapshot
        # is given the old server's run_id by hand), and the worker's connection was cut (a
        # restart or a failover does that; only the other app's connection is cut here).
        get_redis().set(key, old)
        sid = session_id(h["Authorization"].split(" ", 1)[1])
        snapshot = json.loads(get_redis().get(snapshot_key(sid)))
        assert snapshot["epochs"][snapshot["keys"].index(key)] == old
        snapshot["run_id"] = "0" * 40
        get_redis().set(snapshot_key(sid), json.dumps(snapshot), ex=60)
        node_client(get_redis(), key).client_kill_filter(_id=other_connection)
    assert me(other, h).json["roles"] == ["employee"]


def test_redis_unreachable_takes_the_database_path(app, base_config, world):
    from miniapp_api.extensions import limiter

    down = create_app(dict(base_config, REDIS_URL="redis://127.0.0.1:9/0"))
    try:
        p = world.member()
        h = world.headers(p)
        for _ in range(2):
            r = me(down, h)
            assert r.status_code == 200 and r.json["roles"] == ["employee", "member"]
        assert len(cache_of(down)) == 0  # nothing is kept that could not be validated
        with app.app_context():
            db.session.get(Person, p.id).political_status = "masses"
            db.session.commit()
        assert me(down, h).json["roles"] == ["employee"]
        with app.app_context():
            account = db.session.scalar(db.select(Account).where(Account.person_id == p.id))
            from accounts.tokens import revoke_all

            revoke_all(account.id)
            db.session.commit()
        assert me(down, h).json["reason"] == "token_revoked"
    finally:
        limiter.init_app(app)
        stop_listener(down)


def test_expired_session_is_not_served_from_the_cache(app, other, world):
    h = world.headers(world.person())
    warm(h, other)
    with app.app_context():
        from models import AuthSession

        sid = session_id(h["Authorization"].split(" ", 1)[1])
        db.session.get(AuthSession, sid).expires_at = utcnow() - timedelta(seconds=1)
        db.session.commit()
    assert me(other, h).json["reason"] == "token_expired"


def test_epoch_keys_are_random_values_set_at_fill(app, other, world):
    p = world.person()
    h = world.headers(p)
    warm(h, other)
    with app.app_context():
        sid = session_id(h["Authorization"].split(" ", 1)[1])
        values = get_redis().mget([session_key(sid), person_key(p.id), GLOBAL_KEY])
    # "<32 random hex>.<ms of the Redis clock when set>" (0: set by a fill, no change recorded)
    assert all(v and len(v.split(".")[0]) == 32 and v.split(".")[1].isdigit() for v in values)


def test_a_change_bumps_its_epoch_at_the_flush_and_again_after_the_commit(app, other, world):
    # Two bumps: a reader that read the old row just before the commit and the epoch between
    # the two bumps still sees its entry voided by the second one.
    p = world.member()
    h = world.headers(p)
    warm(h, other)
    with app.app_context():
        redis = get_redis()
        key = person_key(p.id)
        before = redis.get(key)
        db.session.get(Person, p.id).political_status = "masses"
        db.session.flush()
        at_flush = redis.get(key)
        assert at_flush != before
        db.session.commit()
        after_commit = redis.get(key)
        assert after_commit not in (before, at_flush)
        # A change rolled back is bumped once (harmless) and not again.
        db.session.get(Person, p.id).name = "回滚"
        db.session.flush()
        rolled = redis.get(key)
        db.session.rollback()
        assert redis.get(key) == rolled
    assert me(other, h).json["roles"] == ["employee"]


# --- the shared level: a snapshot in Redis that every worker can use ----------------------------


def sid_of(headers) -> str:
    return session_id(headers["Authorization"].split(" ", 1)[1])


def test_a_token_used_in_one_worker_is_served_by_the_other_without_sql(app, other, world):
    boss = world.secretary(world.branch(name="共享支部"), name="李书记")
    h = world.headers(boss)
    first = me(app, h)
    assert first.status_code == 200
    with counted(other) as statements:
        again = me(other, h)  # the other worker has never seen this token
    assert statements == [], statements
    assert again.json == first.json
    assert again.json["roles"] == ["employee", "member", "secretary"]
    with counted(other) as statements:  # and now it is in its own LRU
        assert me(other, h).json == first.json
    assert statements == []


def test_a_shared_principal_serves_views_that_read_more_of_the_person(app, other, world):
    branch = world.branch()
    boss = world.secretary(branch)
    world.person(branch, name="王五")
    h = world.headers(boss)
    assert me(app, h).status_code == 200
    r = other.test_client().get(f"/api/v1/branches/{branch.id}/people", headers=h)
    assert r.status_code == 200, r.json
    assert "王五" in [p["name"] for p in r.json]


def assert_same_columns(got, expected) -> None:
    from sqlalchemy import inspect

    for key in inspect(type(expected)).columns.keys():
        want, have = getattr(expected, key), getattr(got, key)
        assert have == want and type(have) is type(want), (type(expected).__name__, key)
        if hasattr(want, "tzinfo"):
            assert have.tzinfo == want.tzinfo, key


def test_every_column_round_trips_through_the_snapshot(app, other, world):
    from models import AuthSession

    branch = world.branch(name="往返支部")
    p = world.person(branch, status="probationary", cadre=True, name="钱七")
    with app.app_context():
        person = db.session.get(Person, p.id)
        person.previous_employee_no = "OLD-1"
        person.left_at = utcnow() - timedelta(days=1, microseconds=7)  # left: no roles
        db.session.commit()
    account = world.account(p)
    with app.app_context():
        row = db.session.get(Account, account.id)
        row.unionid, row.session_key = "union-1", "key-1"
        row.last_login_at = utcnow()
        db.session.commit()
    unbound = world.account()  # and one whose nullable columns are None, without a person
    for acc in (account, unbound):
        with app.app_context():
            from accounts.tokens import issue_token

            token, _ = issue_token(db.session.get(Account, acc.id), None, None)
            db.session.commit()
        h = {"Authorization": f"Bearer {token}"}
        assert me(app, h).status_code == 200
        with counted(other) as statements:
            assert me(other, h).status_code == 200
        assert statements == []
        with other.app_context():
            entry = cache_of(other).get(sid_of(h))
        with app.app_context():
            expected = db.session.get(Account, acc.id)
            assert_same_columns(entry.account, expected)
            sess = db.session.get(AuthSession, sid_of(h))
            assert entry.expires_at == sess.expires_at and entry.expires_at.tzinfo is not None
            if expected.person is None:
                assert entry.account.person is None and entry.roles == ()
                continue
            assert entry.left is True and entry.roles == ()
            assert_same_columns(entry.account.person, expected.person)
            assert_same_columns(entry.account.person.unit, expected.person.unit)
            assert_same_columns(entry.account.person.branch, expected.person.branch)
            assert expected.person.left_at.microsecond == entry.account.person.left_at.microsecond


def test_logout_grant_and_unbind_in_one_worker_reach_a_worker_that_never_saw_the_token(
    app, other, world
):
    branch = world.branch(world.default_mine(), name="首见党支部")
    boss = world.committee()
    hb = world.headers(boss)
    member = world.member(branch, employee_no="S1")
    hm = world.headers(member)
    c = app.test_client()

    assert me(app, hm).json["roles"] == ["employee", "member"]  # the shared snapshot is written
    r = c.post(
        "/api/v1/admin/grants",
        headers=hb,
        json={"employee_no": "S1", "role": "secretary", "branch": "首见党支部"},
    )
    assert r.status_code == 201, r.json
    got = me(other, hm).json  # its first request: the snapshot's epochs are old
    assert got["roles"] == ["employee", "member", "secretary"]

    other_worker = create_app_like(other)
    try:
        assert me(app, hm).status_code == 200
        r = c.post(f"/api/v1/admin/people/{member.id}/unbind", headers=hb)
        assert r.status_code == 200 and r.json["unbound"] is True
        assert me(other_worker, hm).json["reason"] == "token_revoked"
    finally:
        from miniapp_api.extensions import limiter

        limiter.init_app(app)

    h = world.headers(world.person())
    assert me(app, h).status_code == 200
    assert c.post("/api/v1/auth/logout", headers=h).status_code == 204
    r = me(other, h)
    assert r.status_code == 401 and r.json["reason"] == "token_revoked"


def create_app_like(application):
    """A third worker, with the configuration of the given one."""
    return create_app(dict(application.config))


def test_a_person_who_left_reaches_a_worker_that_never_saw_the_token(app, other, world):
    p = world.person()
    h = world.headers(p)
    assert me(app, h).json["bound"] is True
    with app.app_context():
        db.session.get(Person, p.id).left_at = utcnow()
        db.session.commit()
    r = other.test_client().get("/api/v1/wishes/mine", headers=h)
    assert r.status_code == 403 and r.json["reason"] == "person_left"


def edited_snapshot(application, headers, **changes) -> None:
    """Rewrite the token's shared snapshot by hand (a principal the database never had)."""
    with application.app_context():
        key = snapshot_key(sid_of(headers))
        snapshot = json.loads(get_redis().get(key))
        snapshot.update(changes)
        get_redis().set(key, json.dumps(snapshot), ex=60)


def test_a_snapshot_written_under_another_redis_server_is_not_served(app, other, world):
    p = world.member()
    h = world.headers(p)
    assert me(app, h).json["roles"] == ["employee", "member"]
    roles = ["employee", "member", "committee"]
    edited_snapshot(app, h, roles=roles, run_id="f" * 40)
    with counted(other) as statements:
        assert me(other, h).json["roles"] == ["employee", "member"]
    assert statements  # read from the database
    # The same hand-made snapshot under this server's run_id is served: only the run_id differed.
    third = create_app_like(other)
    try:
        with app.app_context():
            # The server holding the snapshot (on a cluster: the node owning `{auth}`).
            run_id = server_run_id(get_redis(), snapshot_key(sid_of(h)))
        assert run_id
        edited_snapshot(app, h, roles=roles, run_id=run_id)
        assert me(third, h).json["roles"] == roles
    finally:
        from miniapp_api.extensions import limiter

        limiter.init_app(app)


def test_a_snapshot_older_than_the_max_age_is_not_served(app, other, world):
    import time

    p = world.member()
    h = world.headers(p)
    assert me(app, h).status_code == 200
    max_age = float(app.config["AUTH_CACHE_SECONDS"])
    edited_snapshot(app, h, roles=["employee"], filled_at=time.time() - max_age - 1)
    with counted(other) as statements:
        assert me(other, h).json["roles"] == ["employee", "member"]
    assert statements


def test_a_redis_error_on_the_shared_read_takes_the_database_path(app, other, world):
    p = world.member()
    h = world.headers(p)
    assert me(app, h).status_code == 200
    with app.app_context():  # a value of the wrong type: GET in the read script fails
        key = snapshot_key(sid_of(h))
        get_redis().delete(key)
        get_redis().hset(key, "x", "1")
    with counted(other) as statements:
        r = me(other, h)
    assert r.status_code == 200 and r.json["roles"] == ["employee", "member"]
    assert statements
    assert cache_of(other).circuit.is_open()  # the circuit is open: nothing was cached
    assert len(cache_of(other)) == 0


def test_a_fill_that_read_before_a_commit_is_not_kept(app, other, world, monkeypatch):
    """The race a fill runs into: it loads the rows, a writer commits a change and bumps its
    epochs, then the fill records the epochs. The entry would carry the new epochs with the
    old rows and pass every later check; the epochs' clock stamps make the fill keep nothing,
    so the next request reads the database (and the change) again — in this worker and in the
    shared level."""
    from accounts import principal_cache

    p = world.member()
    h = world.headers(p)
    real = principal_cache.load_session
    changed: list[bool] = []

    def load_then_a_writer_commits(sid):
        session = real(sid)
        person = session.account.person
        assert person.unit and person.branch  # the old rows are in hand
        # End this read (SQLite's reader would hold the writer off until the request's end;
        # PostgreSQL and MariaDB let it commit meanwhile): what was read stays in hand.
        db.session.expunge_all()
        db.session.rollback()
        if not changed:
            changed.append(True)
            with app.app_context():  # another worker demotes the member meanwhile
                db.session.get(Person, p.id).political_status = "masses"
                db.session.commit()
        return session

    monkeypatch.setattr(principal_cache, "load_session", load_then_a_writer_commits)
    first = me(other, h).json
    assert "member" in first["roles"]  # this answer was read before the commit: so be it
    monkeypatch.setattr(principal_cache, "load_session", real)
    for application in (other, app):  # neither this worker nor another one keeps the old rows
        got = me(application, h).json
        assert got["political_status"] == "masses" and "member" not in got["roles"], got


# --- validation without a round trip: the invalidation listener ---------------------------------


def listening(application, timeout: float = 5.0):
    """The app's tracker once its listener is connected and has a fresh PING answer."""
    import time

    tracker = cache_of(application).tracker
    assert tracker is not None
    tracker.ensure_running()
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if tracker.connected and time.monotonic() - tracker.fence < tracker.bound / 2:
            return tracker
        time.sleep(0.01)
    raise AssertionError("the invalidation listener did not connect")


@contextmanager
def redis_commands(application) -> Iterator[list[tuple]]:
    """Every command the app's Redis client sends while the block runs."""
    client = application.extensions["redis"]
    sent: list[tuple] = []
    original = client.execute_command

    def record(*args, **kwargs):
        sent.append(args)
        return original(*args, **kwargs)

    client.execute_command = record
    try:
        yield sent
    finally:
        del client.execute_command


def warm_listening(headers, application) -> None:
    """Fill the app's entry and use it until it is served without Redis (a fill's own SET of a
    missing epoch key is an invalidation too: the next request validates with Redis once)."""
    listening(application)
    assert me(application, headers).status_code == 200
    for _ in range(50):
        listening(application)
        with redis_commands(application) as sent:
            assert me(application, headers).status_code == 200
        if not sent:
            return
    raise AssertionError("the entry is never served without Redis")


def test_a_cached_me_sends_nothing_to_redis_while_the_listener_is_fresh(app, other, world):
    # (Tracking is by key name on the whole server: on a Redis shared with other databases their
    # bumps of same-named keys can make one request ask Redis; then the next one is tried.)
    h = world.headers(world.member())
    first = me(other, h).json
    warm_listening(h, other)
    for _ in range(20):
        listening(other)
        with redis_commands(other) as sent, counted(other) as statements:
            again = me(other, h)
        assert again.json == first
        assert statements == []
        if not sent:
            return
        assert [c[0] for c in sent] == ["MGET"], sent
    raise AssertionError("a fresh listener never vouched for the entry")


def test_a_change_is_seen_by_a_listening_worker_on_its_next_request(app, other, world):
    # The invalidation is in the listener's socket before the writer has its answer: the next
    # request, in any worker, finds it there (or applied) and asks Redis.
    p = world.member()
    h = world.headers(p)
    warm_listening(h, app)
    warm_listening(h, other)
    with app.app_context():
        db.session.get(Person, p.id).political_status = "masses"
        db.session.commit()
    assert me(other, h).json["roles"] == ["employee"]
    assert me(app, h).json["roles"] == ["employee"]  # and in the writer's own worker
    assert app.test_client().post("/api/v1/auth/logout", headers=h).status_code == 204
    assert me(app, h).json["reason"] == "token_revoked"
    assert me(other, h).json["reason"] == "token_revoked"


def test_a_flush_voids_every_entry_of_a_listening_worker(app, other, world):
    h = world.headers(world.member())
    warm_listening(h, other)
    flush_seen_by(other, app)
    with counted(other) as statements:
        assert me(other, h).json["roles"] == ["employee", "member"]
    assert statements  # not served on the old picture: the database was read again


def test_with_the_listener_stopped_every_request_asks_redis(app, other, world):
    p = world.member()
    h = world.headers(p)
    warm_listening(h, other)
    tracker = cache_of(other).tracker
    tracker.stop()
    tracker.ensure_running = lambda: None  # a listener that is dead and stays dead
    with redis_commands(other) as sent:
        assert me(other, h).json["roles"] == ["employee", "member"]
    assert [c[0] for c in sent] == ["MGET"], sent
    with app.app_context():
        db.session.get(Person, p.id).political_status = "masses"
        db.session.commit()
    assert me(other, h).json["roles"] == ["employee"]


def test_a_lagging_listener_serves_a_change_within_the_bound(app, other, world, monkeypatch):
    # AUTH_TRACKING_BOUND_MS: an invalidation still on its way (not in the socket yet, a PING
    # answer not back) may go unseen for at most the bound; after it, the MGET path decides.
    import time

    p = world.member()
    h = world.headers(p)
    warm_listening(h, other)
    tracker = cache_of(other).tracker
    frozen = __import__("threading").Event()

    def stalled(_conn, timeout):  # nothing more arrives on the listener's connection
        frozen.wait(timeout)
        return False

    monkeypatch.setattr(tracker, "_wait_readable", stalled)
    monkeypatch.setattr(tracker, "_unread", lambda: False)
    time.sleep(tracker.interval * 2)  # the stalled loop no longer reads
    changed_at = time.monotonic()
    with app.app_context():
        db.session.get(Person, p.id).political_status = "masses"
        db.session.commit()
    served = me(other, h).json["roles"]
    if time.monotonic() - tracker.fence <= tracker.bound:
        assert served == ["employee", "member"]  # within the bound: the old picture
    time.sleep(max(0.0, tracker.fence + tracker.bound - time.monotonic()) + 0.01)
    assert time.monotonic() - changed_at <= tracker.bound + 1
    with redis_commands(other) as sent:
        assert me(other, h).json["roles"] == ["employee"]  # after the bound: seen
    assert sent, "past the bound the entry is validated by Redis"
    frozen.set()


def test_a_listener_reconnect_voids_what_it_vouched_for(app, other, world):
    h = world.headers(world.member())
    warm_listening(h, other)
    tracker = cache_of(other).tracker
    before = tracker.connection
    with other.app_context():  # the listener's connection is cut (a restart would do that)
        node_client(get_redis(), GLOBAL_KEY).client_kill_filter(_id=tracker.client_id)
    import time

    deadline = time.monotonic() + 5
    while tracker.connection == before and time.monotonic() < deadline:
        time.sleep(0.01)
    assert tracker.connection != before
    with redis_commands(other) as sent:
        assert me(other, h).status_code == 200
    assert sent  # the entry's mark is from the old connection: Redis is asked


# --- the plain principal and the checked token ---------------------------------------------------


def test_a_cached_principal_hands_a_view_the_row_its_session_already_holds(app, other, world):
    # The ORM rows go into the session only when a view asks; a row the view loaded (and
    # changed) before asking is the one it gets, never overwritten by the cached copy.
    from miniapp_api.auth import current_principal

    p = world.member(name="原名")
    h = world.headers(p)
    warm(h, other)
    with other.test_request_context("/api/v1/me", headers=h):
        principal = current_principal()
        assert principal.bound and principal.person_id == p.id
        assert principal.view.name == "原名"
        assert len(db.session.identity_map) == 0  # nothing attached for roles, ids, the view
        mine = db.session.get(Person, p.id)
        mine.name = "改名"
        assert principal.person is mine and principal.person.name == "改名"
        db.session.rollback()
    with other.test_request_context("/api/v1/me", headers=h):
        principal = current_principal()
        with counted(other) as statements:
            assert principal.person.name == "原名"  # attached from the cache: no SQL
        assert statements == []
        db.session.rollback()


def test_a_token_checked_before_is_refused_once_the_key_or_its_age_says_so(app, other, world):
    h = world.headers(world.person())
    warm(h, other)
    ttl, key = other.config["TOKEN_TTL_SECONDS"], other.config["SECRET_KEY"]
    try:
        other.config["TOKEN_TTL_SECONDS"] = -1
        assert me(other, h).json["reason"] == "token_expired"
        other.config["TOKEN_TTL_SECONDS"] = ttl
        other.config["SECRET_KEY"] = "another-secret"
        assert me(other, h).json["reason"] == "token_invalid"
    finally:
        other.config["TOKEN_TTL_SECONDS"], other.config["SECRET_KEY"] = ttl, key
    assert me(other, h).status_code == 200


def test_the_listener_starts_with_the_first_request_not_with_the_app(app, base_config, world):
    # gunicorn's master builds the app before it forks: no thread, no connection there.
    import threading

    from miniapp_api.extensions import limiter

    fresh = create_app(dict(base_config))
    try:
        tracker = cache_of(fresh).tracker
        assert tracker._thread is None and not tracker.connected
        h = world.headers(world.person())
        assert me(fresh, h).status_code == 200
        assert tracker._thread is not None and tracker._thread.is_alive()
        assert tracker._thread.daemon and tracker._thread in threading.enumerate()
        listening(fresh)
    finally:
        limiter.init_app(app)
        stop_listener(fresh)
    assert not tracker._thread.is_alive()
