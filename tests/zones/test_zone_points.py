"""Points for deeds: a verified danger found by a party member and a 三违 stop raise points
requests that only another committee member's approval puts on the ledger."""

from __future__ import annotations

from models import PointsRequest, db


def _requests(app, person_id):
    with app.app_context():
        return list(
            db.session.scalars(db.select(PointsRequest).where(PointsRequest.person_id == person_id))
        )


def _verified(client, site, reporter, report_danger, upload_photo, anonymous=False):
    danger_id = report_danger(site.h(reporter), place="主运输巷", anonymous=anonymous).json["id"]
    fixer = site.workers[0]
    r = client.post(
        f"/api/v1/dangers/{danger_id}/assign",
        json={"fixer_id": fixer.id},
        headers=site.h(site.secretary),
    )
    assert r.status_code == 200, r.json
    r = client.post(
        f"/api/v1/dangers/{danger_id}/fix",
        json={"photo_ids": [upload_photo(site.h(fixer))]},
        headers=site.h(fixer),
    )
    assert r.status_code == 200, r.json
    r = client.post(
        f"/api/v1/dangers/{danger_id}/verify", json={"accept": True}, headers=site.h(reporter)
    )
    assert r.status_code == 200, r.json
    return danger_id


def test_a_verified_danger_found_by_a_member_waits_for_the_committee(
    app, client, new_site, report_danger, upload_photo
):
    site = new_site()
    reporter = site.member2
    _verified(client, site, reporter, report_danger, upload_photo)
    (req,) = _requests(app, reporter.id)
    assert (req.status, req.delta, req.requested_by_id) == ("pending", 2, reporter.id)
    r = client.get("/api/v1/points/mine?period=all", headers=site.h(reporter))
    assert r.json["total"] == 0  # nothing on the ledger before the decision
    r = client.post(
        f"/api/v1/admin/points/requests/{req.id}/decide",
        json={"approve": True, "reason": "经核实"},
        headers=site.h(site.committee),
    )
    assert r.status_code == 200, r.json
    assert client.get("/api/v1/points/mine?period=all", headers=site.h(reporter)).json["total"] == 2


def test_no_points_for_anonymous_reports_or_non_members(
    app, client, new_site, report_danger, upload_photo
):
    site = new_site()
    _verified(client, site, site.member2, report_danger, upload_photo, anonymous=True)
    _verified(client, site, site.workers[1], report_danger, upload_photo)
    assert _requests(app, site.member2.id) == []
    assert _requests(app, site.workers[1].id) == []


def test_a_violation_stop_raises_a_request_the_recorder_cannot_decide(app, client, new_site):
    site = new_site()
    r = client.post(
        "/api/v1/violations",
        json={
            "offender_id": site.workers[0].id,
            "kind": "discipline",
            "rule": "班前饮酒",
            "action_taken": "劝离岗位",
        },
        headers=site.h(site.member),
    )
    assert r.status_code == 201
    (req,) = _requests(app, site.member.id)
    assert req.status == "pending" and "三违" in req.reason


def test_the_campaign_page_shows_a_safety_candidates_verified_record(
    app, client, new_site, report_danger, upload_photo, desk_openid
):
    """Issue 24 item 4: the 安全生产监督员 candidate's verified deeds beside their 事迹 — a
    verified danger they found counts, an anonymous one does not (it would name them)."""
    from datetime import UTC, datetime, timedelta

    from tests.console.sign_in import client_sign_in

    site = new_site()
    _verified(client, site, site.member, report_danger, upload_photo)
    _verified(client, site, site.member, report_danger, upload_photo, anonymous=True)
    h = site.h(site.committee)
    now = datetime.now(UTC)
    r = client.post(
        "/api/v1/admin/campaigns",
        json={
            "title": "2026年度“六大员”评选",
            "starts_at": (now - timedelta(hours=1)).isoformat(),
            "ends_at": (now + timedelta(days=7)).isoformat(),
            "categories": ["safety"],
        },
        headers=h,
    )
    campaign_id = r.json["id"]
    r = client.post(
        f"/api/v1/admin/campaigns/{campaign_id}/candidates",
        json={"employee_no": site.member.employee_no, "category": "safety", "story": "事迹"},
        headers=h,
    )
    assert r.status_code == 201, r.json
    candidate_id = r.json["id"]
    desk = app.test_client()
    client_sign_in(desk, desk_openid(site.committee))
    html = desk.get(f"/console/campaigns/{campaign_id}").get_data(as_text=True)
    record = html.split(f'data-safety-record="{candidate_id}"')[1].split("</span>")[0]
    assert "隐患 1 条已验收" in record and "制止三违 0 次" in record
