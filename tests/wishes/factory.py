"""Shared set-up for the micro-wish and notification tests."""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Any

from sqlalchemy import update

from models import Branch, Person, Wish, db
from tests.support.images import image_bytes


@dataclass
class Scene:
    """One branch with a wisher (masses), its secretary, members, and a committee member."""

    world: Any
    branch: Branch
    wisher: Person
    secretary: Person
    members: list[Person]
    committee: Person
    outsider: Person  # a member of another branch of the same mine

    def h(self, person: Person) -> dict[str, str]:
        key = f"_h{person.id}"
        if not hasattr(self, key):
            setattr(self, key, self.world.headers(person))
        return getattr(self, key)


def scene(world, members: int = 3) -> Scene:
    branch = world.branch(name=f"综采{world_seq(world)}队党支部")
    return Scene(
        world=world,
        branch=branch,
        wisher=world.person(branch, name="张三丰", phone="13912345678"),
        secretary=world.secretary(branch, name="李书记", phone="13800000002"),
        members=[world.member(branch, name=f"党员{i}") for i in range(members)],
        committee=world.committee(name="王委员"),
        outsider=world.member(world.branch(), name="外支部党员"),
    )


_n = [0]


def world_seq(world) -> int:
    _n[0] += 1
    return _n[0]


def post_wish(client, s: Scene, person: Person | None = None, **body: Any) -> int:
    payload = {"title": "孩子需要一个书包", "content": "孩子今年上小学，想要一个新书包。"}
    payload["category"] = "study"
    payload.update(body)
    r = client.post("/api/v1/wishes", json=payload, headers=s.h(person or s.wisher))
    assert r.status_code == 201, r.json
    assert r.json["status"] == "pending_review"
    return r.json["id"]


def open_wish(client, s: Scene, **body: Any) -> int:
    wish_id = post_wish(client, s, **body)
    r = client.post(
        f"/api/v1/wishes/{wish_id}/review", json={"approve": True}, headers=s.h(s.secretary)
    )
    assert r.status_code == 200 and r.json["status"] == "open", r.json
    return wish_id


def force_status(app, wish_id: int, status: str, **values: Any) -> None:
    """Put a wish straight into a status (for transition tables)."""
    with app.app_context():
        db.session.execute(update(Wish).where(Wish.id == wish_id).values(status=status, **values))
        db.session.commit()


def upload(client, s: Scene, person: Person, data: bytes | None = None, name: str = "a.png"):
    return client.post(
        "/api/v1/uploads",
        data={"file": (io.BytesIO(data if data is not None else image_bytes()), name)},
        headers=s.h(person),
        content_type="multipart/form-data",
    )
