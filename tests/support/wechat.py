"""Settings of an app that talks to the fake WeChat, and the subscription templates the
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
# WECHAT_TEMPLATES with that one template, and the templates WeChat (the fake) knows: a test
# sending more kinds adds its own to copies of these.
WECHAT_TEMPLATES = {"wish_claimed": WISH_CLAIMED_TEMPLATE}
WECHAT_KNOWS = {WISH_CLAIMED_TEMPLATE["template_id"]: WISH_CLAIMED_KEYWORDS}
