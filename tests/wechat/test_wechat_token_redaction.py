"""issue 8: the WeChat access token never reaches the logs, an error stored in the database
(`notifications.last_error`) or an API answer. requests' errors carry the URL with
`?access_token=...`; wechat.redact() takes it out, at the boundary, once."""

from __future__ import annotations

import logging

import pytest

from app import create_app
from models import Notification, db
from notifications import notify
from notifications.delivery import deliver
from tests.support.fake_wechat import FakeWeChat
from tests.support.wechat import WECHAT_KNOWS, WECHAT_TEMPLATES, wechat_config
from wechat import redact

WISH = {"title": "孩子需要书包", "content": "孩子今年上小学，想要一个新书包。", "category": "study"}


def test_redact_takes_out_every_form_of_the_token():
    assert redact("GET /wxa/x?access_token=ABC.def-1_2&scene=3 failed") == (
        "GET /wxa/x?access_token=***&scene=3 failed"
    )
    assert redact("url: /cgi-bin/y?access_token=ABC (Caused by X)") == (
        "url: /cgi-bin/y?access_token=*** (Caused by X)"
    )
    assert redact('{"access_token": "ABC", "expires_in": 7200}') == (
        '{"access_token": "***", "expires_in": 7200}'
    )
    assert redact("access_token%3DABC") == "access_token%3D***"
    assert redact("nothing here") == "nothing here"


@pytest.fixture
def own_fake():
    """A fake WeChat of this test's own, which the test stops (WeChat out of reach)."""
    fake = FakeWeChat().start()
    fake.templates.update(WECHAT_KNOWS)
    stopped = [False]
    yield fake, stopped
    if not stopped[0]:
        fake.stop()


def _row(app, person_id: int) -> int:
    with app.app_context():
        n = notify(
            person_id,
            "wish_claimed",
            {"title": "孩子需要书包", "name": "王建国", "at": "2026-05-01 08:30"},
        )
        db.session.commit()
        return n.id


def test_token_stays_out_of_logs_rows_and_answers(
    base_config, app, world, own_fake, caplog, wish_scene, give_consent
):
    fake, stopped = own_fake
    wx = create_app(wechat_config(base_config, fake))
    wx.config["WECHAT_TEMPLATES"] = WECHAT_TEMPLATES
    s = wish_scene()
    world.account(s.members[0], openid="oid-redact")
    headers = s.h(s.wisher)
    caplog.set_level(logging.DEBUG)  # urllib3 logs every URL at DEBUG

    give_consent(fake, s.members[0].id, "TPL-CLAIMED", 3, app=wx)
    first = _row(wx, s.members[0].id)
    with wx.app_context():
        assert deliver(first) == "sent"
    token = fake._current
    assert token and fake.calls_to("/cgi-bin/message/subscribe/send")

    fake.stop()  # WeChat (or the gateway) out of reach: requests names the URL in its error
    stopped[0] = True
    second = _row(wx, s.members[0].id)
    with wx.app_context():
        assert deliver(second) == "pending"
        n = db.session.get(Notification, second)
        assert n.last_error and "wechat_unavailable" in n.last_error
        assert token not in n.last_error and "access_token=***" in n.last_error

    r = wx.test_client().post("/api/v1/wishes", json=WISH, headers=headers)
    assert r.status_code == 201, r.json  # posted unchecked
    assert token not in r.get_data(as_text=True)

    assert "access_token" in caplog.text  # the failures were logged, with the URL
    assert token not in caplog.text
    for record in caplog.records:
        assert token not in record.getMessage()
