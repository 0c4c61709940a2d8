"""Settings of an app that talks to the fake WeChat, and the subscription template the
notification tests send through it."""

from __future__ import annotations

from typing import Any

from tests.support.fake_wechat import FakeWeChat

PUSH_TOKEN = "pushtoken2026"


def wechat_config(base_config: dict[str, Any], fake: FakeWeChat, **extra: Any) -> dict[str, Any]:
    """Settings of an app that talks to the fake WeChat."""
    cfg = dict(base_config)
    cfg.update(
        WECHAT_APPID=fake.appid,
        WECHAT_SECRET=fake.secret,
        WECHAT_API_BASE=fake.base_url,
        WECHAT_CONNECT_TIMEOUT=1.0,
        WECHAT_READ_TIMEOUT=1.0,
        WECHAT_PUSH_TOKEN=PUSH_TOKEN,
    )
    cfg.update(extra)
    return cfg


# The wish_claimed template as WECHAT_TEMPLATES holds it, and its keywords as WeChat knows them.
WISH_CLAIMED_TEMPLATE = {
    "template_id": "TPL-CLAIMED",
    "fields": {
        "thing1": {"from": "title", "type": "thing"},
        "name2": {"from": "name", "type": "name"},
        "time3": {"from": "at", "type": "time"},
    },
}
WISH_CLAIMED_KEYWORDS = ["thing1", "name2", "time3"]
