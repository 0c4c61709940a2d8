"""Hidden dangers (隐患): report → assign → fixed → verified, reopen, overdue escalation,
privacy of anonymous reports, refusals, and one winner of two verifiers at the same instant."""

from __future__ import annotations

from datetime import timedelta

from models import Danger, DangerEvent, Notification, db, utcnow
from tests.support.concurrency import fire_at_once


def _assign(client, site, danger_id, fixer, by=None, **kw):
    return client.post(
        f"/api/v1/dangers/{danger_id}/assign",
        json={"fixer_id": fixer.id, **kw},
        headers=site.h(by or site.secretary),
    )


def _fix(client, site, danger_id, fixer, upload_photo):
    return client.post(
        f"/api/v1/dangers/{danger_id}/fix",
        json={"note": "已更换锚杆并挂网", "photo_ids": [upload_photo(site.h(fixer))]},
        headers=site.h(fixer),
    )


def _verify(client, headers, danger_id, accept=True, note=None):
    return client.post(
        f"/api/v1/dangers/{danger_id}/verify",
        json={"accept": accept, "note": note},
        headers=headers,
    )


def _kinds(app, person_id):
    with app.app_context():
        return list(
            db.session.scalars(
                db.select(Notification.kind).where(Notification.person_id == person_id)
            )
        )


def test_a_danger_from_report_to_verified_fix_with_an_overdue_escalation(
    app, client, new_site, new_zone, report_danger, upload_photo
):
    site = new_site()
    zone = new_zone(site)
    reporter, fixer = site.workers[0], site.workers[1]
    photo = upload_photo(site.h(reporter))
    r = report_danger(site.h(reporter), zone_id=zone["id"], level="serious", photo_ids=[photo])
    assert r.status_code == 201, r.json
    danger = r.json
    assert danger["status"] == "reported" and danger["unit_id"] == site.unit_id
    assert [p["stage"] for p in danger["photos"]] == ["report"]
    assert "danger_reported" in _kinds(app, site.member.id)
    assert "danger_reported" in _kinds(app, site.secretary.id)

    # the zone's member assigns; the deadline follows the level (较大: 3 days)
    r = _assign(client, site, danger["id"], fixer, by=site.member)
    assert r.status_code == 200, r.json
    assert r.json["status"] == "assigned" and r.json["fixer"]["id"] == fixer.id
    assert "danger_assigned" in _kinds(app, fixer.id)

    # the deadline passes: the job marks it overdue once and escalates
    with app.app_context():
        db.session.execute(
            db.update(Danger)
            .where(Danger.id == danger["id"])
            .values(deadline=utcnow() - timedelta(hours=1))
        )
        db.session.commit()
    from zones.jobs import overdue_job

    with app.app_context():
        assert overdue_job()["marked"] == 1
    with app.app_context():
        assert overdue_job()["marked"] == 0  # once only
    assert "danger_overdue" in _kinds(app, site.secretary.id)
    assert "danger_overdue" in _kinds(app, site.committee.id)
    board = client.get("/api/v1/admin/dangers/board", headers=site.h(site.committee)).json
    assert board == [
        {
            "unit_id": site.unit_id,
            "unit": board[0]["unit"],
            "level": "serious",
            "open": 0,
            "overdue": 1,
            "fixed": 0,
            "verified": 0,
        }
    ]
    overdue = client.get("/api/v1/admin/dangers?overdue=true", headers=site.h(site.secretary))
    assert [d["id"] for d in overdue.json] == [danger["id"]]

    # someone else cannot report the fix; the fixer does, with a photo
    r = _fix(client, site, danger["id"], site.workers[2], upload_photo)
    assert r.status_code in (403, 404)
    r = client.post(
        f"/api/v1/dangers/{danger['id']}/fix", json={"note": "好了"}, headers=site.h(fixer)
    )
    assert r.status_code == 422 and r.json["reason"] == "photo_required"
    r = _fix(client, site, danger["id"], fixer, upload_photo)
    assert r.status_code == 200 and r.json["status"] == "fixed"

    # the fixer may not verify their own fix; the reporter reopens, then accepts the second fix
    r = _verify(client, site.h(fixer), danger["id"])
    assert r.status_code == 403 and r.json["reason"] == "own_fix"
    r = _verify(client, site.h(reporter), danger["id"], accept=False)
    assert r.status_code == 422
    r = _verify(client, site.h(reporter), danger["id"], accept=False, note="锚杆仍松动")
    assert r.status_code == 200 and r.json["status"] == "assigned"
    assert r.json["reopen_count"] == 1 and r.json["overdue"] is False
    assert _fix(client, site, danger["id"], fixer, upload_photo).status_code == 200
    r = _verify(client, site.h(reporter), danger["id"])
    assert r.status_code == 200 and r.json["status"] == "verified"
    with app.app_context():
        actions = list(
            db.session.scalars(
                db.select(DangerEvent.action)
                .where(DangerEvent.danger_id == danger["id"])
                .order_by(DangerEvent.id)
            )
        )
    assert actions == ["report", "assign", "overdue", "fix", "reopen", "fix", "accept"]


def test_bad_reports_are_refused_with_reasons(
    client, new_site, new_zone, report_danger, upload_photo
):
    site = new_site()
    h = site.h(site.workers[0])
    r = client.post("/api/v1/dangers", json={"level": "general", "place": "主井口"}, headers=h)
    assert r.status_code == 422 and r.json["reason"] == "empty_report"
    r = report_danger(h, place="主井口", level="huge")
    assert r.status_code == 422 and r.json["reason"] == "invalid_level"
    r = report_danger(h)  # neither zone nor place
    assert r.status_code == 422
    r = report_danger(h, place="主井口")
    assert r.status_code == 201 and r.json["zone_id"] is None
    # a photo alone is a report
    r = report_danger(h, place="主井口", description=None, photo_ids=[upload_photo(h)])
    assert r.status_code == 201


def test_anonymous_reports_hide_the_reporter_from_all_but_the_committee(
    client, new_site, new_zone, report_danger
):
    site = new_site()
    zone = new_zone(site)
    reporter = site.workers[0]
    r = report_danger(site.h(reporter), zone_id=zone["id"], anonymous=True)
    assert r.status_code == 201
    danger_id = r.json["id"]
    assert r.json["reporter"]["id"] == reporter.id  # the reporter sees themself
    for who in (site.secretary, site.member):
        seen = client.get(f"/api/v1/dangers/{danger_id}", headers=site.h(who)).json
        assert seen["reporter"] is None and seen["anonymous"] is True
    seen = client.get(f"/api/v1/dangers/{danger_id}", headers=site.h(site.committee)).json
    assert seen["reporter"]["id"] == reporter.id
    # another employee does not see the danger at all
    r = client.get(f"/api/v1/dangers/{danger_id}", headers=site.h(site.workers[1]))
    assert r.status_code == 404


def test_nothing_crosses_mines(client, world, new_site, new_zone, report_danger):
    site = new_site()
    zone = new_zone(site)
    far = new_site(world.mine())
    r = report_danger(site.h(site.workers[0]), zone_id=zone["id"])
    danger_id = r.json["id"]
    assert (
        client.get(f"/api/v1/dangers/{danger_id}", headers=far.h(far.committee)).status_code == 404
    )
    assert client.get("/api/v1/admin/dangers", headers=far.h(far.committee)).json == []
    # a zone of another mine cannot be reported against, nor a fixer of another mine named
    r = report_danger(far.h(far.workers[0]), zone_id=zone["id"])
    assert r.status_code == 404 and r.json["reason"] == "zone_not_found"
    r = _assign(client, site, danger_id, far.workers[0])
    assert r.status_code == 422 and r.json["reason"] == "other_mine"


def test_only_the_secretary_or_the_zone_member_assigns(client, new_site, new_zone, report_danger):
    site = new_site()
    zone = new_zone(site)
    danger_id = report_danger(site.h(site.workers[0]), zone_id=zone["id"]).json["id"]
    r = _assign(client, site, danger_id, site.workers[1], by=site.workers[0])
    assert r.status_code == 403 and r.json["reason"] == "not_assigner"
    r = _assign(client, site, danger_id, site.workers[1], deadline="2020-01-01T00:00:00+08:00")
    assert r.status_code == 422


def test_two_verifiers_at_the_same_instant_one_wins(
    app, client, new_site, new_zone, report_danger, upload_photo
):
    site = new_site()
    zone = new_zone(site)
    reporter, fixer = site.workers[0], site.workers[1]
    danger_id = report_danger(site.h(reporter), zone_id=zone["id"]).json["id"]
    assert _assign(client, site, danger_id, fixer).status_code == 200
    assert _fix(client, site, danger_id, fixer, upload_photo).status_code == 200
    verifiers = [site.h(reporter), site.h(site.member)]
    results = fire_at_once(
        2, lambda i: _verify(app.test_client(), verifiers[i], danger_id, accept=i == 0, note="x")
    )
    codes = sorted(r.status_code for r in results)
    assert codes == [200, 409], [r.json for r in results]
    with app.app_context():
        decided = db.session.scalar(
            db.select(db.func.count())
            .select_from(DangerEvent)
            .where(DangerEvent.danger_id == danger_id, DangerEvent.action.in_(["accept", "reopen"]))
        )
    assert decided == 1


def test_the_monthly_trend_counts_reports_and_verifications(
    app, client, new_site, report_danger, upload_photo
):
    from accounts.principal import principal_for_person
    from clock import local
    from zones import dangers

    site = new_site()
    reporter, fixer = site.workers[0], site.workers[1]
    danger_id = report_danger(site.h(reporter), place="主井口").json["id"]
    report_danger(site.h(reporter), place="副井口")
    assert _assign(client, site, danger_id, fixer).status_code == 200
    assert _fix(client, site, danger_id, fixer, upload_photo).status_code == 200
    assert _verify(client, site.h(reporter), danger_id).status_code == 200
    with app.app_context():
        now = local(utcnow())
        months = dangers.monthly_trend(principal_for_person(site.secretary), now.year)
        other = dangers.monthly_trend(principal_for_person(site.secretary), now.year - 1)
    this = months[now.month - 1]
    assert (this["reported"], this["verified"]) == (2, 1)
    assert sum(m["reported"] for m in months) == 2
    assert sum(m["reported"] + m["verified"] for m in other) == 0


def test_an_anonymous_reporters_photos_do_not_name_them_in_photo_review(
    app, client, new_site, new_zone, report_danger, upload_photo, desk_openid
):
    """The 图片审核 queue (API and console) named the uploader of an anonymous report's photo to
    the secretary: the report hid the reporter, its photo did not."""
    from models import Upload, db
    from tests.console.sign_in import client_sign_in

    site = new_site()
    zone = new_zone(site)
    reporter = site.workers[0]
    photo = upload_photo(site.h(reporter))
    r = report_danger(site.h(reporter), zone_id=zone["id"], anonymous=True, photo_ids=[photo])
    assert r.status_code == 201, r.json
    with app.app_context():
        status = db.session.get(Upload, photo).check_status
    q = f"/api/v1/admin/photos?status={status}"
    rows = {row["id"]: row for row in client.get(q, headers=site.h(site.secretary)).json}
    assert rows[photo]["uploader"] == {"id": None, "name": "匿名"}
    rows = {row["id"]: row for row in client.get(q, headers=site.h(site.committee)).json}
    assert rows[photo]["uploader"]["id"] == reporter.id

    desk = app.test_client()
    client_sign_in(desk, desk_openid(site.secretary))
    html = desk.get(f"/console/photos?status={status}").get_data(as_text=True)
    assert reporter.name not in html and "匿名" in html
