"""Configuration: embedded defaults for laptops, refusal of unsafe production settings."""

from __future__ import annotations

import pytest

from config import ConfigError, load_settings
from tests.support.settings import PROD


def test_defaults_are_embedded(tmp_path):
    s = load_settings(str(tmp_path), env={})
    assert s["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path}/frontline.sqlite3"
    assert s["REDIS_URL"] == "" and s["DEMO_LOGIN"] is True and s["PRODUCTION"] is False


def test_production_with_everything_starts(tmp_path):
    s = load_settings(str(tmp_path), env=PROD)
    assert s["PRODUCTION"] and not s["DEMO_LOGIN"]


@pytest.mark.parametrize(
    "missing",
    [
        "SECRET_KEY",
        "DATABASE_URL",
        "REDIS_URL",
        "WECHAT_APPID",
        "WECHAT_SECRET",
        "WECHAT_PUSH_TOKEN",
        "PUBLIC_BASE_URL",
    ],
)
def test_production_refuses_without(tmp_path, missing):
    env = {k: v for k, v in PROD.items() if k != missing}
    with pytest.raises(ConfigError):
        load_settings(str(tmp_path), env=env)


def test_production_refuses_sqlite(tmp_path):
    with pytest.raises(ConfigError):
        load_settings(str(tmp_path), env={**PROD, "DATABASE_URL": "sqlite:///x.db"})


def test_demo_login_is_off_when_wechat_configured(tmp_path):
    s = load_settings(str(tmp_path), env={"WECHAT_APPID": "a", "WECHAT_SECRET": "b"})
    assert s["DEMO_LOGIN"] is False


def test_production_needs_an_https_public_base_url(tmp_path):
    """WeChat fetches photos to check them from PUBLIC_BASE_URL."""
    with pytest.raises(ConfigError, match="PUBLIC_BASE_URL"):
        load_settings(str(tmp_path), env={**PROD, "PUBLIC_BASE_URL": "http://10.0.0.5"})


def test_push_settings_are_checked(tmp_path):
    with pytest.raises(ConfigError, match="WECHAT_PUSH_TOKEN"):
        load_settings(str(tmp_path), env={"WECHAT_PUSH_TOKEN": "bad token!"})
    with pytest.raises(ConfigError, match="WECHAT_PUSH_AES_KEY"):
        load_settings(str(tmp_path), env={"WECHAT_PUSH_TOKEN": "tok", "WECHAT_PUSH_AES_KEY": "x"})
