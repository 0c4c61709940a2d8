"""models.redis_store on Redis Cluster (issue 20 #1, #2): Lua scripts loaded into the server
owning their keys when it lost them, in single calls and pipelines; a cluster URL naming several
nodes, any of which may be down at start-up. Runs on every backend (one Redis: the same code)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from models import get_redis
from models.redis_store import LuaScript, connect, execute_pipeline, is_cluster, node_client, run_id
from tests.support.redis_cluster import RedisClusterServer

KEY = "{t:lua}:k"


def test_a_script_the_owning_server_forgot_is_loaded_again(app):
    with app.app_context():
        client = get_redis()
        script = LuaScript(client, "return redis.call('GET', KEYS[1]) .. ARGV[1]")
        client.set(KEY, "v")
        assert script(keys=[KEY], args=["1"]) == "v1"
        node_client(client, KEY).script_flush()  # a failover, a restart
        assert script(keys=[KEY], args=["2"]) == "v2"
        node_client(client, KEY).script_flush()

        def fill(pipe):
            pipe.set(KEY, "w")
            script(keys=[KEY], args=["3"], client=pipe)

        # redis-py's cluster pipeline loads no script: NOSCRIPT, load, the pipeline once more.
        assert execute_pipeline(client, fill, KEY) == [True, "w3"]
        assert node_client(client, KEY).script_exists(script.sha) == [True]


def test_server_state_is_read_from_the_node_owning_the_key(app):
    with app.app_context():
        client = get_redis()
        owner = node_client(client, KEY)
        assert run_id(client, KEY) == owner.info("server")["run_id"]
        if is_cluster(client):
            assert owner.connection_pool.connection_kwargs["port"] == (
                client.get_node_from_key(KEY).port
            )


@pytest.fixture
def cluster_url(base_config) -> Iterator[str]:
    url = base_config["REDIS_URL"]
    if url.startswith("redis+cluster://"):
        yield url
        return
    server = RedisClusterServer().start()
    yield server.url
    server.stop()


def test_a_cluster_url_of_several_nodes_starts_with_the_first_down(cluster_url):
    node = cluster_url[len("redis+cluster://") :].split("/")[0]
    client = connect(f"redis+cluster://127.0.0.1:1,{node}/0")
    client.set(KEY, "up")
    assert client.get(KEY) == "up"
    client.delete(KEY)
    client.close()


def test_a_fill_reads_the_clock_of_the_node_owning_the_epochs(app, monkeypatch):
    """fill.lua compares epoch stamps made by bump.lua with the clock read before the database
    read: both must be the same server's clock, never a cluster's default node's."""
    from redis.cluster import RedisCluster

    from accounts.principal_cache import _server_ms
    from accounts.principal_lru import cache_of
    from models import db

    def keyless_time(self):
        raise AssertionError("TIME sent to the cluster's default node")

    monkeypatch.setattr(RedisCluster, "time", keyless_time)
    with app.app_context():
        db.session.rollback()
        seconds, _ = node_client(get_redis(), "{auth}:e:g").time()
        ms = _server_ms(cache_of())
        assert ms is not None and abs(ms - int(seconds) * 1000) < 5000
