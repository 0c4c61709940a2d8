"""Settings read from the environment once, at app creation."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

DEV_SECRET_KEY = "frontline-dev-secret-not-for-production"
DEFAULT_WECHAT_API_BASE = "https://api.weixin.qq.com/"


class ConfigError(RuntimeError):
    """The environment does not describe a deployment the app may start in."""


def _bool(value: str | None, default: bool = False) -> bool:
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _int(env: dict[str, str], name: str, default: int) -> int:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ConfigError(f"{name} must be an integer, got {raw!r}") from exc


def _json(env: dict[str, str], name: str) -> dict[str, Any]:
    raw = env.get(name)
    if raw is None or raw.strip() == "":
        return {}
    try:
        value = json.loads(raw)
    except ValueError as exc:
        raise ConfigError(f"{name} must be a JSON object: {exc}") from exc
    if not isinstance(value, dict):
        raise ConfigError(f"{name} must be a JSON object")
    return value


def _days_of_month(env: dict[str, str], name: str, default: str) -> list[int]:
    raw = env.get(name) or default
    try:
        days = sorted({int(d) for d in raw.split(",") if d.strip()})
    except ValueError as exc:
        raise ConfigError(f"{name} must be days of the month, e.g. 20,27") from exc
    if not days or not all(1 <= d <= 28 for d in days):
        raise ConfigError(f"{name} must be days 1..28, e.g. 20,27")
    return days


def load_settings(
    instance_path: str, overrides: dict[str, Any] | None = None, env: dict[str, str] | None = None
) -> dict[str, Any]:
    """Build the Flask config from the environment, then apply explicit overrides (tests)."""
    env = dict(os.environ if env is None else env)
    app_env = env.get("APP_ENV", env.get("FLASK_ENV", "development")).lower()
    production = app_env in {"production", "prod"}
    instance = Path(instance_path)

    database_url = env.get("DATABASE_URL") or ""
    redis_url = env.get("REDIS_URL") or ""
    settings: dict[str, Any] = {
        "APP_ENV": app_env,
        "PRODUCTION": production,
        "SECRET_KEY": env.get("SECRET_KEY") or DEV_SECRET_KEY,
        "DATABASE_URL": database_url,
        "SQLALCHEMY_DATABASE_URI": database_url or f"sqlite:///{instance / 'frontline.sqlite3'}",
        "REDIS_URL": redis_url,
        "EMBEDDED_REDIS_PATH": str(instance / "redis.db"),
        "WECHAT_APPID": env.get("WECHAT_APPID", ""),
        "WECHAT_SECRET": env.get("WECHAT_SECRET", ""),
        "WECHAT_API_BASE": env.get("WECHAT_API_BASE") or DEFAULT_WECHAT_API_BASE,
        "WECHAT_CONNECT_TIMEOUT": float(env.get("WECHAT_CONNECT_TIMEOUT", "3")),
        "WECHAT_READ_TIMEOUT": float(env.get("WECHAT_READ_TIMEOUT", "5")),
        "TOKEN_TTL_SECONDS": _int(env, "TOKEN_TTL_SECONDS", 7 * 24 * 3600),
        "BIND_FAILURE_LIMITS": env.get("BIND_FAILURE_LIMITS", "5 per 15 minutes;20 per day"),
        "BIND_FAILURE_IP_LIMITS": env.get("BIND_FAILURE_IP_LIMITS", "60 per 15 minutes"),
        "IDEMPOTENCY_TTL_SECONDS": _int(env, "IDEMPOTENCY_TTL_SECONDS", 24 * 3600),
        "UPLOAD_DIR": env.get("UPLOAD_DIR") or str(instance / "uploads"),
        "MAX_CONTENT_LENGTH": _int(env, "MAX_CONTENT_LENGTH", 10 * 1024 * 1024),
        "TRUST_PROXY_HOPS": _int(env, "TRUST_PROXY_HOPS", 0),
        # micro-wishes
        "WISH_CLAIM_LIMIT": _int(env, "WISH_CLAIM_LIMIT", 3),
        "WISH_CLAIM_DAYS": _int(env, "WISH_CLAIM_DAYS", 30),
        "WISH_REMIND_DAYS": _int(env, "WISH_REMIND_DAYS", 3),
        "WISH_COMPLETED_POINTS": _int(env, "WISH_COMPLETED_POINTS", 5),
        "WISH_POST_LIMITS": env.get("WISH_POST_LIMITS", "20 per hour;50 per day"),
        "UPLOAD_LIMITS": env.get("UPLOAD_LIMITS", "60 per hour"),
        "UPLOAD_MAX_BYTES": _int(env, "UPLOAD_MAX_BYTES", 5 * 1024 * 1024),
        "UPLOAD_URL_TTL_SECONDS": _int(env, "UPLOAD_URL_TTL_SECONDS", 6 * 3600),
        "STORAGE_BACKEND": env.get("STORAGE_BACKEND") or "local",
        # notifications: kind → template id, or kind → {"template_id", "fields": {key: data key}}
        "WECHAT_TEMPLATES": _json(env, "WECHAT_TEMPLATES"),
        "NOTIFY_MAX_ATTEMPTS": _int(env, "NOTIFY_MAX_ATTEMPTS", 6),
        # voting: attempts per minute, counted inside vote.lua in the same round trip as the
        # vote; per IP generous (a whole mine shares one network, so it is never the only gate)
        "VOTE_ACCOUNT_PER_MINUTE": _int(env, "VOTE_ACCOUNT_PER_MINUTE", 30),
        "VOTE_IP_PER_MINUTE": _int(env, "VOTE_IP_PER_MINUTE", 20000),
        "LEADERBOARD_PER_MINUTE": _int(env, "LEADERBOARD_PER_MINUTE", 120),
        # the mini-program page a candidate's share code opens (scene "c=<campaign>&k=<cand>")
        "VOTE_SHARE_PAGE": env.get("VOTE_SHARE_PAGE") or "pages/vote/candidate",
        # pairings and monthly talks
        "TALKS_REQUIRED_PER_MONTH": _int(env, "TALKS_REQUIRED_PER_MONTH", 1),
        "TALK_EDIT_DAYS": _int(env, "TALK_EDIT_DAYS", 7),
        "POINTS_MONTHLY_TALKS": _int(env, "POINTS_MONTHLY_TALKS", 2),
        "POINTS_MANUAL_MAX": _int(env, "POINTS_MANUAL_MAX", 100),
        "TALK_REMINDER_DAYS": _days_of_month(env, "TALK_REMINDER_DAYS", "20,27"),
        # background jobs (RQ); REDIS_URL by default
        "RQ_REDIS_URL": env.get("RQ_REDIS_URL") or "",
        "RQ_QUEUE": env.get("RQ_QUEUE") or "frontline",
        # flask-smorest / OpenAPI
        "API_TITLE": "Frontline mini-program API",
        "API_VERSION": "v1",
        "OPENAPI_VERSION": "3.0.3",
        "OPENAPI_URL_PREFIX": "/api/v1",
        "OPENAPI_JSON_PATH": "openapi.json",
        "OPENAPI_SWAGGER_UI_PATH": "docs",
        "OPENAPI_SWAGGER_UI_URL": "/api/v1/docs/assets/",
        "JSON_AS_ASCII": False,
    }
    if overrides:
        settings.update(overrides)
    settings["WECHAT_CONFIGURED"] = bool(settings["WECHAT_APPID"] and settings["WECHAT_SECRET"])
    settings["DEMO_LOGIN"] = not settings["WECHAT_CONFIGURED"] and not settings["PRODUCTION"]
    if settings["TALKS_REQUIRED_PER_MONTH"] < 1:
        raise ConfigError("TALKS_REQUIRED_PER_MONTH must be at least 1")
    if settings["PRODUCTION"]:
        check_production(settings)
    return settings


def check_production(settings: dict[str, Any]) -> None:
    """Refuse to start a production app on development defaults."""
    missing = []
    if not settings.get("SECRET_KEY") or settings["SECRET_KEY"] == DEV_SECRET_KEY:
        missing.append("SECRET_KEY")
    url = settings.get("DATABASE_URL") or ""
    if not url or url.startswith("sqlite"):
        missing.append("DATABASE_URL (PostgreSQL or MariaDB)")
    if not settings.get("REDIS_URL"):
        missing.append("REDIS_URL")
    if not settings.get("WECHAT_CONFIGURED"):
        missing.append("WECHAT_APPID/WECHAT_SECRET")
    if missing:
        raise ConfigError("production refuses to start without: " + ", ".join(missing))
