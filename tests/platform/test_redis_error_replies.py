"""issue 8: a Redis that answers with an error reply (OOM under noeviction, READONLY) is treated
like an unreachable one everywhere, not only by the vote: the rate limits fall back to memory,
the WeChat access token is "WeChat unavailable" (a wish is still posted, unchecked), the job
queue leaves outbox rows pending, and whatever reaches a view is 503 `cache_unavailable`.

The Redis is a redis-server this test starts itself (never the shared one's config)."""

from __future__ import annotations

import pytest
import redis

from app import create_app
from models import Notification, Wish, db
from models.redis_store import redis_unavailable
from tests.support.wechat import wechat_config

WISH = {"title": "孩子需要书包", "content": "孩子今年上小学，想要一个新书包。", "category": "study"}


@pytest.fixture
def full_redis(start_redis):
    """A private Redis that refuses every write with OOM (maxmemory 1, noeviction)."""
    return start_redis()


@pytest.fixture
def oom_app(base_config, app, fake_wechat, full_redis):
    from miniapp_api.extensions import limiter

    url = f"redis://127.0.0.1:{full_redis.port}/0"
    application = create_app(wechat_config(base_config, fake_wechat, REDIS_URL=url))
    yield application
    limiter.init_app(app)  # the limiter is one per process: give it back the session's Redis


def test_classification_of_error_replies(full_redis):
    """OOM and READONLY replies are "cannot serve now"; a wrong-type error is our bug."""
    client = full_redis.client()
    client.config_set("maxmemory", "1")
    with pytest.raises(redis.exceptions.RedisError) as oom:
        client.set("k", "v")
    assert redis_unavailable(oom.value)
    with pytest.raises(redis.exceptions.RedisError) as lua_oom:
        client.eval("return redis.call('SET', KEYS[1], 'v')", 1, "k")
    assert redis_unavailable(lua_oom.value)
    client.config_set("maxmemory", "0")
    client.set("s", "v")
    with pytest.raises(redis.exceptions.ResponseError) as wrongtype:
        client.hget("s", "f")
    assert not redis_unavailable(wrongtype.value)
    assert redis_unavailable(redis.exceptions.ReadOnlyError("READONLY You can't write"))
    assert redis_unavailable(redis.exceptions.ResponseError("LOADING Redis is loading"))
    assert redis_unavailable(redis.exceptions.ConnectionError("refused"))


def test_oom_redis_never_gives_a_500(oom_app, full_redis, world, fake_wechat, wish_scene):
    s = wish_scene()
    headers = s.h(s.wisher), s.h(s.secretary)
    full_redis.client().config_set("maxmemory", "1")  # from here every write is refused: OOM
    c = oom_app.test_client()

    # Login and bind: the limiter and the counted attempts fall back to memory.
    world.person(name="满缓存", phone="13900006666", employee_no="OOM1")
    r = c.post("/api/v1/auth/login", json={"code": "ok-openid-oom1"})
    assert r.status_code == 200, r.json
    token = {"Authorization": f"Bearer {r.json['token']}"}
    bad = {"employee_no": "OOM1", "name": "满缓存", "phone_tail": "0000"}
    assert c.post("/api/v1/auth/bind", json=bad, headers=token).status_code == 422
    good = dict(bad, phone_tail="6666")
    assert c.post("/api/v1/auth/bind", json=good, headers=token).status_code == 200
    assert c.get("/api/v1/me", headers=token).json["bound"] is True

    # Posting a wish needs the access token (content check): Redis cannot keep it, so WeChat
    # counts as unavailable and the wish is posted unchecked.
    r = c.post("/api/v1/wishes", json=WISH, headers=headers[0])
    assert r.status_code == 201, r.json
    with oom_app.app_context():
        assert db.session.get(Wish, r.json["id"]).content_check == "unchecked"


def test_oom_redis_keeps_notifications_pending(oom_app, full_redis, world, wish_scene):
    """The job queue cannot take the delivery: the outbox row stays pending for the sweeper."""
    s = wish_scene()
    full_redis.client().config_set("maxmemory", "1")
    with oom_app.app_context():
        from notifications import notify
        from notifications.kinds import KINDS

        notify(s.wisher.id, "wish_claimed", {k: "书包" for k in KINDS["wish_claimed"].keys})
        db.session.commit()
        rows = db.session.scalars(db.select(Notification)).all()
        assert rows and {n.status for n in rows} == {"pending"}


def test_error_reply_reaching_a_view_is_503(oom_app, full_redis, world):
    """Any Redis error reply that escapes a service is 503 cache_unavailable with Retry-After."""
    from flask import Blueprint

    from models import get_redis

    bp = Blueprint("oom_probe", __name__)

    @bp.route("/api/v1/_oom_probe")
    def probe():
        get_redis().set("probe", "1")
        return "unreachable"

    oom_app.register_blueprint(bp)
    full_redis.client().config_set("maxmemory", "1")
    r = oom_app.test_client().get("/api/v1/_oom_probe")
    assert r.status_code == 503, r.data
    assert r.json["reason"] == "cache_unavailable" and r.headers["Retry-After"]


def test_console_pages_answer_an_error_reply_with_their_own_503(app):
    """The console's handler takes every Redis error: an outage (OOM, READONLY) is its HTML 503
    with Retry-After, not the API's JSON; any other error reply is a 500 page."""
    from web.errors import handle_redis_error as redis_down

    outages = redis.exceptions.ReadOnlyError("READONLY"), redis.exceptions.ResponseError("OOM")
    for error in outages:
        assert app._find_error_handler(error, ["console"]) is redis_down
    with app.test_request_context("/console/"):
        r = redis_down(redis.exceptions.ReadOnlyError("READONLY You can't write"))
        assert r.status_code == 503 and r.headers["Retry-After"] == "5"
        assert r.mimetype == "text/html" and "服务暂时繁忙" in r.get_data(as_text=True)
        r = redis_down(redis.exceptions.ResponseError("OOM command not allowed"))
        assert r.status_code == 503
        wrongtype = redis.exceptions.ResponseError("WRONGTYPE Operation against a key")
        assert redis_down(wrongtype).status_code == 500
