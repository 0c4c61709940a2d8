"""Factories for the voting tests: a campaign set up through the committee API."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import redis
from redis.backoff import NoBackoff
from redis.retry import Retry

from models import Ballot, Branch, Campaign, Person, db
from votes import live


@dataclass
class Setup:
    campaign_id: int
    committee: Person
    committee_headers: dict[str, str]
    branch: Branch
    candidates: dict[str, list[int]] = field(default_factory=dict)  # category -> candidate ids
    candidate_people: dict[int, Person] = field(default_factory=dict)


def iso(at: datetime) -> str:
    return at.astimezone(UTC).isoformat()


def make_campaign(
    client,
    world,
    *,
    per_category: int = 2,
    categories: tuple[str, ...] = ("safety", "reform"),
    rules: dict[str, Any] | None = None,
    weights: dict[str, float] | None = None,
    open_it: bool = True,
    starts_at: datetime | None = None,
    ends_at: datetime | None = None,
    title: str = "2026年度“六大员”评选",
) -> Setup:
    """A campaign of the default mine with `per_category` party-member candidates per category."""
    branch = world.branch()
    committee = world.committee()
    headers = world.headers(committee)
    now = datetime.now(UTC)
    body: dict[str, Any] = {
        "title": title,
        "starts_at": iso(starts_at or now - timedelta(hours=1)),
        "ends_at": iso(ends_at or now + timedelta(days=7)),
        "categories": list(categories),
    }
    if rules is not None:
        body["rules"] = rules
    if weights is not None:
        body["weights"] = weights
    r = client.post("/api/v1/admin/campaigns", json=body, headers=headers)
    assert r.status_code == 201, r.json
    setup = Setup(r.json["id"], committee, headers, branch)
    for category in categories:
        for i in range(per_category):
            person = world.member(branch)
            r = client.post(
                f"/api/v1/admin/campaigns/{setup.campaign_id}/candidates",
                json={"employee_no": person.employee_no, "category": category, "story": f"事迹{i}"},
                headers=headers,
            )
            assert r.status_code == 201, r.json
            setup.candidates.setdefault(category, []).append(r.json["id"])
            setup.candidate_people[r.json["id"]] = person
    if open_it:
        r = client.post(f"/api/v1/admin/campaigns/{setup.campaign_id}/open", headers=headers)
        assert r.status_code == 200, r.json
    return setup


def end_notice(app, campaign_id: int) -> None:
    """Let a campaign's 公示 period run out (as if its days had passed)."""
    with app.app_context():
        db.session.execute(
            db.update(Campaign)
            .where(Campaign.id == campaign_id)
            .values(notice_ends_at=datetime.now(UTC) - timedelta(seconds=1))
        )
        db.session.commit()


def close_and_publish(app, client, setup: Setup, days: int = 1):
    """Close, run a 公示 of `days` with no objection to its end, publish; the publish answer."""
    admin = setup.committee_headers
    base = f"/api/v1/admin/campaigns/{setup.campaign_id}"
    client.post(f"{base}/close", headers=admin)
    r = client.post(f"{base}/notice", json={"days": days}, headers=admin)
    assert r.status_code == 200, r.json
    end_notice(app, setup.campaign_id)
    return client.post(f"{base}/publish", headers=admin)


def vote(client, setup: Setup, headers: dict[str, str], candidate_id: int, **kw: Any):
    return client.post(
        f"/api/v1/campaigns/{setup.campaign_id}/votes",
        json={"candidate_id": candidate_id},
        headers=headers,
        **kw,
    )


def db_counts(app, campaign_id: int) -> dict[int, int]:
    with app.app_context():
        rows = db.session.execute(
            db.select(Ballot.candidate_id, db.func.count())
            .where(Ballot.campaign_id == campaign_id, Ballot.voided_at.is_(None))
            .group_by(Ballot.candidate_id)
        ).all()
        return {cid: n for cid, n in rows}


def ballot_count(app, campaign_id: int, **where: Any) -> int:
    with app.app_context():
        stmt = (
            db.select(db.func.count()).select_from(Ballot).where(Ballot.campaign_id == campaign_id)
        )
        for k, v in where.items():
            stmt = stmt.where(getattr(Ballot, k) == v)
        return db.session.scalar(stmt)


def redis_counts(app, campaign_id: int) -> dict[int, int]:
    with app.app_context():
        _, rows = live.board(campaign_id)
        return {r["candidate_id"]: r["votes"] for r in rows if r["votes"]}


@contextlib.contextmanager
def redis_down(app):
    """Point the app's Redis client at a closed port (the shared server keeps running)."""
    real = app.extensions["redis"]
    app.extensions["redis"] = redis.Redis(
        host="127.0.0.1",
        port=1,
        socket_connect_timeout=0.2,
        decode_responses=True,
        retry=Retry(NoBackoff(), 0),
    )
    live.reset_circuit()
    try:
        yield
    finally:
        app.extensions["redis"] = real
        live.reset_circuit()
