"""Consent accounting against the strict fake WeChat (one consent, one message): reports
counted once per request id (a burst included), no call to WeChat without a consent, a consent
spent once, given back when WeChat did not use it, which kinds to ask for next, and the
delivery statistics per kind."""

from __future__ import annotations

import logging
from collections import Counter

import pytest

from models import Account, Notification, SubscribeConsent, db
from notifications import consents, notify
from notifications.delivery import deliver
from tests.support.concurrency import fire_at_once
from tests.support.wechat import WECHAT_KNOWS, WECHAT_TEMPLATES

SEND = "/cgi-bin/message/subscribe/send"
REVIEWED = {
    "template_id": "TPL-REVIEWED",
    "fields": {"thing1": {"from": "title", "type": "thing"}},
}
TEMPLATES = {**WECHAT_TEMPLATES, "wish_reviewed": REVIEWED}
DATA = {"title": "孩子需要一个新书包", "name": "王建国", "at": "2026-05-01 08:30"}


@pytest.fixture
def wx(wechat_app, fake_wechat):
    fake_wechat.templates.update({**WECHAT_KNOWS, "TPL-REVIEWED": ["thing1"]})
    wechat_app.config["WECHAT_TEMPLATES"] = TEMPLATES
    wechat_app.config["NOTIFY_MAX_ATTEMPTS"] = 3
    return wechat_app


def _person(world):
    person = world.member()
    world.account(person, openid=f"oid-{person.id}")
    return person, world.headers(person)


def _report(app, headers, request_id: str, results: dict[str, str]):
    return app.test_client().post(
        "/api/v1/subscriptions",
        json={"request_id": request_id, "results": results},
        headers=headers,
    )


def held(app, person_id: int, template_id: str = "TPL-CLAIMED") -> int:
    with app.app_context():
        return consents.held(person_id, template_id)


def _send(app, person_id: int, kind: str = "wish_claimed") -> Notification:
    with app.app_context():
        n = notify(
            person_id,
            kind,
            {k: v for k, v in DATA.items() if k != "name" or kind == "wish_claimed"},
        )
        db.session.commit()
        deliver(n.id)
        n = db.session.get(Notification, n.id)
        db.session.expunge(n)
        return n


def test_a_report_counts_accepts_and_ignores_unknown_templates(wx, world, caplog):
    person, h = _person(world)
    caplog.set_level(logging.WARNING, logger="notifications.consents")
    logging.getLogger("notifications.consents").disabled = False
    r = _report(wx, h, "r1", {"TPL-CLAIMED": "accept", "TPL-REVIEWED": "reject", "TPL-X": "accept"})
    assert r.status_code == 200, r.json
    assert r.json == {"counted": True, "accepted": ["TPL-CLAIMED"], "ignored": ["TPL-X"]}
    assert any("TPL-X" in rec.getMessage() for rec in caplog.records)
    assert held(wx, person.id) == 1 and held(wx, person.id, "TPL-REVIEWED") == 0
    # The same request again (a retry) counts nothing; a new one adds one.
    assert _report(wx, h, "r1", {"TPL-CLAIMED": "accept"}).json["counted"] is False
    assert _report(wx, h, "r2", {"TPL-CLAIMED": "accept"}).json["counted"] is True
    assert held(wx, person.id) == 2
    bad = _report(wx, h, "r3", {"TPL-CLAIMED": "maybe"})
    assert bad.status_code == 422
    assert _report(wx, h, "", {"TPL-CLAIMED": "accept"}).status_code == 422
    assert _report(wx, h, "r4", {}).status_code == 422


def test_a_burst_of_the_same_report_counts_once(wx, world):
    person, h = _person(world)
    results = fire_at_once(8, lambda i: _report(wx, h, "burst-1", {"TPL-CLAIMED": "accept"}))
    assert Counter(r.status_code for r in results) == {200: 8}, [r.json for r in results]
    assert Counter(r.json["counted"] for r in results) == {True: 1, False: 7}
    assert held(wx, person.id) == 1


def test_a_burst_of_different_reports_counts_each(wx, world):
    person, h = _person(world)
    results = fire_at_once(6, lambda i: _report(wx, h, f"req-{i}", {"TPL-CLAIMED": "accept"}))
    assert all(r.status_code == 200 and r.json["counted"] for r in results), [
        r.json for r in results
    ]
    assert held(wx, person.id) == 6
    with wx.app_context():
        rows = db.session.scalars(
            db.select(SubscribeConsent).where(SubscribeConsent.person_id == person.id)
        ).all()
        assert len(rows) == 1


def test_no_consent_no_call_to_wechat(wx, world, fake_wechat):
    person, _ = _person(world)
    n = _send(wx, person.id)
    assert n.status == "skipped" and n.last_error.startswith("no_consent"), n.last_error
    assert fake_wechat.calls_to(SEND) == []


def test_a_consent_is_spent_once(wx, world, fake_wechat):
    person, h = _person(world)
    assert _report(wx, h, "once", {"TPL-CLAIMED": "accept"}).json["counted"]
    fake_wechat.grant(f"oid-{person.id}", "TPL-CLAIMED")
    first, second = _send(wx, person.id), _send(wx, person.id)
    assert first.status == "sent"
    assert second.status == "skipped" and second.last_error.startswith("no_consent")
    assert len(fake_wechat.calls_to(SEND)) == 1
    assert held(wx, person.id) == 0


def test_a_refusal_that_did_not_use_the_consent_gives_it_back(wx, world, fake_wechat):
    person, h = _person(world)
    _report(wx, h, "back", {"TPL-CLAIMED": "accept"})
    fake_wechat.grant(f"oid-{person.id}", "TPL-CLAIMED")
    fake_wechat.fail[SEND] = 45011  # over the minute quota: retried later
    n = _send(wx, person.id)
    assert n.status == "pending" and held(wx, person.id) == 1
    del fake_wechat.fail[SEND]
    with wx.app_context():
        db.session.execute(
            db.update(Notification)
            .where(Notification.id == n.id)
            .values(next_attempt_at=n.created_at)
        )
        db.session.commit()
        assert deliver(n.id) == "sent"
    assert held(wx, person.id) == 0


def test_43101_means_wechat_holds_none_either(wx, world, fake_wechat):
    person, h = _person(world)
    _report(wx, h, "stale", {"TPL-CLAIMED": "accept"})
    _report(wx, h, "stale2", {"TPL-CLAIMED": "accept"})
    # WeChat never got those taps (the user cleared them): it answers 43101.
    n = _send(wx, person.id)
    assert n.status == "skipped" and n.last_error.startswith("43101")
    assert held(wx, person.id) == 0


def test_which_kinds_to_ask_for_next(wx, world):
    person, h = _person(world)
    client = wx.test_client()
    ask = client.get("/api/v1/subscriptions/next", headers=h).json["ask"]
    assert [a["kind"] for a in ask] == ["wish_claimed", "wish_reviewed"]
    assert ask[0]["template_id"] == "TPL-CLAIMED"
    _report(wx, h, "a1", {"TPL-CLAIMED": "accept", "TPL-REVIEWED": "ban"})
    assert client.get("/api/v1/subscriptions/next", headers=h).json["ask"] == []


def test_delivery_statistics_per_kind(wx, world, fake_wechat):
    person, h = _person(world)
    _report(wx, h, "s1", {"TPL-CLAIMED": "accept"})
    fake_wechat.grant(f"oid-{person.id}", "TPL-CLAIMED")
    _send(wx, person.id)  # sent
    _send(wx, person.id)  # no consent
    fake_wechat.templates["TPL-REVIEWED"] = ["thing1", "thing2"]  # WeChat refuses: 47003
    _report(wx, h, "s2", {"TPL-REVIEWED": "accept"})
    fake_wechat.grant(f"oid-{person.id}", "TPL-REVIEWED")
    failed = _send(wx, person.id, "wish_reviewed")
    assert failed.status == "failed"
    with wx.app_context():
        stats = {row["kind"]: row for row in consents.delivery_stats()}
        assert db.session.scalar(db.select(Account.id).where(Account.person_id == person.id))
    assert (stats["wish_claimed"]["sent"], stats["wish_claimed"]["no_consent"]) == (1, 1)
    assert stats["wish_reviewed"]["failed"] == 1
    assert held(wx, person.id, "TPL-REVIEWED") == 1  # 47003 did not use it
