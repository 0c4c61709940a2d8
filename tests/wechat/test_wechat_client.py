"""The WeChat client against the strict fake: stable tokens, one bounded renew+retry on a
rejected token, share codes for the configured build, answers that are not what WeChat
documents."""

from __future__ import annotations

from models import Wish, db, get_redis
from tests.support.concurrency import fire_at_once
from wechat import WeChatUnavailable, get_wechat

SEC = "/wxa/msg_sec_check"
CODE = "/wxa/getwxacodeunlimit"
TOKEN_KEY = "wechatpy:wx-test-appid_access_token"


def _unavailable(fn) -> bool:
    try:
        fn()
    except WeChatUnavailable:
        return True
    return False


def test_issue10_1_40001_forever_ends_within_two_calls_and_a_503(
    app, client, world, wechat_app, fake_wechat, new_campaign
):
    """issue 10 #1: WeChat keeps answering 40001. One request sends the call at most twice
    (one renewal in between), then answers 503 — no storm, no RecursionError."""
    setup = new_campaign()
    s0 = setup.candidates["safety"][0]
    headers = world.headers(world.person(setup.branch))
    fake_wechat.token_error_forever = 40001
    wclient = wechat_app.test_client()
    url = f"/api/v1/campaigns/{setup.campaign_id}/candidates/{s0}/qrcode"
    r = wclient.get(url, headers=headers)
    assert r.status_code == 503 and r.json["reason"] == "wechat_unavailable", r.json
    assert len(fake_wechat.calls_to(CODE)) == 2
    # The renewal tried normal mode, then one force_refresh (WeChat kept the same token).
    assert fake_wechat.force_refreshes == 1
    # The next request within 30 s may not force again: one call, then 503.
    r = wclient.get(url, headers=headers)
    assert r.status_code == 503
    assert len(fake_wechat.calls_to(CODE)) == 3
    assert fake_wechat.force_refreshes == 1


def test_issue10_1_wish_post_during_a_token_storm_is_posted_unchecked(
    world, wechat_app, fake_wechat, wish_scene
):
    """issue 10 #1: POST /wishes answered 500 after 460 content-check calls; now the check is
    tried twice and the wish waits for the secretary, marked unchecked."""
    s = wish_scene()
    fake_wechat.token_error_forever = 40001
    r = wechat_app.test_client().post(
        "/api/v1/wishes",
        json={"title": "孩子需要书包", "content": "想要一个新书包", "category": "study"},
        headers=s.h(s.wisher),
    )
    assert r.status_code == 201, r.json
    assert len(fake_wechat.calls_to(SEC)) == 2
    with wechat_app.app_context():
        assert db.session.get(Wish, r.json["id"]).content_check == "unchecked"


def test_issue10_1_a_token_replaced_by_another_holder_is_renewed_once(wechat_app, fake_wechat):
    """issue 10 #1/#3: another holder force-refreshed; normal mode gives the new token and the
    call is retried once with it — no force_refresh of ours."""
    with wechat_app.app_context():
        client = get_wechat()
        first = client.access_token
        fake_wechat.invalidate_tokens()
        assert client.msg_sec_check("o-1", "你好", scene=3)["result"]["suggest"] == "pass"
        assert client.access_token != first
    tokens = [q["access_token"] for _, q, _ in fake_wechat.calls_to(SEC)]
    assert tokens[0] == first and len(tokens) == 2
    assert fake_wechat.force_refreshes == 0


def test_issue10_1_racing_workers_renew_a_rejected_token_once(wechat_app, fake_wechat):
    """Eight workers see 40001 at the same moment: one renews (under the lock), the others
    reuse its token; nobody forces a refresh."""
    with wechat_app.app_context():
        assert get_wechat().access_token
    fake_wechat.invalidate_tokens()
    fetches = fake_wechat.token_fetches

    def check(i: int) -> str:
        with wechat_app.app_context():
            return get_wechat().msg_sec_check(f"o-{i}", "你好", scene=3)["result"]["suggest"]

    assert fire_at_once(8, check) == ["pass"] * 8
    assert fake_wechat.token_fetches - fetches == 1
    assert fake_wechat.force_refreshes == 0
    assert len(fake_wechat.calls_to(SEC)) == 16


def test_issue10_3_the_token_is_a_stable_token_never_get_access_token(wechat_app, fake_wechat):
    """issue 10 #3: the token comes from POST cgi-bin/stable_token (JSON, normal mode), never
    from cgi-bin/token, which would invalidate every other holder's token."""
    with wechat_app.app_context():
        token = get_wechat().access_token
        ttl = get_redis().ttl(TOKEN_KEY)
    assert token.startswith("STABLE-")
    [(_, _, body)] = fake_wechat.calls_to("/cgi-bin/stable_token")
    assert body == {
        "grant_type": "client_credential",
        "appid": "wx-test-appid",
        "secret": "wx-test-secret",
    }
    assert fake_wechat.legacy_token_fetches == 0
    # Renewed 5 minutes before WeChat's expiry, when WeChat hands out the next one.
    assert 7200 - 300 - 5 <= ttl <= 7200 - 300


def test_issue10_3_force_refresh_at_most_once_per_30_seconds(wechat_app, fake_wechat):
    """issue 10 #3: force_refresh only for the cached token WeChat rejects, once per 30 s
    across workers; the daily budget is counted."""
    fake_wechat.token_error_forever = 40001
    with wechat_app.app_context():
        client = get_wechat()
        for _ in range(3):
            assert _unavailable(lambda: client.msg_sec_check("o", "x", scene=3))
        forced = [b for _, _, b in fake_wechat.calls_to("/cgi-bin/stable_token")]
        assert [b.get("force_refresh", False) for b in forced].count(True) == 1
        day_keys = list(get_redis().scan_iter("wechatpy:wx-test-appid:force-refresh:*"))
        assert len(day_keys) == 1 and get_redis().get(day_keys[0]) == "1"


def test_issue10_9_non_json_200_is_unavailable_not_success(wechat_app, fake_wechat):
    """issue 10 #9: a 200 that is not JSON on a JSON endpoint is `wechat_unavailable`."""
    fake_wechat.non_json.add(SEC)
    with wechat_app.app_context():
        assert _unavailable(lambda: get_wechat().msg_sec_check("o", "x", scene=3))


def test_issue10_5_share_code_for_a_trial_build(
    base_config, app, client, world, fake_wechat, new_campaign
):
    """issue 10 #5: the share code names the build (env_version) and only checks the page of
    a released build; a trial build's page is not published, which was 41030 → 502."""
    from app import create_app
    from tests.support.wechat import wechat_config

    fake_wechat.pages["formal"] = set()  # nothing released yet
    trial = create_app(wechat_config(base_config, fake_wechat, WECHAT_ENV_VERSION="trial"))
    assert trial.config["WECHAT_MINIPROGRAM_STATE"] == "trial"
    setup = new_campaign()
    s0 = setup.candidates["safety"][0]
    url = f"/api/v1/campaigns/{setup.campaign_id}/candidates/{s0}/qrcode"
    r = trial.test_client().get(url, headers=world.headers(world.person(setup.branch)))
    assert r.status_code == 200, r.json
    [(_, _, body)] = fake_wechat.calls_to(CODE)
    assert body["env_version"] == "trial" and body["check_path"] is False
    assert body["scene"] == f"c={setup.campaign_id}&k={s0}"


def test_issue10_10_share_code_content_type_is_sniffed(
    app, client, world, wechat_app, fake_wechat, new_campaign
):
    """issue 10 #10: WeChat sends JPEG; it was served as image/png."""
    setup = new_campaign()
    s0 = setup.candidates["safety"][0]
    url = f"/api/v1/campaigns/{setup.campaign_id}/candidates/{s0}/qrcode"
    headers = world.headers(world.person(setup.branch))
    for _ in range(2):  # from WeChat, then from the cache
        r = wechat_app.test_client().get(url, headers=headers)
        assert r.status_code == 200 and r.mimetype == "image/jpeg", r.headers
        assert r.data == fake_wechat.share_code_image
    assert len(fake_wechat.calls_to(CODE)) == 1


def test_share_code_is_generic_for_other_pages(wechat_app, fake_wechat):
    """The console (issue 13) asks for a code with its own page and scene."""
    with wechat_app.app_context():
        code = get_wechat().share_code("t=ab12cd", "pages/console/login", env_version="develop")
    assert code.content_type == "image/jpeg"
    [(_, _, body)] = fake_wechat.calls_to(CODE)
    assert body["page"] == "pages/console/login" and body["env_version"] == "develop"
