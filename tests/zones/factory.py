"""Helpers of the zones tests (no tests here): a 区队 with its secretary, zone member, workers
and committee, zones and dangers made through the API, uploads."""

from __future__ import annotations

import io
from typing import Any

from models import Account, Person, Unit, db
from tests.support.images import image_bytes


class Site:
    """A branch and its 区队: the secretary, two party members, three workers, a committee
    member of the same mine; auth headers by person."""

    def __init__(self, world, mine=None) -> None:
        self.world = world
        self.branch = world.branch(mine) if mine else world.branch()
        self.secretary = world.secretary(self.branch)
        self.member = world.member(self.branch, phone="13912345678")
        self.member2 = world.member(self.branch)
        self.workers = [world.person(self.branch) for _ in range(3)]
        mine_obj = mine or world.default_mine()
        self.committee = world.committee(mine_obj)
        with world.app.app_context():
            self.unit_id = db.session.scalar(
                db.select(Unit.id).where(Unit.branch_id == self.branch.id)
            )
        self._headers: dict[int, dict[str, str]] = {}

    def h(self, person: Person) -> dict[str, str]:
        if person.id not in self._headers:
            self._headers[person.id] = self.world.headers(person)
        return self._headers[person.id]


def zone_body(site: Site, **kw: Any) -> dict[str, Any]:
    body = {
        "unit_id": site.unit_id,
        "name": "3105综采工作面",
        "place": "3105工作面机巷",
        "member_id": site.member.id,
        "deputy_ids": [site.member2.id],
        "equipment": "采煤机、刮板输送机",
        "people_covered": "综采一班 12 人",
        "checklist": ["顶板支护", "瓦斯浓度", "设备防护"],
        "patrols_per_week": 3,
    }
    body.update(kw)
    return body


def make_zone(client, site: Site, **kw: Any) -> dict[str, Any]:
    r = client.post("/api/v1/zones", json=zone_body(site, **kw), headers=site.h(site.secretary))
    assert r.status_code == 201, r.json
    return r.json


def upload(client, headers: dict[str, str]) -> int:
    r = client.post(
        "/api/v1/uploads",
        data={"file": (io.BytesIO(image_bytes()), "a.png")},
        headers=headers,
        content_type="multipart/form-data",
    )
    assert r.status_code == 201, r.json
    return r.json["id"]


def report(client, headers, **kw: Any):
    body = {"level": "general", "description": "巷道顶板有裂隙，锚杆松动"}
    body.update(kw)
    return client.post("/api/v1/dangers", json=body, headers=headers)


def desk_openid(app, person) -> str:
    """The person's bound account renamed so the console's demo sign-in finds it; the openid
    to sign in with."""
    with app.app_context():
        account = db.session.scalar(db.select(Account).where(Account.person_id == person.id))
        account.openid = f"demo_desk{person.id}"
        db.session.commit()
    return f"desk{person.id}"
