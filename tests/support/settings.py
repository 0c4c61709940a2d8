"""A production environment that passes every check of config.load_settings."""

from __future__ import annotations

PROD = {
    "APP_ENV": "production",
    "SECRET_KEY": "s3cret-for-real",
    "DATABASE_URL": "postgresql+psycopg://u@db/frontline",
    "REDIS_URL": "redis://cache:6379/0",
    "WECHAT_APPID": "wx1",
    "WECHAT_SECRET": "sec",
    "WECHAT_PUSH_TOKEN": "pushtoken1",
    "WECHAT_PUSH_AES_KEY": "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG",
    "PUBLIC_BASE_URL": "https://frontline.example.com",
}
