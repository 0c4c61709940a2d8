"""Settings read from the environment once, at app creation."""

from __future__ import annotations

import json
import logging
import os
import re
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

DEV_SECRET_KEY = "frontline-dev-secret-not-for-production"
DEFAULT_WECHAT_API_BASE = "https://api.weixin.qq.com/"
# The build a subscribe message opens (miniprogram_state) and the build a share code opens
# (env_version) are the same thing under two names.
MINIPROGRAM_STATE_OF_ENV = {"release": "formal", "trial": "trial", "develop": "developer"}
PUSH_TOKEN = re.compile(r"^[A-Za-z0-9]{3,32}$")
PUSH_AES_KEY = re.compile(r"^[A-Za-z0-9]{43}$")
PUSH_MODES = ("plain", "compatible", "safe")


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


def _float(env: dict[str, str], name: str, default: float) -> float:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = float(raw)
    except ValueError as exc:
        raise ConfigError(f"{name} must be a number, got {raw!r}") from exc
    if not 0 <= value <= 60:
        raise ConfigError(f"{name} must be between 0 and 60 seconds, got {raw!r}")
    return value


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
        # which build subscribe messages and share codes open: formal/trial/developer and
        # release/trial/develop (one may be given, the other follows)
        "WECHAT_MINIPROGRAM_STATE": (env.get("WECHAT_MINIPROGRAM_STATE") or "").strip(),
        "WECHAT_ENV_VERSION": (env.get("WECHAT_ENV_VERSION") or "").strip(),
        # message push (消息推送): Token and EncodingAESKey as set in the mini-program console
        "WECHAT_PUSH_TOKEN": env.get("WECHAT_PUSH_TOKEN") or "",
        "WECHAT_PUSH_AES_KEY": env.get("WECHAT_PUSH_AES_KEY") or "",
        # the console's 消息加密方式: plain (明文), compatible (兼容) or safe (安全); by default
        # safe with a key, plain without
        "WECHAT_PUSH_MODE": (env.get("WECHAT_PUSH_MODE") or "").strip().lower(),
        # a push signed further than this from our clock is a replay, refused
        "WECHAT_PUSH_MAX_SKEW_SECONDS": _int(env, "WECHAT_PUSH_MAX_SKEW_SECONDS", 300),
        # why production runs the push in plain mode (no EncodingAESKey); without it production
        # requires safe/compatible mode
        "WECHAT_PUSH_PLAIN_REASON": (env.get("WECHAT_PUSH_PLAIN_REASON") or "").strip(),
        # our own public https base URL, from which WeChat fetches photos to check them
        "PUBLIC_BASE_URL": (env.get("PUBLIC_BASE_URL") or "").rstrip("/"),
        "WECHAT_MEDIA_CHECK_TIMEOUT_MINUTES": _int(env, "WECHAT_MEDIA_CHECK_TIMEOUT_MINUTES", 60),
        "TOKEN_TTL_SECONDS": _int(env, "TOKEN_TTL_SECONDS", 7 * 24 * 3600),
        # the longest a worker serves a cached principal without reading the database (0: off)
        "AUTH_CACHE_SECONDS": _int(env, "AUTH_CACHE_SECONDS", 300),
        "AUTH_CACHE_ENTRIES": _int(env, "AUTH_CACHE_ENTRIES", 20000),
        # How long a change may go unseen by a worker whose invalidation listener lags (0: no
        # listener, every request validates with one MGET). accounts/principal_cache.py.
        "AUTH_TRACKING_BOUND_MS": _int(env, "AUTH_TRACKING_BOUND_MS", 250),
        "BIND_FAILURE_LIMITS": env.get("BIND_FAILURE_LIMITS", "5 per 15 minutes;20 per day"),
        # a backstop only: a mine's Wi-Fi and the carriers' NAT put hundreds of miners behind
        # one address, and each account is limited by BIND_FAILURE_LIMITS first
        "BIND_FAILURE_IP_LIMITS": env.get("BIND_FAILURE_IP_LIMITS", "600 per 15 minutes"),
        "IDEMPOTENCY_TTL_SECONDS": _int(env, "IDEMPOTENCY_TTL_SECONDS", 24 * 3600),
        "UPLOAD_DIR": env.get("UPLOAD_DIR") or str(instance / "uploads"),
        "MAX_CONTENT_LENGTH": _int(env, "MAX_CONTENT_LENGTH", 10 * 1024 * 1024),
        "TRUST_PROXY_HOPS": _int(env, "TRUST_PROXY_HOPS", 0),
        # micro-wishes
        "WISH_CLAIM_LIMIT": _int(env, "WISH_CLAIM_LIMIT", 3),
        "WISH_CLAIM_DAYS": _int(env, "WISH_CLAIM_DAYS", 30),
        # a member who gave back this many claims within WISH_RELEASE_DAYS claims no more until
        # the oldest is that old (claiming shows the wisher's phone: no claim-and-release loop)
        "WISH_RELEASE_LIMIT": _int(env, "WISH_RELEASE_LIMIT", 3),
        "WISH_RELEASE_DAYS": _int(env, "WISH_RELEASE_DAYS", 30),
        "WISH_REMIND_DAYS": _int(env, "WISH_REMIND_DAYS", 3),
        "WISH_COMPLETED_POINTS": _int(env, "WISH_COMPLETED_POINTS", 5),
        "WISH_POST_LIMITS": env.get("WISH_POST_LIMITS", "20 per hour;50 per day"),
        "UPLOAD_LIMITS": env.get("UPLOAD_LIMITS", "60 per hour"),
        # Wrong meeting sign-in codes per account: a six-digit code cannot be guessed in time.
        "SIGN_IN_FAILURE_LIMITS": env.get("SIGN_IN_FAILURE_LIMITS", "10 per 10 minutes;30 per day"),
        "UPLOAD_MAX_BYTES": _int(env, "UPLOAD_MAX_BYTES", 5 * 1024 * 1024),
        "UPLOAD_URL_TTL_SECONDS": _int(env, "UPLOAD_URL_TTL_SECONDS", 6 * 3600),
        # where stored files live: local (UPLOAD_DIR, one box) or s3 (an S3-compatible object
        # store shared by every box: AWS S3, MinIO, Aliyun OSS, Tencent COS)
        "STORAGE_BACKEND": (env.get("STORAGE_BACKEND") or "local").strip().lower(),
        "S3_ENDPOINT_URL": (env.get("S3_ENDPOINT_URL") or "").strip(),
        "S3_BUCKET": (env.get("S3_BUCKET") or "").strip(),
        "S3_ACCESS_KEY_ID": env.get("S3_ACCESS_KEY_ID") or "",
        "S3_SECRET_ACCESS_KEY": env.get("S3_SECRET_ACCESS_KEY") or "",
        "S3_REGION": (env.get("S3_REGION") or "").strip(),
        # auto | path (MinIO, most self-hosted stores) | virtual (Aliyun OSS requires it)
        "S3_ADDRESSING_STYLE": (env.get("S3_ADDRESSING_STYLE") or "auto").strip().lower(),
        # image decoding: pixel budget per image, decodes at once per process, and how long an
        # upload waits for a free decode slot before 503
        "IMAGE_MAX_PIXELS": _int(env, "IMAGE_MAX_PIXELS", 24_000_000),
        "IMAGE_DECODE_CONCURRENCY": _int(env, "IMAGE_DECODE_CONCURRENCY", 2),
        "IMAGE_DECODE_WAIT_SECONDS": float(env.get("IMAGE_DECODE_WAIT_SECONDS") or 10),
        # notifications: kind → {"template_id", "fields": {keyword: {"from", "type"}}}, checked
        # against the registry of kinds at start-up (notifications.templates)
        "WECHAT_TEMPLATES": _json(env, "WECHAT_TEMPLATES"),
        "NOTIFY_MAX_ATTEMPTS": _int(env, "NOTIFY_MAX_ATTEMPTS", 6),
        # Inbox items (notifications) are purged this many days after they were written.
        "INBOX_KEEP_DAYS": _int(env, "INBOX_KEEP_DAYS", 180),
        # voting: attempts per minute, counted inside vote.lua in the same round trip as the
        # vote; per IP generous (a whole mine shares one network, so it is never the only gate)
        "VOTE_ACCOUNT_PER_MINUTE": _int(env, "VOTE_ACCOUNT_PER_MINUTE", 30),
        "VOTE_IP_PER_MINUTE": _int(env, "VOTE_IP_PER_MINUTE", 20000),
        "LEADERBOARD_PER_MINUTE": _int(env, "LEADERBOARD_PER_MINUTE", 120),
        # leaderboards counted by the database (Redis down or stale) per campaign, per process
        # (a limits string): a Redis outage must not turn refreshes into a database storm
        "LEADERBOARD_DB_LIMIT": env.get("LEADERBOARD_DB_LIMIT", "5 per second"),
        # seconds a process answers leaderboards from its copy of a campaign's state (status,
        # hidden tallies, stale mark, config version) before asking the database again; a change
        # pushed to Redis is seen at once, one whose push failed within this bound
        "LEADERBOARD_STATE_MAX_AGE": _float(env, "LEADERBOARD_STATE_MAX_AGE", 1.0),
        # the mini-program page a candidate's share code opens (scene "c=<campaign>&k=<cand>")
        "VOTE_SHARE_PAGE": env.get("VOTE_SHARE_PAGE") or "pages/vote/candidate",
        # pairings and monthly talks
        "TALKS_REQUIRED_PER_MONTH": _int(env, "TALKS_REQUIRED_PER_MONTH", 1),
        # what counts for a mine that never set its own rule: flagged (the seed's: a talk with
        # an employee carrying a care flag at the time) or any (any paired employee)
        "TALK_RULE_BASIS": env.get("TALK_RULE_BASIS") or "flagged",
        "TALK_EDIT_DAYS": _int(env, "TALK_EDIT_DAYS", 7),
        # 传帮带: the default period of a mentoring pair, the mentor's points when it passes
        "MENTORSHIP_MONTHS": _int(env, "MENTORSHIP_MONTHS", 6),
        "POINTS_APPRENTICESHIP": _int(env, "POINTS_APPRENTICESHIP", 5),
        "POINTS_MONTHLY_TALKS": _int(env, "POINTS_MONTHLY_TALKS", 2),
        "POINTS_MANUAL_MAX": _int(env, "POINTS_MANUAL_MAX", 100),
        "TALK_REMINDER_DAYS": _days_of_month(env, "TALK_REMINDER_DAYS", "20,27"),
        # 党员责任区 and hidden dangers (zones/): days to fix by level, the placard's CJK font,
        # the mini-program page a placard's code opens (scene "z=<zone id>")
        "ZONE_DANGER_DAYS": {
            "general": _int(env, "ZONE_DANGER_DAYS_GENERAL", 7),
            "serious": _int(env, "ZONE_DANGER_DAYS_SERIOUS", 3),
            "major": _int(env, "ZONE_DANGER_DAYS_MAJOR", 1),
        },
        "ZONE_PLACARD_FONT": env.get("ZONE_PLACARD_FONT")
        or "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
        "ZONE_PAGE": env.get("ZONE_PAGE") or "pages/zones/detail",
        # a candidate's or an honour's shareable poster (votes/poster.py): its CJK font
        "POSTER_FONT": env.get("POSTER_FONT")
        or "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
        # the quarterly assessment awards: 六好区队 and 六型班组 a quarter may name
        "ASSESSMENT_AWARDS_PER_QUARTER": _int(env, "ASSESSMENT_AWARDS_PER_QUARTER", 6),
        "ASSESSMENT_GROUP_AWARDS_PER_QUARTER": _int(env, "ASSESSMENT_GROUP_AWARDS_PER_QUARTER", 6),
        # the mini-program page an honour's poster code opens (scene "h=<honour id>")
        "HONOUR_PAGE": env.get("HONOUR_PAGE") or "pages/honours/detail",
        # points requests (approved by another committee member) per verified danger found and
        # per 三违 stopped; 0 turns one off
        "ZONE_POINTS_DANGER_FOUND": _int(env, "ZONE_POINTS_DANGER_FOUND", 2),
        "ZONE_POINTS_VIOLATION_STOPPED": _int(env, "ZONE_POINTS_VIOLATION_STOPPED", 2),
        # background jobs (RQ); REDIS_URL by default
        "RQ_REDIS_URL": env.get("RQ_REDIS_URL") or "",
        "RQ_QUEUE": env.get("RQ_QUEUE") or "frontline",
        # the desk console (console/): sign-in life, login codes, cookies
        "CONSOLE_SESSION_TTL_SECONDS": _int(env, "CONSOLE_SESSION_TTL_SECONDS", 12 * 3600),
        "CONSOLE_TICKET_TTL_SECONDS": _int(env, "CONSOLE_TICKET_TTL_SECONDS", 5 * 60),
        "CONSOLE_LOGIN_PAGE": env.get("CONSOLE_LOGIN_PAGE") or "pages/console/confirm",
        "CONSOLE_COOKIE_SECURE": _bool(env.get("CONSOLE_COOKIE_SECURE"), production),
        # new login codes per IP (every code is a row; a reload shows the same code, uncounted)
        # new login codes per browser, and (a backstop: one office, one address) per IP
        "CONSOLE_TICKET_LIMITS": env.get("CONSOLE_TICKET_LIMITS") or "10 per minute;60 per hour",
        "CONSOLE_TICKET_IP_LIMITS": env.get("CONSOLE_TICKET_IP_LIMITS")
        or "200 per minute;2000 per hour",
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
    check_wechat(settings)
    settings["DEMO_LOGIN"] = not settings["WECHAT_CONFIGURED"] and not settings["PRODUCTION"]
    if any(days < 1 for days in settings["ZONE_DANGER_DAYS"].values()):
        raise ConfigError("ZONE_DANGER_DAYS_GENERAL/SERIOUS/MAJOR must be at least 1")
    if settings["TALK_RULE_BASIS"] not in ("flagged", "any"):
        raise ConfigError("TALK_RULE_BASIS must be flagged or any")
    if settings["TALKS_REQUIRED_PER_MONTH"] < 1:
        raise ConfigError("TALKS_REQUIRED_PER_MONTH must be at least 1")
    if settings["AUTH_CACHE_SECONDS"] < 0 or settings["AUTH_CACHE_ENTRIES"] < 1:
        raise ConfigError("AUTH_CACHE_SECONDS must be 0 or more and AUTH_CACHE_ENTRIES at least 1")
    if settings["AUTH_TRACKING_BOUND_MS"] < 0:
        raise ConfigError("AUTH_TRACKING_BOUND_MS must be 0 or more")
    _check_limit(settings, "LEADERBOARD_DB_LIMIT")
    check_storage(settings)
    if settings["PRODUCTION"]:
        check_production(settings)
    elif rq_url_problem(settings):
        log.warning("no job queue: set %s", rq_url_problem(settings))
    return settings


def _check_limit(settings: dict[str, Any], name: str) -> None:
    """A single rate limit in the `limits` notation ("5 per second"); empty turns it off."""
    from limits import parse

    if settings.get(name):
        try:
            parse(settings[name])
        except ValueError as exc:
            raise ConfigError(f"{name} must be a rate like '5 per second'") from exc


def check_wechat(settings: dict[str, Any]) -> None:
    """The build names, the push token and key, and the public base URL, in WeChat's shapes."""
    state, env_version = settings["WECHAT_MINIPROGRAM_STATE"], settings["WECHAT_ENV_VERSION"]
    if env_version and env_version not in MINIPROGRAM_STATE_OF_ENV:
        raise ConfigError("WECHAT_ENV_VERSION must be release, trial or develop")
    if state and state not in MINIPROGRAM_STATE_OF_ENV.values():
        raise ConfigError("WECHAT_MINIPROGRAM_STATE must be formal, trial or developer")
    if state and env_version and MINIPROGRAM_STATE_OF_ENV[env_version] != state:
        raise ConfigError(
            f"WECHAT_MINIPROGRAM_STATE={state} and WECHAT_ENV_VERSION={env_version} name "
            "different builds"
        )
    env_of_state = {v: k for k, v in MINIPROGRAM_STATE_OF_ENV.items()}
    env_version = env_version or env_of_state.get(state, "release")
    settings["WECHAT_ENV_VERSION"] = env_version
    settings["WECHAT_MINIPROGRAM_STATE"] = MINIPROGRAM_STATE_OF_ENV[env_version]
    token, key = settings["WECHAT_PUSH_TOKEN"], settings["WECHAT_PUSH_AES_KEY"]
    if token and not PUSH_TOKEN.match(token):
        raise ConfigError("WECHAT_PUSH_TOKEN must be 3 to 32 letters or digits")
    if key and not PUSH_AES_KEY.match(key):
        raise ConfigError("WECHAT_PUSH_AES_KEY must be the 43-character EncodingAESKey")
    if key and not token:
        raise ConfigError("WECHAT_PUSH_AES_KEY needs WECHAT_PUSH_TOKEN")
    mode = settings["WECHAT_PUSH_MODE"] or ("safe" if key else "plain")
    if mode not in PUSH_MODES:
        raise ConfigError("WECHAT_PUSH_MODE must be plain, compatible or safe")
    if mode == "plain" and key:
        raise ConfigError(
            "WECHAT_PUSH_MODE=plain with a WECHAT_PUSH_AES_KEY: say safe or compatible"
        )
    settings["WECHAT_PUSH_MODE"] = mode
    if settings["WECHAT_PUSH_MAX_SKEW_SECONDS"] < 1:
        raise ConfigError("WECHAT_PUSH_MAX_SKEW_SECONDS must be at least 1")
    url = settings["PUBLIC_BASE_URL"]
    if url and not url.startswith(("https://", "http://")):
        raise ConfigError("PUBLIC_BASE_URL must be an http(s) URL")
    if settings["IMAGE_DECODE_CONCURRENCY"] < 1 or settings["IMAGE_MAX_PIXELS"] < 1_000_000:
        raise ConfigError("IMAGE_DECODE_CONCURRENCY ≥ 1 and IMAGE_MAX_PIXELS ≥ 1000000")


STORAGE_BACKENDS = ("local", "s3")
S3_SETTINGS = (
    "S3_ENDPOINT_URL",
    "S3_BUCKET",
    "S3_ACCESS_KEY_ID",
    "S3_SECRET_ACCESS_KEY",
    "S3_REGION",
)
S3_ADDRESSING_STYLES = ("auto", "path", "virtual")
# The schemes RQ can use: one Redis server (or a Sentinel-watched master), not a cluster.
RQ_URL_SCHEMES = ("redis://", "rediss://", "unix://", "redis+sentinel://")


def check_storage(settings: dict[str, Any]) -> None:
    """A storage backend the app has, and for s3 what it needs to reach the bucket: refused at
    start-up rather than at the first upload."""
    backend = settings["STORAGE_BACKEND"]
    if backend not in STORAGE_BACKENDS:
        raise ConfigError(f"STORAGE_BACKEND must be local or s3, got {backend!r}")
    if backend != "s3":
        return
    if not settings["PRODUCTION"]:  # production names every missing one (check_production)
        if not settings.get("S3_BUCKET"):
            raise ConfigError("STORAGE_BACKEND=s3 needs S3_BUCKET")
        if bool(settings.get("S3_ACCESS_KEY_ID")) != bool(settings.get("S3_SECRET_ACCESS_KEY")):
            raise ConfigError("S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY go together")
    url = settings.get("S3_ENDPOINT_URL") or ""
    if url and not url.startswith(("https://", "http://")):
        raise ConfigError("S3_ENDPOINT_URL must be an http(s) URL")
    if settings["S3_ADDRESSING_STYLE"] not in S3_ADDRESSING_STYLES:
        raise ConfigError("S3_ADDRESSING_STYLE must be auto, path or virtual")


def rq_url_problem(settings: dict[str, Any]) -> str | None:
    """Why the job queue would have no usable Redis, or None. RQ cannot run on Redis Cluster
    (its jobs span many keys in one MULTI), so a cluster REDIS_URL needs an RQ_REDIS_URL naming
    one Redis server."""
    rq_url = settings.get("RQ_REDIS_URL") or ""
    redis_url = settings.get("REDIS_URL") or ""
    if rq_url:
        if not rq_url.startswith(RQ_URL_SCHEMES):
            return (
                "RQ_REDIS_URL (a single Redis: redis://, rediss://, unix:// or "
                f"redis+sentinel://, got {rq_url.split('://')[0]}://)"
            )
        return None
    if redis_url.startswith("redis+cluster://"):
        return "RQ_REDIS_URL (REDIS_URL is a Redis Cluster, where RQ cannot run)"
    return None


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
    rq_problem = rq_url_problem(settings)
    if rq_problem:
        missing.append(rq_problem)
    if not settings.get("WECHAT_CONFIGURED"):
        missing.append("WECHAT_APPID/WECHAT_SECRET")
    # Photos are checked by WeChat, which fetches them from us and pushes its verdict back.
    if not settings.get("WECHAT_PUSH_TOKEN"):
        missing.append("WECHAT_PUSH_TOKEN")
    # Encrypted pushes cannot be opened (nor told from forgeries) without the key.
    if settings.get("WECHAT_PUSH_MODE") in ("safe", "compatible") and not settings.get(
        "WECHAT_PUSH_AES_KEY"
    ):
        missing.append(f"WECHAT_PUSH_AES_KEY (WECHAT_PUSH_MODE={settings['WECHAT_PUSH_MODE']})")
    # In plain mode the signature covers token, timestamp and nonce only, not the body: anyone
    # who sees one signed query can send any verdict with it within the replay window (the
    # nonce memory narrows this to the first body). Safe mode encrypts and signs the body.
    if settings.get("WECHAT_PUSH_MODE") == "plain" and not settings.get("WECHAT_PUSH_PLAIN_REASON"):
        missing.append(
            "WECHAT_PUSH_AES_KEY (safe push mode) or WECHAT_PUSH_PLAIN_REASON (why plain)"
        )
    if not (settings.get("PUBLIC_BASE_URL") or "").startswith("https://"):
        missing.append("PUBLIC_BASE_URL (https)")
    if settings.get("STORAGE_BACKEND") == "s3":
        # No silent fallback to the instance role or ~/.aws: every box names the same store.
        missing += [
            f"{name} (STORAGE_BACKEND=s3)" for name in S3_SETTINGS if not settings.get(name)
        ]
    if missing:
        raise ConfigError("production refuses to start without: " + ", ".join(missing))
