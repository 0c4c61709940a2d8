"""The demo mine's honour roll and nominations: the 2025 campaign's honourees are on the roll
already (publishing put them there); earlier years' honourees (2024, from the paper records) are
added here, one of them revoked; and a campaign in its nomination window with the branches'
nominations in every state."""

from __future__ import annotations

from datetime import date, timedelta

from accounts.principal import principal_for_person
from demo.people import MINE
from demo.votes import STORIES
from honours import services as honour_services
from models import Campaign, Honour, Mine, Person, db
from models.votes import CATEGORY_KEYS
from votes import campaigns, clock, nominations

NOMINATING = "2026年度“六大员”评选·基层推荐（推荐中）"


def seed_honours() -> str:
    """Once: earlier years' honours and a campaign taking nominations."""
    mine = db.session.scalar(db.select(Mine).where(Mine.name == MINE))
    if db.session.scalar(
        db.select(Campaign.id).where(Campaign.mine_id == mine.id, Campaign.title == NOMINATING)
    ):
        return "honours: demo roll and nominations already there"
    people = {
        p.employee_no: p
        for p in db.session.scalars(db.select(Person).where(Person.mine_id == mine.id))
    }
    members = sorted((p for p in people.values() if p.is_party_member), key=lambda p: p.employee_no)
    committee = principal_for_person(people["D0001"])

    # 2024: from the paper records, two per category; one revoked later for discipline.
    first = None
    for i, category in enumerate(CATEGORY_KEYS):
        for j in range(2):
            person = members[(i * 5 + j * 3 + 7) % len(members)]
            honour = Honour(
                mine_id=mine.id,
                kind="person",
                person_id=person.id,
                unit_id=person.unit_id,
                category=category,
                title=honour_services.title_for(2024, category),
                year=2024,
                citation=STORIES[category].format(n=3 + j),
                awarded_on=date(2025, 1, 15),
            )
            db.session.add(honour)
            first = first or honour
    db.session.flush()
    honour_services.revoke(first.id, committee, "2025 年因违章作业受到处分，撤销该荣誉")

    now = clock.now()
    campaign = campaigns.create_campaign(
        committee,
        {
            "title": NOMINATING,
            "starts_at": now + timedelta(days=10),
            "ends_at": now + timedelta(days=25),
            "description": "各支部广泛推荐，党委审核后列入候选人，再由全矿职工投票。",
        },
    )
    nominations.open_window(campaign, committee, now + timedelta(days=7), 6)
    pick = [
        ("D0002", "D0003", "safety", None),
        ("D0002", "D0004", "emergency", True),
        ("D0002", "D0005", "reform", False),
        ("D0009", "D0010", "mediation", None),
        ("D0017", "D0018", "publicity", None),
    ]
    for secretary_no, nominee_no, category, accept in pick:
        secretary = principal_for_person(people[secretary_no])
        n = nominations.nominate(
            campaign.id,
            secretary,
            people[nominee_no].id,
            category,
            STORIES[category].format(n=6) + "班组职工一致推荐。",
        )
        db.session.flush()
        if accept is not None:
            nominations.review(
                n.id, committee, accept, None if accept else "事迹材料偏少，请补充具体事例后再推荐"
            )
    db.session.commit()
    standing = db.session.scalar(
        db.select(db.func.count())
        .select_from(Honour)
        .where(Honour.mine_id == mine.id, Honour.revoked_at.is_(None))
    )
    return (
        f"honours: {standing} on the roll (2024 and the published 2025 campaign), one revoked; "
        "a campaign taking nominations (demo:secretary nominates, demo:committee reviews)"
    )
