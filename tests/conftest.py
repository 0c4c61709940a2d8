"""Fixtures on real services: DATABASE_URL / REDIS_URL when set, else SQLite + embedded Redis.

RQ_REDIS_URL gives the job queue a Redis database of its own (required when REDIS_URL is a
Redis Cluster, where RQ cannot run), emptied after each test like the app's.
TEST_REDIS=cluster runs the session on a six-node Redis Cluster started for the run
(tests/support/redis_cluster.py; REDIS_URL=redis+cluster://... names one already running), with
a plain Redis beside it for the job queue unless RQ_REDIS_URL names one. Run it on the tests
marked `redis_cluster` (`pytest -m redis_cluster`): the ones that touch Redis.
TEST_STORAGE_BACKEND=s3 stores every file of the run in an S3-compatible store: moto's S3 server
started for the run, or the one S3_TEST_ENDPOINT_URL names (tests/support/s3_server.py).

A backend named in the environment that cannot be reached fails the run; nothing is skipped.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterator
from typing import Any

import pytest

from accounts.tokens import issue_token
from app import create_app
from config import rq_url_problem
from models import Account, Branch, Mine, Person, RoleGrant, Unit, db, get_redis, utcnow
from tests.support.fake_wechat import FakeWeChat
from tests.support.live_server import LiveServer
from tests.support.redis_cluster import RedisClusterServer
from tests.support.s3_server import S3Server
from tests.support.schema import rebuild_schema
from tests.support.wechat import PUSH_TOKEN, wechat_config

# Every folder's factories as fixtures (new_campaign, new_wish, new_team, ...), for any test.
pytest_plugins = ["tests.support.fixtures"]

# The tests that touch Redis (votes, the principal cache, limits, notifications and their
# queue): marked `redis_cluster`, run again on a six-node cluster by .ci/run.
REDIS_CLUSTER_TESTS = (
    "tests/votes/",
    "tests/accounts/test_principal_cache.py",
    "tests/accounts/test_limits_nat.py",
    "tests/notifications/",
    "tests/platform/test_redis_down.py",
    "tests/platform/test_redis_error_replies.py",
    "tests/platform/test_redis_cluster.py",
)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark the Redis tests `redis_cluster`; the failover test (which starts a cluster of its
    own and kills a master) is only collected in the cluster run (TEST_REDIS=cluster)."""
    root = config.rootpath
    cluster_run = os.environ.get("TEST_REDIS", "").lower() == "cluster"
    kept, dropped = [], []
    for item in items:
        path = item.path.relative_to(root).as_posix()
        if path.startswith(REDIS_CLUSTER_TESTS):
            item.add_marker(pytest.mark.redis_cluster)
        (dropped if item.get_closest_marker("failover") and not cluster_run else kept).append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = kept


def _base_config(tmp: str) -> dict[str, Any]:
    return {
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "DATABASE_URL": os.environ.get("DATABASE_URL", ""),
        "SQLALCHEMY_DATABASE_URI": os.environ.get("DATABASE_URL")
        or f"sqlite:///{tmp}/test.sqlite3",
        "REDIS_URL": os.environ.get("REDIS_URL", ""),
        "RQ_REDIS_URL": os.environ.get("RQ_REDIS_URL", ""),
        "EMBEDDED_REDIS_PATH": f"{tmp}/redis.db",
        "UPLOAD_DIR": f"{tmp}/uploads",
        "WECHAT_APPID": "",
        "WECHAT_SECRET": "",
    }


@pytest.fixture(scope="session")
def base_config(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    config = _base_config(str(tmp_path_factory.mktemp("frontline")))
    cluster = None
    s3 = None
    # Whatever fails after a server started (a missing module, a bucket refused), the servers
    # started here are stopped: they would otherwise outlive the run.
    try:
        if os.environ.get("TEST_REDIS", "").lower() == "cluster" and not config["REDIS_URL"]:
            cluster = RedisClusterServer().start()
            config["REDIS_URL"] = cluster.url
            if not config["RQ_REDIS_URL"]:
                config["RQ_REDIS_URL"] = cluster.start_queue_server()
        problem = rq_url_problem(config)
        if problem:
            raise pytest.UsageError(f"the job queue needs {problem}")
        if os.environ.get("TEST_STORAGE_BACKEND", "local").lower() == "s3":
            s3 = S3Server().start()
            config.update(s3.config(s3.new_bucket()))
        yield config
    finally:
        if s3 is not None:
            s3.stop()
        if cluster is not None:
            cluster.stop()


@pytest.fixture(scope="session")
def app(base_config: dict[str, Any]):
    """One app for the session, its schema built by the migrations (as in production)."""
    application = create_app(base_config)
    with application.app_context():
        rebuild_schema()  # a database left over from an earlier local run is emptied first
        get_redis().ping()
    yield application


@pytest.fixture(autouse=True)
def _clean(request: pytest.FixtureRequest) -> Iterator[None]:
    """Empty every table and the Redis database after each test that used the app."""
    yield
    if "app" not in request.fixturenames:
        return
    application = request.getfixturevalue("app")
    with application.app_context():
        db.session.rollback()
        db.session.remove()
        with db.engine.begin() as conn:
            for table in reversed(db.metadata.sorted_tables):
                # A row pointing at a row of its own table (a 班组's 区队): MariaDB checks the
                # key row by row within one DELETE, so those links go first.
                own = [
                    fk.parent.name
                    for fk in table.foreign_keys
                    if fk.column.table is table and fk.parent.nullable
                ]
                if own:
                    conn.execute(table.update().values(dict.fromkeys(own)))
                conn.execute(table.delete())
        get_redis().flushdb()
        # Process-local copies of what the tables held (ids are reused after the DELETEs).
        from votes.campaigns import forget_board_state

        forget_board_state()
        if application.config.get("RQ_REDIS_URL"):
            from jobs import rq_connection

            rq_connection(application).flushdb()  # the queue's own database
        from miniapp_api.extensions import limiter

        limiter.reset()
        from votes import ballots, tallies

        # In-process limits of the Redis-down paths: process-wide, while ids restart per test.
        tallies.reset_fallback_limits()
        ballots._memory_limiter.storage.reset()


@pytest.fixture
def ctx(app):
    """An app context for calling services directly."""
    with app.app_context():
        yield
        db.session.rollback()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def any_talk_rule(app, monkeypatch: pytest.MonkeyPatch) -> None:
    """Mines without a rule of their own count any paired talk (the rule before the seed's,
    still a setting: TALK_RULE_BASIS=any) — for tests of the month's mechanics, not its rule."""
    monkeypatch.setitem(app.config, "TALK_RULE_BASIS", "any")


_seq = itertools.count(1)


class World:
    """Factories for the organisation and people; each returns committed rows."""

    def __init__(self, app) -> None:
        self.app = app

    def mine(self, name: str | None = None) -> Mine:
        with self.app.app_context():
            m = Mine(name=name or f"测试矿{next(_seq)}")
            db.session.add(m)
            db.session.commit()
            db.session.refresh(m)
            db.session.expunge(m)
            return m

    def branch(self, mine: Mine | None = None, name: str | None = None) -> Branch:
        mine = mine or self.default_mine()
        with self.app.app_context():
            b = Branch(mine_id=mine.id, name=name or f"第{next(_seq)}党支部")
            db.session.add(b)
            db.session.flush()
            u = Unit(mine_id=mine.id, name=f"{b.name}-区队", branch_id=b.id)
            db.session.add(u)
            db.session.commit()
            db.session.refresh(b)
            db.session.expunge(b)
            return b

    _default_mine_id: int | None = None

    def default_mine(self) -> Mine:
        with self.app.app_context():
            m = db.session.scalar(db.select(Mine).order_by(Mine.id))
            if m is not None:
                db.session.expunge(m)
                return m
        return self.mine()

    def person(
        self,
        branch: Branch | None = None,
        *,
        status: str = "masses",
        cadre: bool = False,
        name: str | None = None,
        phone: str | None = None,
        employee_no: str | None = None,
    ) -> Person:
        branch = branch or self.branch()
        n = next(_seq)
        with self.app.app_context():
            unit = db.session.scalar(db.select(Unit).where(Unit.branch_id == branch.id))
            p = Person(
                mine_id=branch.mine_id,
                employee_no=employee_no or f"T{n:06d}",
                name=name or f"测试{n}",
                phone=phone or f"139{n:08d}",
                unit_id=unit.id,
                branch_id=branch.id,
                political_status=status,
                is_cadre=cadre,
            )
            db.session.add(p)
            db.session.commit()
            db.session.refresh(p)
            db.session.expunge(p)
            return p

    def member(self, branch: Branch | None = None, **kw: Any) -> Person:
        return self.person(branch, status="member", **kw)

    def grant(self, person: Person, role: str, branch: Branch | None = None) -> None:
        with self.app.app_context():
            db.session.add(
                RoleGrant(person_id=person.id, role=role, branch_id=branch.id if branch else None)
            )
            db.session.commit()

    def secretary(self, branch: Branch | None = None, **kw: Any) -> Person:
        branch = branch or self.branch()
        p = self.member(branch, **kw)
        self.grant(p, "secretary", branch)
        return p

    def committee(self, mine: Mine | None = None, **kw: Any) -> Person:
        branch = self.branch(mine) if mine else self.branch()
        p = self.member(branch, **kw)
        self.grant(p, "committee")
        return p

    def account(self, person: Person | None = None, openid: str | None = None) -> Account:
        with self.app.app_context():
            a = Account(
                openid=openid or f"openid-{next(_seq)}",
                person_id=person.id if person else None,
                bound_at=utcnow() if person else None,
            )
            db.session.add(a)
            db.session.commit()
            db.session.refresh(a)
            db.session.expunge(a)
            return a

    def headers(
        self, person: Person | None = None, account: Account | None = None
    ) -> dict[str, str]:
        """Authorization headers for a person (a bound account is made for them)."""
        if account is None:
            with self.app.app_context():
                account = (
                    db.session.scalar(db.select(Account).where(Account.person_id == person.id))
                    if person
                    else None
                )
            account = account or self.account(person)
        with self.app.app_context():
            acc = db.session.get(Account, account.id)
            token, _ = issue_token(acc, "127.0.0.1", "pytest")
            db.session.commit()
        return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def world(app) -> World:
    return World(app)


@pytest.fixture
def fake_wechat() -> Iterator[FakeWeChat]:
    server = FakeWeChat().start()
    yield server
    server.stop()


@pytest.fixture
def wechat_app(base_config: dict[str, Any], app, fake_wechat: FakeWeChat):
    """An app with WeChat configured against the fake server (same database and Redis)."""
    return create_app(wechat_config(base_config, fake_wechat))


@pytest.fixture
def live_wechat(base_config: dict[str, Any], app, fake_wechat: FakeWeChat):
    """(app, server): WeChat configured against the fake, served on loopback, PUBLIC_BASE_URL
    pointing at it, and the fake pushing its image-check results to our push endpoint."""
    server = LiveServer()
    application = create_app(wechat_config(base_config, fake_wechat, PUBLIC_BASE_URL=server.url))
    server.start(application)
    fake_wechat.configure_push(f"{server.url}/api/v1/wechat/push", PUSH_TOKEN)
    yield application, server
    server.stop()
