"""WeChat's image check (mediaCheckAsync v2) end to end: the app served on loopback, the fake
WeChat fetching the signed photo link and pushing its signed verdict to our push endpoint."""

from __future__ import annotations

import io
from datetime import timedelta
from urllib.parse import urlencode

import requests

from media import jobs as media_jobs
from models import Account, Candidate, Notification, Upload, db
from tests.support.images import image_bytes
from tests.support.jobs import run_worker
from tests.support.wechat import PUSH_TOKEN, wechat_config

MEDIA = "/wxa/media_check_async"
AES_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"


def fulfilled_with_photo(app, world, new_wish, upload_wish_photo, wish_scene):
    """A published wish, claimed and fulfilled with one photo that WeChat has not judged yet."""
    s = wish_scene(members=2)
    client = app.test_client()
    for person in (s.wisher, s.secretary, s.members[0], s.members[1], s.committee):
        s.h(person)
    wish_id = new_wish(s, via=client)
    claimer = s.members[0]
    assert client.post(f"/api/v1/wishes/{wish_id}/claim", headers=s.h(claimer)).status_code == 200
    r = upload_wish_photo(s, claimer, image_bytes("JPEG", (120, 90)), via=client)
    assert r.status_code == 201 and r.json["check"] == "checking", r.json
    photo_id = r.json["id"]
    r = client.post(
        f"/api/v1/wishes/{wish_id}/fulfil",
        json={"note": "书包已送到", "photo_ids": [photo_id]},
        headers=s.h(claimer),
    )
    assert r.status_code == 200, r.json
    return s, wish_id, photo_id


def photos_seen(app, s, person, wish_id: int) -> list[int]:
    r = app.test_client().get(f"/api/v1/wishes/{wish_id}", headers=s.h(person))
    assert r.status_code == 200, r.json
    return [p["id"] for p in r.json["photos"]]


def content(app, s, person, photo_id: int) -> int:
    url = f"/api/v1/uploads/{photo_id}/content"
    return app.test_client().get(url, headers=s.h(person)).status_code


def upload_row(app, photo_id: int) -> Upload:
    with app.app_context():
        u = db.session.get(Upload, photo_id)
        db.session.expunge(u)
        return u


def notifications_of(app, person, kind: str) -> list[Notification]:
    with app.app_context():
        rows = db.session.scalars(
            db.select(Notification).where(
                Notification.person_id == person.id, Notification.kind == kind
            )
        ).all()
        for n in rows:
            db.session.expunge(n)
        return rows


def test_issue10_7_photo_hidden_until_the_signed_verdict_arrives(
    live_wechat, world, fake_wechat, new_wish, upload_wish_photo, wish_scene
):
    """issue 10 #7: every photo goes to WeChat's image check; until WeChat's signed push says
    pass, only its uploader, the branch secretary and committee see it."""
    app, server = live_wechat
    s, wish_id, photo_id = fulfilled_with_photo(app, world, new_wish, upload_wish_photo, wish_scene)
    claimer, member = s.members
    for person in (claimer, s.secretary, s.committee):
        assert photos_seen(app, s, person, wish_id) == [photo_id]
        assert content(app, s, person, photo_id) == 200
    for person in (member, s.wisher):
        assert photos_seen(app, s, person, wish_id) == []
        assert content(app, s, person, photo_id) == 404

    run_worker(app)  # the queued check goes out
    [(_, _, body)] = fake_wechat.calls_to(MEDIA)
    with app.app_context():
        claimer_openid = db.session.scalar(
            db.select(Account.openid).where(Account.person_id == claimer.id)
        )
    assert body["openid"] == claimer_openid
    assert (body["media_type"], body["version"], body["scene"]) == (2, 2, 3)
    assert body["media_url"].startswith(f"{server.url}/api/v1/uploads/{photo_id}/content?")

    # WeChat fetches the link (no token) and pushes its verdict, signed.
    [(trace_id, status)] = fake_wechat.deliver_media_checks()
    assert status == 200
    row = upload_row(app, photo_id)
    assert (row.check_status, row.check_trace_id) == ("pass", trace_id)
    for person in (member, s.wisher):
        assert photos_seen(app, s, person, wish_id) == [photo_id]
        assert content(app, s, person, photo_id) == 200


def test_issue10_7_risky_photo_is_withdrawn_everywhere_and_the_uploader_told(
    live_wechat, world, fake_wechat, new_wish, upload_wish_photo, wish_scene
):
    app, _server = live_wechat
    s, wish_id, photo_id = fulfilled_with_photo(app, world, new_wish, upload_wish_photo, wish_scene)
    claimer = s.members[0]
    signed = app.test_client().get(f"/api/v1/wishes/{wish_id}", headers=s.h(claimer))
    signed_url = signed.json["photos"][0]["url"]
    fake_wechat.media_judge = lambda data: ("risky", 20002)
    run_worker(app)
    fake_wechat.deliver_media_checks()
    assert upload_row(app, photo_id).check_status == "risky"
    for person in (claimer, s.secretary, s.committee, s.members[1], s.wisher):
        assert photos_seen(app, s, person, wish_id) == []
        assert content(app, s, person, photo_id) == 404
    assert app.test_client().get(signed_url).status_code == 404  # not even a signed link
    [told] = notifications_of(app, claimer, "photo_withdrawn")
    assert "色情" in told.data["reason"] and "书包" in told.data["use"]
    # The withdrawn photo cannot prove another wish either.
    with app.app_context():
        assert db.session.get(Upload, photo_id).wish_id == wish_id


def test_issue10_7_push_with_a_bad_signature_is_refused(
    live_wechat, world, fake_wechat, new_wish, upload_wish_photo, wish_scene
):
    app, server = live_wechat
    s, wish_id, photo_id = fulfilled_with_photo(app, world, new_wish, upload_wish_photo, wish_scene)
    run_worker(app)
    [job] = fake_wechat.media_jobs
    message = fake_wechat.media_event(job["trace_id"], "pass", 100)
    query, body = fake_wechat.signed_push(message, token="not-our-token")
    r = requests.post(f"{fake_wechat.push_url}?{urlencode(query)}", data=body, timeout=5)
    assert r.status_code == 403
    query, body = fake_wechat.signed_push(message)
    query["signature"] = "0" * 40
    assert requests.post(f"{fake_wechat.push_url}?{urlencode(query)}", data=body).status_code == 403
    query, _ = fake_wechat.signed_push(message)
    del query["signature"]
    assert requests.post(f"{fake_wechat.push_url}?{urlencode(query)}", data=body).status_code == 403
    assert upload_row(app, photo_id).check_status == "checking"
    assert photos_seen(app, s, s.members[1], wish_id) == []
    # The genuine push still works afterwards.
    query, body = fake_wechat.signed_push(message)
    r = requests.post(f"{fake_wechat.push_url}?{urlencode(query)}", data=body, timeout=5)
    assert r.status_code == 200 and r.text == "success"
    assert upload_row(app, photo_id).check_status == "pass"


def test_push_url_check_answers_echostr(live_wechat, fake_wechat):
    app, server = live_wechat
    query, _ = fake_wechat.signed_push({})
    r = requests.get(f"{fake_wechat.push_url}?{urlencode(dict(query, echostr='e123'))}")
    assert r.status_code == 200 and r.text == "e123"
    query["signature"] = "f" * 40
    assert requests.get(f"{fake_wechat.push_url}?{urlencode(query)}").status_code == 403


def test_safe_mode_push_is_decrypted(
    base_config, app, world, fake_wechat, new_wish, upload_wish_photo, wish_scene
):
    """Safe mode: the push is encrypted (msg_signature over the ciphertext) and only encrypted
    pushes are accepted."""
    from app import create_app
    from tests.support.live_server import LiveServer

    server = LiveServer()
    safe = create_app(
        wechat_config(
            base_config, fake_wechat, PUBLIC_BASE_URL=server.url, WECHAT_PUSH_AES_KEY=AES_KEY
        )
    )
    server.start(safe)
    try:
        fake_wechat.configure_push(f"{server.url}/api/v1/wechat/push", PUSH_TOKEN)
        s, wish_id, photo_id = fulfilled_with_photo(
            safe, world, new_wish, upload_wish_photo, wish_scene
        )
        run_worker(safe)
        [job] = fake_wechat.media_jobs
        plain_query, plain_body = fake_wechat.signed_push(
            fake_wechat.media_event(job["trace_id"], "pass", 100)
        )
        r = requests.post(f"{fake_wechat.push_url}?{urlencode(plain_query)}", data=plain_body)
        assert r.status_code == 403  # a plain push where safe mode is configured
        fake_wechat.push_aes_key = AES_KEY
        [(_, status)] = fake_wechat.deliver_media_checks()
        assert status == 200
        assert upload_row(safe, photo_id).check_status == "pass"
    finally:
        server.stop()


def test_issue10_7_no_answer_in_time_is_left_for_the_secretary(
    live_wechat, world, fake_wechat, new_wish, upload_wish_photo, wish_scene
):
    """WeChat never answers: after WECHAT_MEDIA_CHECK_TIMEOUT_MINUTES the periodic job hands
    the photo to the secretary (never published silently); the secretary judges it."""
    app, _server = live_wechat
    s, wish_id, photo_id = fulfilled_with_photo(app, world, new_wish, upload_wish_photo, wish_scene)
    run_worker(app)
    with app.app_context():
        assert media_jobs.sweep_checks() == {"sent": 0, "overdue": 0}
        later = db.session.get(Upload, photo_id).created_at + timedelta(minutes=61)
        assert media_jobs.sweep_checks(later) == {"sent": 0, "overdue": 1}
    row = upload_row(app, photo_id)
    assert (row.check_status, row.check_note) == ("review", "overdue")
    assert photos_seen(app, s, s.members[1], wish_id) == []
    [told] = notifications_of(app, s.secretary, "photo_review_needed")
    assert "规定时间" in told.data["reason"]

    client = app.test_client()
    queue = client.get("/api/v1/admin/photos", headers=s.h(s.secretary))
    assert [p["id"] for p in queue.json] == [photo_id] and queue.json[0]["note"] == "overdue"
    other = world.secretary(world.branch())
    assert client.get("/api/v1/admin/photos", headers=s.h(other)).json == []
    r = client.post(
        f"/api/v1/admin/photos/{photo_id}/judge", json={"approve": True}, headers=s.h(other)
    )
    assert r.status_code == 404
    r = client.post(
        f"/api/v1/admin/photos/{photo_id}/judge", json={"approve": True}, headers=s.h(s.secretary)
    )
    assert r.status_code == 200 and r.json["status"] == "pass", r.json
    assert photos_seen(app, s, s.members[1], wish_id) == [photo_id]
    # A late verdict from WeChat does not overturn the secretary's.
    fake_wechat.media_judge = lambda data: ("review", 21000)
    fake_wechat.deliver_media_checks()
    assert upload_row(app, photo_id).check_status == "pass"


def test_secretary_can_withdraw_a_published_photo(
    live_wechat, world, fake_wechat, new_wish, upload_wish_photo, wish_scene
):
    app, _server = live_wechat
    s, wish_id, photo_id = fulfilled_with_photo(app, world, new_wish, upload_wish_photo, wish_scene)
    run_worker(app)
    fake_wechat.deliver_media_checks()
    r = app.test_client().post(
        f"/api/v1/admin/photos/{photo_id}/judge",
        json={"approve": False, "reason": "照片与心愿无关"},
        headers=s.h(s.secretary),
    )
    assert r.status_code == 200 and r.json["status"] == "risky"
    assert photos_seen(app, s, s.members[1], wish_id) == []
    [told] = notifications_of(app, s.members[0], "photo_withdrawn")
    assert told.data["reason"] == "照片与心愿无关"


def test_inactive_uploader_goes_to_the_secretary(
    live_wechat, world, fake_wechat, new_wish, upload_wish_photo, wish_scene
):
    """61010 at submission (the uploader left the app before the job ran): WeChat cannot check
    on their behalf, so a person judges."""
    app, _server = live_wechat
    s, wish_id, photo_id = fulfilled_with_photo(app, world, new_wish, upload_wish_photo, wish_scene)
    fake_wechat.inactive_openids.update(_openids(app))
    run_worker(app)
    row = upload_row(app, photo_id)
    assert (row.check_status, row.check_note) == ("review", "uploader_inactive")
    assert photos_seen(app, s, s.members[1], wish_id) == []


def _openids(app) -> list[str]:
    with app.app_context():
        return list(db.session.scalars(db.select(Account.openid)))


def test_wechat_down_at_submission_is_sent_again_by_the_sweep(
    live_wechat, world, fake_wechat, new_wish, upload_wish_photo, wish_scene
):
    app, _server = live_wechat
    s, wish_id, photo_id = fulfilled_with_photo(app, world, new_wish, upload_wish_photo, wish_scene)
    fake_wechat.fail[MEDIA] = -1
    run_worker(app)
    assert upload_row(app, photo_id).check_status == "checking"
    del fake_wechat.fail[MEDIA]
    with app.app_context():
        soon = db.session.get(Upload, photo_id).created_at + timedelta(minutes=3)
        assert media_jobs.sweep_checks(soon) == {"sent": 1, "overdue": 0}
    fake_wechat.deliver_media_checks()
    assert upload_row(app, photo_id).check_status == "pass"


def test_issue10_7_candidate_photo_is_public_only_after_the_check(
    live_wechat, client, world, fake_wechat, new_campaign
):
    """Candidate photos (六大员 pages) go through the same check; risky clears the photo."""
    app, _server = live_wechat
    setup = new_campaign(open_it=False)
    s0 = setup.candidates["safety"][0]
    url = f"/api/v1/admin/campaigns/{setup.campaign_id}/candidates/{s0}/photo"
    wclient = app.test_client()
    r = wclient.post(
        url,
        data={"file": (_bytes_io(image_bytes("JPEG", (60, 80))), "a.jpg")},
        headers=setup.committee_headers,
        content_type="multipart/form-data",
    )
    assert r.status_code == 200, r.json
    public = r.json["photo_url"]
    assert wclient.get(public).status_code == 404  # not before WeChat's verdict
    run_worker(app)
    [job] = fake_wechat.media_jobs
    assert job["scene"] == 1
    fake_wechat.deliver_media_checks()
    assert wclient.get(public).status_code == 200

    fake_wechat.media_judge = lambda data: ("risky", 20001)
    r = wclient.post(
        url,
        data={"file": (_bytes_io(image_bytes("PNG", (60, 80))), "b.png")},
        headers=setup.committee_headers,
        content_type="multipart/form-data",
    )
    second = r.json["photo_url"]
    run_worker(app)
    fake_wechat.deliver_media_checks()
    assert wclient.get(second).status_code == 404
    with app.app_context():
        assert db.session.get(Candidate, s0).photo is None


def test_push_for_other_events_is_acknowledged(live_wechat, fake_wechat):
    query, body = fake_wechat.signed_push({"MsgType": "event", "Event": "user_enter_tempsession"})
    r = requests.post(f"{fake_wechat.push_url}?{urlencode(query)}", data=body, timeout=5)
    assert r.status_code == 200 and r.text == "success"
    xml = "<xml><MsgType>event</MsgType><Event>subscribe_msg_popup_event</Event></xml>"
    query, _ = fake_wechat.signed_push({})  # a query signed once carries one body (issue 19)
    r = requests.post(f"{fake_wechat.push_url}?{urlencode(query)}", data=xml.encode(), timeout=5)
    assert r.status_code == 200


def _bytes_io(data: bytes) -> io.BytesIO:
    return io.BytesIO(data)
