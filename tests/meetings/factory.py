"""Helpers of the meetings tests (no tests here): meetings made over the API, codes, time."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from models import Meeting, db, utcnow


def iso(at: datetime) -> str:
    return at.isoformat()


def schedule(client, team, *, starts_in=timedelta(minutes=-10), hours=2, **kw: Any):
    starts = utcnow() + starts_in
    body = {
        "branch_id": team.branch.id,
        "kind": "general",
        "topic": "学习安全生产重要论述",
        "place": "综采队会议室",
        "starts_at": iso(starts),
        "ends_at": iso(starts + timedelta(hours=hours)),
    }
    body.update(kw)
    return client.post("/api/v1/meetings", json=body, headers=team.sec)


def made(client, team, **kw: Any) -> dict[str, Any]:
    r = schedule(client, team, **kw)
    assert r.status_code == 201, r.json
    return r.json


def code(client, team, meeting_id: int) -> str:
    r = client.get(f"/api/v1/meetings/{meeting_id}/code", headers=team.sec)
    assert r.status_code == 200, r.json
    return r.json["code"]


def sign_in(client, headers, meeting_id: int, value: str):
    return client.post(
        f"/api/v1/meetings/{meeting_id}/sign-in", json={"code": value}, headers=headers
    )


def shift(app, meeting_id: int, delta: timedelta) -> None:
    """Move a meeting in time (as if it had been held earlier)."""
    with app.app_context():
        m = db.session.get(Meeting, meeting_id)
        m.starts_at, m.ends_at = m.starts_at + delta, m.ends_at + delta
        db.session.commit()


def text_field_scenarios(world, client) -> dict[tuple[str, str], tuple[dict, str, dict]]:
    """The text-field property test's scenarios for the rulebook, meetings, pledges and deeds:
    (method, path template) → (headers, concrete path, a valid base body)."""
    from tests.pairings.factory import Team

    team = Team(world, members=2, employees=0)
    member = team.members[0]
    committee = world.headers(world.committee(world.default_mine()))
    now_on = made(client, team)
    ahead = made(client, team, starts_in=timedelta(days=2))
    value = code(client, team, now_on["id"])
    pledge = client.put(
        "/api/v1/pledges/mine",
        json={"year": utcnow().year, "items": ["全年零三违"]},
        headers=team.h(member),
    ).json["id"]
    meeting = f"/api/v1/meetings/{now_on['id']}"
    return {
        ("POST", "/api/v1/admin/rulebook"): (
            committee,
            "/api/v1/admin/rulebook",
            {"code": "TEXT_RULE", "name": "志愿服务", "points": 1, "source": "manual"},
        ),
        ("POST", "/api/v1/meetings"): (
            team.sec,
            "/api/v1/meetings",
            {
                "branch_id": team.branch.id,
                "kind": "lecture",
                "topic": "党课",
                "place": "会议室",
                "starts_at": ahead["starts_at"],
                "ends_at": ahead["ends_at"],
            },
        ),
        ("POST", "/api/v1/meetings/{meeting_id}/sign-in"): (
            team.h(member),
            f"{meeting}/sign-in",
            {"code": value},
        ),
        ("POST", "/api/v1/meetings/{meeting_id}/attendance/{person_id}/present"): (
            team.sec,
            f"{meeting}/attendance/{team.members[1].id}/present",
            {"note": "无智能手机"},
        ),
        ("POST", "/api/v1/meetings/{meeting_id}/leave"): (
            team.h(member),
            f"/api/v1/meetings/{ahead['id']}/leave",
            {"reason": "值班"},
        ),
        ("PUT", "/api/v1/meetings/{meeting_id}/minutes"): (
            team.sec,
            f"{meeting}/minutes",
            {"minutes": "记录"},
        ),
        ("POST", "/api/v1/admin/pledges/{pledge_id}/review"): (
            team.sec,
            f"/api/v1/admin/pledges/{pledge}/review",
            {"stage": "mid", "verdict": "kept", "note": "x"},
        ),
        ("POST", "/api/v1/admin/deeds"): (
            team.sec,
            "/api/v1/admin/deeds",
            {"branch_id": team.branch.id, "title": "送温暖", "beneficiary": "职工"},
        ),
    }
