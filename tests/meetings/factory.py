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
