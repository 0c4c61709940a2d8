"""Start-up checks of the file store (STORAGE_BACKEND, the S3 settings) and of the job queue's
Redis (a cluster REDIS_URL needs a single-Redis RQ_REDIS_URL): refused at start-up with a clear
message, rather than failing at the first upload or silently queueing nothing."""

from __future__ import annotations

import pytest

from config import S3_SETTINGS, ConfigError, load_settings
from tests.support.settings import PROD

S3 = {
    "STORAGE_BACKEND": "s3",
    "S3_ENDPOINT_URL": "https://oss-cn-beijing-internal.aliyuncs.com",
    "S3_BUCKET": "frontline-photos",
    "S3_ACCESS_KEY_ID": "AKID",
    "S3_SECRET_ACCESS_KEY": "SECRET",
    "S3_REGION": "cn-beijing",
}
CLUSTER = "redis+cluster://10.0.0.11:7000,10.0.0.12:7000"


def test_local_disk_is_the_default(tmp_path):
    s = load_settings(str(tmp_path), env={})
    assert s["STORAGE_BACKEND"] == "local" and s["UPLOAD_DIR"] == f"{tmp_path}/uploads"


def test_an_unknown_backend_is_refused_at_start_up(tmp_path):
    with pytest.raises(ConfigError, match="STORAGE_BACKEND must be local or s3"):
        load_settings(str(tmp_path), env={"STORAGE_BACKEND": "oss"})


def test_production_with_s3_and_everything_starts(tmp_path):
    s = load_settings(str(tmp_path), env={**PROD, **S3, "S3_ADDRESSING_STYLE": "virtual"})
    assert s["STORAGE_BACKEND"] == "s3" and s["S3_BUCKET"] == "frontline-photos"
    assert s["S3_ADDRESSING_STYLE"] == "virtual"


@pytest.mark.parametrize("missing", S3_SETTINGS)
def test_production_with_s3_refuses_without(tmp_path, missing):
    env = {k: v for k, v in {**PROD, **S3}.items() if k != missing}
    with pytest.raises(ConfigError, match=f"{missing} \\(STORAGE_BACKEND=s3\\)"):
        load_settings(str(tmp_path), env=env)


def test_s3_settings_are_checked_in_every_mode(tmp_path):
    with pytest.raises(ConfigError, match="needs S3_BUCKET"):
        load_settings(str(tmp_path), env={"STORAGE_BACKEND": "s3"})
    with pytest.raises(ConfigError, match="go together"):
        load_settings(str(tmp_path), env={**S3, "S3_SECRET_ACCESS_KEY": ""})
    with pytest.raises(ConfigError, match="S3_ENDPOINT_URL"):
        load_settings(str(tmp_path), env={**S3, "S3_ENDPOINT_URL": "oss-cn-beijing.aliyuncs.com"})
    with pytest.raises(ConfigError, match="S3_ADDRESSING_STYLE"):
        load_settings(str(tmp_path), env={**S3, "S3_ADDRESSING_STYLE": "dns"})
    # Out of production the endpoint, region and keys may come from boto3's own defaults.
    s = load_settings(str(tmp_path), env={"STORAGE_BACKEND": "S3", "S3_BUCKET": "b"})
    assert s["STORAGE_BACKEND"] == "s3"


def test_production_refuses_a_cluster_without_a_queue_redis(tmp_path):
    with pytest.raises(ConfigError, match="RQ_REDIS_URL .*Redis Cluster"):
        load_settings(str(tmp_path), env={**PROD, "REDIS_URL": CLUSTER})


@pytest.mark.parametrize(
    "rq_url", [CLUSTER, "http://10.0.0.13:6379/0", "10.0.0.13:6379", "redis+cluster://x:1"]
)
def test_production_refuses_a_queue_redis_rq_cannot_use(tmp_path, rq_url):
    with pytest.raises(ConfigError, match="RQ_REDIS_URL \\(a single Redis"):
        load_settings(str(tmp_path), env={**PROD, "REDIS_URL": CLUSTER, "RQ_REDIS_URL": rq_url})


@pytest.mark.parametrize(
    "rq_url",
    [
        "redis://10.0.0.13:6379/0",
        "rediss://:pw@queue.example.com:6380/1",
        "unix:///run/redis/redis.sock?db=2",
        "redis+sentinel://10.0.0.21:26379,10.0.0.22:26379/queue/0",
    ],
)
def test_production_on_a_cluster_starts_with_a_single_queue_redis(tmp_path, rq_url):
    s = load_settings(str(tmp_path), env={**PROD, "REDIS_URL": CLUSTER, "RQ_REDIS_URL": rq_url})
    assert s["RQ_REDIS_URL"] == rq_url


def test_a_single_redis_needs_no_queue_redis(tmp_path):
    s = load_settings(str(tmp_path), env=PROD)
    assert s["RQ_REDIS_URL"] == "" and s["REDIS_URL"].startswith("redis://")


def test_out_of_production_a_cluster_without_a_queue_redis_is_logged(tmp_path, caplog):
    with caplog.at_level("WARNING", logger="config"):
        load_settings(str(tmp_path), env={"REDIS_URL": CLUSTER})
    assert "no job queue: set RQ_REDIS_URL" in caplog.text
