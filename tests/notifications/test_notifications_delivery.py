"""Notification delivery: the outbox row is queued after commit, sent by an RQ worker through
the (fake) WeChat API, retried on timeouts, final on 43101, and swept when it was never queued."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from rq.registry import ScheduledJobRegistry

import jobs
from jobs import get_queue, rq_connection
from jobs.schedule import PERIODIC, build_scheduler
from models import Account, Notification, Person, db, utcnow
from notifications import delivery, notify
from notifications.delivery import deliver, sweep
from tests.support.concurrency import fire_at_once
from tests.support.jobs import run_worker
from tests.support.wechat import WECHAT_KNOWS, WECHAT_TEMPLATES

SEND = "/cgi-bin/message/subscribe/send"
TEMPLATES = {
    **WECHAT_TEMPLATES,
    "wish_fulfilled": {"template_id": "TPL-FULFILLED", "fields": {"thing1": "title"}},
}
# The templates as WeChat knows them (their keywords), for the strict fake.
FAKE_TEMPLATES = {**WECHAT_KNOWS, "TPL-FULFILLED": ["thing1"]}


@pytest.fixture
def wx(wechat_app, fake_wechat):
    fake_wechat.templates.update(FAKE_TEMPLATES)
    wechat_app.config["WECHAT_TEMPLATES"] = TEMPLATES
    wechat_app.config["NOTIFY_MAX_ATTEMPTS"] = 3
    return wechat_app


def make_row(
    app, world, give_consent, *, bound=True, kind="wish_claimed", data=None, fake=None, consents=1
) -> tuple[int, Person]:
    person = world.member(name="赵六")
    if bound:
        world.account(person, openid=f"oid-{person.id}")
    if fake is not None and consents:
        if kind in TEMPLATES:
            give_consent(fake, person.id, TEMPLATES[kind]["template_id"], consents, app=app)
    with app.app_context():
        n = notify(
            person.id,
            kind,
            data
            or {"title": "孩子需要一个新书包和文具", "name": "王建国", "at": "2026-05-01 08:30"},
            "pages/wishes/detail?id=1",
        )
        db.session.commit()
        return n.id, person


def row(app, notification_id) -> Notification:
    with app.app_context():
        n = db.session.get(Notification, notification_id)
        db.session.expunge(n)
        return n


def test_commit_queues_a_job_that_the_worker_sends(wx, world, fake_wechat, give_consent):
    nid, person = make_row(wx, world, give_consent, fake=fake_wechat)
    with wx.app_context():
        assert get_queue(wx).count == 1
    run_worker(wx)
    n = row(wx, nid)
    assert (n.status, n.attempts, n.last_error) == ("sent", 1, None)
    assert n.sent_at is not None
    [(_, _, body)] = fake_wechat.calls_to(SEND)
    assert body["touser"] == f"oid-{person.id}" and body["template_id"] == "TPL-CLAIMED"
    assert body["page"] == "pages/wishes/detail?id=1"
    assert body["data"] == {
        "thing1": {"value": "孩子需要一个新书包和文具"},
        "name2": {"value": "王建国"},
        "time3": {"value": "2026年5月1日 08:30"},
    }
    assert body["miniprogram_state"] == "formal" and body["lang"] == "zh_CN"


def test_rolled_back_notification_is_never_queued(wx, world):
    person = world.member()
    with wx.app_context():
        notify(person.id, "wish_claimed", {"title": "x"})
        db.session.flush()
        db.session.rollback()
        assert get_queue(wx).count == 0
        assert db.session.scalar(db.select(db.func.count()).select_from(Notification)) == 0


def test_43101_is_final_and_not_retried(wx, world, fake_wechat, give_consent):
    fake_wechat.script(SEND, lambda q, b: (200, {"errcode": 43101, "errmsg": "user refuse"}))
    nid, _ = make_row(wx, world, give_consent, fake=fake_wechat)
    run_worker(wx)
    n = row(wx, nid)
    assert n.status == "skipped" and n.attempts == 1 and n.last_error.startswith("43101")
    with wx.app_context():
        assert ScheduledJobRegistry(queue=get_queue(wx)).count == 0
        # Nothing is due for the sweeper either, however late.
        assert sweep(utcnow() + timedelta(days=1)) == {}
    assert len(fake_wechat.calls_to(SEND)) == 1


def test_timeout_schedules_a_retry_with_backoff(wx, world, fake_wechat, give_consent):
    def slow(q, b):
        time.sleep(1.5)  # the client's read timeout in tests is 1 s
        return 200, {"errcode": 0}

    fake_wechat.script(SEND, slow)
    nid, _ = make_row(wx, world, give_consent, fake=fake_wechat)
    before = utcnow()
    run_worker(wx)
    n = row(wx, nid)
    assert n.status == "pending" and n.attempts == 1
    assert n.last_error.startswith("wechat_unavailable")
    assert timedelta(seconds=25) < n.next_attempt_at - before < timedelta(seconds=40)
    with wx.app_context():
        registry = ScheduledJobRegistry(queue=get_queue(wx))
        assert registry.count == 1
        [job_id] = registry.get_job_ids()
        job = get_queue(wx).fetch_job(job_id)
        assert job.func_name == "notifications.delivery.deliver_job" and job.args == (nid,)

    # WeChat is back; the retry (run when due) sends it.
    fake_wechat.script(SEND, lambda q, b: (200, {"errcode": 0, "errmsg": "ok"}))
    with wx.app_context():
        assert deliver(nid, n.next_attempt_at + timedelta(seconds=1)) == "sent"
    assert row(wx, nid).attempts == 2


def test_busy_wechat_gives_up_after_max_attempts(wx, world, fake_wechat, give_consent):
    fake_wechat.script(SEND, lambda q, b: (200, {"errcode": -1, "errmsg": "system busy"}))
    nid, _ = make_row(wx, world, give_consent, fake=fake_wechat)
    at = utcnow()
    with wx.app_context():
        statuses = []
        for _ in range(3):
            at += timedelta(hours=3)
            statuses.append(deliver(nid, at))
    assert statuses == ["pending", "pending", "failed"]
    n = row(wx, nid)
    assert n.attempts == 3 and n.last_error.startswith("gave up after 3 attempts")


def test_permanent_rejection_fails_without_retry(wx, world, fake_wechat, give_consent):
    fake_wechat.script(SEND, lambda q, b: (200, {"errcode": 40037, "errmsg": "invalid template"}))
    nid, _ = make_row(wx, world, give_consent, fake=fake_wechat)
    run_worker(wx)
    n = row(wx, nid)
    assert n.status == "failed" and n.last_error.startswith("40037")


def test_no_account_and_no_template_are_skipped(wx, world, fake_wechat, give_consent):
    nid, _ = make_row(wx, world, give_consent, bound=False)
    other, _ = make_row(
        wx, world, give_consent, kind="wish_confirmed", data={"title": "书包", "rating": "5"}
    )
    run_worker(wx)
    assert row(wx, nid).status == "skipped" and row(wx, nid).last_error.startswith("no_account")
    assert row(wx, other).last_error.startswith("no_template")
    assert fake_wechat.calls_to(SEND) == []


def test_demo_mode_logs_and_skips(app, world, give_consent):
    nid, _ = make_row(app, world, give_consent)
    with app.app_context():
        assert deliver(nid) == "skipped"
    n = row(app, nid)
    assert n.status == "skipped" and n.last_error.startswith("demo_mode")


def test_redis_down_at_commit_keeps_the_row_for_the_sweeper(wx, world, fake_wechat, give_consent):
    person = world.member()
    world.account(person, openid="oid-sweep")
    give_consent(fake_wechat, person.id, "TPL-FULFILLED", app=wx)
    with wx.app_context():
        saved = wx.extensions["rq_redis"] if "rq_redis" in wx.extensions else None
        # A Redis nobody listens on: enqueueing fails, the commit does not.
        wx.extensions["rq_redis"] = jobs.connect("redis://127.0.0.1:1/0")
        try:
            n = notify(person.id, "wish_fulfilled", {"title": "书包已送到"})
            db.session.commit()
            nid = n.id
        finally:
            delivery._queue_down_until = 0.0
            if saved is None:
                wx.extensions.pop("rq_redis")
            else:
                wx.extensions["rq_redis"] = saved
        assert db.session.get(Notification, nid).status == "pending"
        assert get_queue(wx).count == 0
        # Fresh rows are left to their job for a grace minute; after that the sweeper sends.
        assert sweep(utcnow()) == {}
        assert sweep(utcnow() + timedelta(minutes=2)) == {"sent": 1}
    [(_, _, body)] = fake_wechat.calls_to(SEND)
    assert body["template_id"] == "TPL-FULFILLED" and body["data"] == {
        "thing1": {"value": "书包已送到"}
    }


def test_send_pending_cli(wx, world, fake_wechat, give_consent):
    nid, _ = make_row(wx, world, give_consent, fake=fake_wechat)
    result = wx.test_cli_runner().invoke(args=["notifications", "send-pending"])
    assert result.exit_code == 0, result.output
    assert "sent: 1" in result.output
    assert row(wx, nid).status == "sent"


def test_concurrent_attempts_send_once(wx, world, fake_wechat, give_consent):
    nid, _ = make_row(wx, world, give_consent, fake=fake_wechat)

    def attempt(_i: int) -> str:
        with wx.app_context():
            return deliver(nid)

    results = fire_at_once(8, attempt)
    assert sorted(results).count("sent") == 1 and results.count("busy") == 7
    assert len(fake_wechat.calls_to(SEND)) == 1


def test_periodic_jobs_are_registered_and_run_from_the_queue(app, world):
    names = {p.name for p in PERIODIC}
    assert {"wishes-claim-deadlines", "notifications-sweep"} <= names
    with app.app_context():
        scheduler = build_scheduler(rq_connection(app), app.config["RQ_QUEUE"])
        enqueued = scheduler.enqueue_jobs()  # interval jobs are due at once
        assert {j.name for j in enqueued} >= {"wishes-claim-deadlines", "notifications-sweep"}
        queue = get_queue(app)
        job_ids = queue.get_job_ids()
    run_worker(app)
    with app.app_context():
        for job_id in job_ids:
            job = queue.fetch_job(job_id)
            assert job.is_finished, (job.func_name, job.latest_result())
        results = {queue.fetch_job(j).func_name: queue.fetch_job(j).return_value() for j in job_ids}
    assert results["wishes.jobs.claim_deadlines_job"] == {"expired": 0, "reminded": 0}


def test_a_wish_flow_reaches_wechat(wx, world, fake_wechat, new_wish, wish_scene):
    """End to end: the wisher of a claimed wish gets the claimed message from the worker."""

    s = wish_scene()
    s.h(s.wisher), s.h(s.members[0])  # both have bound accounts
    client = wx.test_client()
    # The wisher allowed the "claimed" message once when posting (the mini-program reports it).
    r = client.post(
        "/api/v1/subscriptions",
        json={"request_id": "req-1", "results": {"TPL-CLAIMED": "accept"}},
        headers=s.h(s.wisher),
    )
    assert r.status_code == 200 and r.get_json()["accepted"] == ["TPL-CLAIMED"], r.get_json()
    with wx.app_context():
        wisher_openid = db.session.scalar(
            db.select(Account.openid).where(Account.person_id == s.wisher.id)
        )
    fake_wechat.grant(wisher_openid, "TPL-CLAIMED")
    wish_id = new_wish(s, via=client)
    assert (
        client.post(f"/api/v1/wishes/{wish_id}/claim", headers=s.h(s.members[0])).status_code == 200
    )
    run_worker(wx)
    sends = [b for _, _, b in fake_wechat.calls_to(SEND)]
    assert [b["template_id"] for b in sends] == ["TPL-CLAIMED"]
    with wx.app_context():
        openid = db.session.scalar(
            db.select(Account.openid).where(Account.person_id == s.wisher.id)
        )
    assert sends[0]["touser"] == openid
    # A name keyword holds 汉字 (or letters) only: the test member 党员0 is sent as 党员.
    assert sends[0]["data"]["name2"]["value"] == "党员"
