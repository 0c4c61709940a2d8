"""msg_sec_check v2 against the strict fake: every documented errcode handled, and the re-check
on approval made with an openid WeChat accepts (the approving secretary's)."""

from __future__ import annotations

import logging

import pytest

from models import Account, Wish, db

SEC = "/wxa/msg_sec_check"
WISH = {"title": "孩子需要书包", "content": "孩子今年上小学，想要一个新书包。", "category": "study"}


def openid(app, person) -> str:
    with app.app_context():
        return db.session.scalar(db.select(Account.openid).where(Account.person_id == person.id))


def content_check(app, wish_id: int) -> str:
    with app.app_context():
        return db.session.get(Wish, wish_id).content_check


def post(app, s) -> int:
    r = app.test_client().post("/api/v1/wishes", json=WISH, headers=s.h(s.wisher))
    assert r.status_code == 201, r.json
    return r.json["id"]


def approve(app, s, wish_id: int):
    return app.test_client().post(
        f"/api/v1/wishes/{wish_id}/review", json={"approve": True}, headers=s.h(s.secretary)
    )


def test_issue10_6_approval_rechecks_with_the_secretarys_openid(
    world, wechat_app, fake_wechat, new_scene
):
    """issue 10 #6: the re-check used the author's openid; WeChat answers 61010 for a user who
    has not opened the app in two hours, and the wish was published "unchecked". The secretary
    approving it is the active user: WeChat checks it on their behalf."""
    s = new_scene()
    s.h(s.wisher), s.h(s.secretary)
    fake_wechat.fail[SEC] = -1  # WeChat busy when the wish is posted
    wish_id = post(wechat_app, s)
    assert content_check(wechat_app, wish_id) == "unchecked"
    del fake_wechat.fail[SEC]
    fake_wechat.inactive_openids.add(openid(wechat_app, s.wisher))  # gone for hours
    r = approve(wechat_app, s, wish_id)
    assert r.status_code == 200 and r.json["status"] == "open", r.json
    assert r.json["content_check"] == "pass"
    last = fake_wechat.calls_to(SEC)[-1][2]
    assert last["openid"] == openid(wechat_app, s.secretary) and last["version"] == 2


def test_issue10_6_unchecked_mark_stays_visible_when_wechat_still_cannot_say(
    world, wechat_app, fake_wechat, new_scene
):
    """61010 for the secretary too (approving from the desk console): the approval stands, the
    wish keeps its "unchecked" mark for the secretary and committee, the history says why."""
    s = new_scene()
    s.h(s.wisher), s.h(s.secretary)
    fake_wechat.inactive_openids.update({openid(wechat_app, s.wisher)})
    wish_id = post(wechat_app, s)
    fake_wechat.inactive_openids.add(openid(wechat_app, s.secretary))
    r = approve(wechat_app, s, wish_id)
    assert r.status_code == 200 and r.json["content_check"] == "unchecked", r.json
    assert "人工审核" in r.json["history"][-1]["reason"]
    committee = wechat_app.test_client().get(f"/api/v1/wishes/{wish_id}", headers=s.h(s.committee))
    assert committee.json["content_check"] == "unchecked"
    member = wechat_app.test_client().get(f"/api/v1/wishes/{wish_id}", headers=s.h(s.members[0]))
    assert member.json["content_check"] is None


@pytest.mark.parametrize(
    "errcode, logged_as_error",
    [
        (40003, False),  # openid invalid
        (43104, False),  # openid of another app
        (61010, False),  # user inactive
        (40129, True),  # scene wrong: our bug
        (43002, True),  # not POST: our bug
        (44002, True),  # empty body: our bug
        (47001, True),  # bad JSON: our bug
        (44991, False),  # minute quota
        (45009, False),  # daily quota
        (-1, False),  # busy
    ],
)
def test_every_documented_errcode_leaves_the_text_unchecked(
    world, wechat_app, fake_wechat, caplog, errcode, logged_as_error, new_scene
):
    """msg_sec_check v2's errcodes: the wish is posted and waits for the secretary, marked
    unchecked; our own mistakes are logged as errors."""
    for name in ("media.content_check", "wechat.client"):
        logging.getLogger(name).disabled = False
    s = new_scene()
    fake_wechat.fail[SEC] = errcode
    with caplog.at_level(logging.INFO):
        wish_id = post(wechat_app, s)
    assert content_check(wechat_app, wish_id) == "unchecked"
    errors = [r for r in caplog.records if r.levelname == "ERROR" and str(errcode) in r.message]
    assert bool(errors) == logged_as_error, caplog.text


def test_v1_risky_errcode_refuses_the_text(world, wechat_app, fake_wechat, new_scene):
    s = new_scene()
    fake_wechat.fail[SEC] = 87014
    r = wechat_app.test_client().post("/api/v1/wishes", json=WISH, headers=s.h(s.wisher))
    assert r.status_code == 422 and r.json["reason"] == "content_risky", r.json


def test_the_check_call_is_the_documented_v2_body(world, wechat_app, fake_wechat, new_scene):
    s = new_scene()
    post(wechat_app, s)
    [(_, _, body)] = fake_wechat.calls_to(SEC)
    assert body["version"] == 2 and body["scene"] == 3
    assert body["openid"] == openid(wechat_app, s.wisher)
    assert WISH["title"] in body["content"] and WISH["content"] in body["content"]


def test_issue10_9_non_json_200_leaves_the_text_unchecked(
    world, wechat_app, fake_wechat, new_scene
):
    """issue 10 #9: a 200 that is not JSON made the content check 500."""
    s = new_scene()
    fake_wechat.non_json.add(SEC)
    assert content_check(wechat_app, post(wechat_app, s)) == "unchecked"
