"""Demo points adjustment requests, made through the real services: one approved, one
rejected and two waiting for the committee, so 积分 and 审计 can be tried with the preset logins."""

from __future__ import annotations

from accounts.principal import principal_for_person
from demo.people import MINE
from models import Mine, Person, PointsRequest, db
from points import requests

# (author, person, delta, reason, decision: None waits, else (approve, reason))
REQUESTS = [
    (
        "D0002",
        "D0004",
        5,
        "带领班组提前 3 天完成综采工作面搬家倒面",
        (True, "经支委会推荐，情况属实，同意加分"),
    ),
    (
        "D0009",
        "D0012",
        -2,
        "未按规定参加支部主题党日活动",
        (False, "已补办请假手续，不予扣分"),
    ),
    ("D0009", "D0010", 3, "协助处理掘进巷道冒顶隐患，避免了一起事故", None),
    ("D0002", "D0003", 2, "义务帮扶困难职工家庭 5 次", None),
]


def seed_points() -> str:
    """Points requests of the demo mine; skipped if it already has some."""
    mine = db.session.scalar(db.select(Mine).where(Mine.name == MINE))
    if mine is None:
        return "points: no demo mine"
    # demo/pairings.py files one approved request of its own: look for these ones.
    first_reason = REQUESTS[0][3]
    if db.session.scalar(
        db.select(PointsRequest.id).where(
            PointsRequest.mine_id == mine.id, PointsRequest.reason == first_reason
        )
    ):
        return "points: already seeded"

    def person(no: str) -> Person:
        return db.session.scalar(
            db.select(Person).where(Person.mine_id == mine.id, Person.employee_no == no)
        )

    committee = principal_for_person(person("D0001"))
    for author, subject, delta, reason, decision in REQUESTS:
        asked = requests.request_adjustment(
            principal_for_person(person(author)), subject, delta, reason
        )
        if decision is not None:
            requests.decide(committee, asked.id, *decision)
    db.session.flush()
    waiting = sum(1 for r in REQUESTS if r[4] is None)
    return (
        f"points: {len(REQUESTS)} adjustment requests ({waiting} waiting for demo:committee "
        "on 审计)"
    )
