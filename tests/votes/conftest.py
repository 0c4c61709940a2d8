"""Fixtures only the voting tests use: counts read back, Redis taken away or swapped, the
statements and round trips a request costs, database faults (tests/votes/factory.py holds the
plain functions). The campaign itself (`new_campaign`, `cast_vote`, `close_and_publish`,
`end_notice`, `ballot_count`, `start_redis`) comes from tests/support/fixtures.py, as for
every folder."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from functools import partial

import pytest
from sqlalchemy.engine import make_url

from tests.support.fixtures import on_client
from tests.votes import factory
from votes import live


@pytest.fixture
def fresh_vote_path(app):
    """A closed circuit, no pending invalidations and no per-account vote limit in the way (the
    fault tests vote fast from few accounts); restored after the test."""
    live.reset_circuit()
    live.scripts._pending_invalidations.clear()
    saved = app.config["VOTE_ACCOUNT_PER_MINUTE"]
    app.config["VOTE_ACCOUNT_PER_MINUTE"] = 10000
    yield
    app.config["VOTE_ACCOUNT_PER_MINUTE"] = saved
    live.reset_circuit()
    live.scripts._pending_invalidations.clear()


@pytest.fixture
def db_counts(app) -> Callable[..., dict[int, int]]:
    """db_counts(campaign_id): the database's ballots not voided, candidate id → votes (the
    ones with votes)."""
    return partial(factory.db_counts, app)


@pytest.fixture
def redis_counts(app) -> Callable[..., dict[int, int]]:
    """redis_counts(campaign_id): Redis's tallies, candidate id → votes (the ones with votes)."""
    return partial(factory.redis_counts, app)


@pytest.fixture
def read_board(client) -> Callable[..., dict[int, int]]:
    """read_board(setup, headers, category="safety"): the public leaderboard (200), candidate
    id → votes."""
    return on_client(factory.board, client)


@pytest.fixture
def db_board(app) -> Callable[..., dict[int, int]]:
    """db_board(setup, category="safety"): the database's count of every candidate of the
    category (0 where none)."""
    return partial(factory.db_board, app)


@pytest.fixture
def decide_ties(app, client) -> Callable[..., None]:
    """decide_ties(setup): every tie at the 名额 boundary decided as the committee would."""
    return partial(factory.decide_ties, app, client)


@pytest.fixture
def redis_down(app) -> Callable[..., contextlib.AbstractContextManager]:
    """`with redis_down(app=None):` the app's Redis (this test's by default) points at a closed
    port while the block runs."""

    def down(app=app) -> contextlib.AbstractContextManager:
        return factory.redis_down(app)

    return down


@pytest.fixture
def use_redis(app) -> Callable[..., contextlib.AbstractContextManager]:
    """`with use_redis(redis_client):` the app's Redis is that client while the block runs."""
    return partial(factory.use_redis, app)


@pytest.fixture
def vote_statements(app) -> Callable[[], contextlib.AbstractContextManager[list[str]]]:
    """`with vote_statements() as seen:` the SQL statements on the vote tables meanwhile."""
    return partial(factory.vote_statements, app)


@pytest.fixture
def all_statements(app) -> Callable[[], contextlib.AbstractContextManager[list[str]]]:
    """`with all_statements() as seen:` every SQL statement meanwhile (first three words)."""
    return partial(factory.all_statements, app)


@pytest.fixture
def campaign_round_trips() -> Callable[[], contextlib.AbstractContextManager[list[bytes]]]:
    """`with campaign_round_trips() as sent:` the round trips to Redis carrying a campaign's
    keys meanwhile (every command, or a whole pipeline, is one)."""
    return factory.campaign_round_trips


@pytest.fixture
def kill_own_connection(app) -> Callable[[], None]:
    """kill_own_connection(): the current session's database connection killed from the server
    side (closed under the session on SQLite); call it inside an app context."""
    return partial(factory.kill_own_connection, app)


@pytest.fixture
def database_proxy(app) -> Iterator[Callable[[], tuple[factory.TcpProxy, str]]]:
    """database_proxy(): (proxy, url): a TCP proxy in front of this test's database (not
    SQLite) and the database URL through it; every proxy is closed after the test."""
    proxies: list[factory.TcpProxy] = []

    def start() -> tuple[factory.TcpProxy, str]:
        url = app.config["SQLALCHEMY_DATABASE_URI"]
        target = make_url(url)
        proxy = factory.TcpProxy(target.host or "127.0.0.1", target.port or 5432)
        proxies.append(proxy)
        return proxy, factory.proxied_url(url, proxy.port)

    yield start
    for proxy in proxies:
        proxy.close()
