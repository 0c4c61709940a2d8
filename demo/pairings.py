"""The demo mine's pairings, care flags, talks and points, made through the real services."""

from __future__ import annotations

from datetime import timedelta

from accounts.principal import principal_for_person
from demo.people import MINE
from models import Mine, Pairing, Person, Talk, db, utcnow
from pairings import care, services
from pairings import talks as talk_service
from pairings.months import month_of
from points import requests as points_requests

# (member, employee): D0003 is an ordinary member (一带三), D0004 a cadre (一带五).
PAIRS = [("D0003", "D0006"), ("D0003", "D0011"), ("D0004", "D0007"), ("D0004", "D0008")]


def seed_pairings() -> str:
    """Pairings in 综采一队, flagged employees, a talk this month and a locked one last month."""
    mine = db.session.scalar(db.select(Mine).where(Mine.name == MINE))

    def person(no: str) -> Person:
        return db.session.scalar(
            db.select(Person).where(Person.mine_id == mine.id, Person.employee_no == no)
        )

    if db.session.scalar(db.select(Pairing.id).where(Pairing.mine_id == mine.id).limit(1)):
        return "pairings: already seeded"
    secretary, member, cadre = person("D0002"), person("D0003"), person("D0004")
    as_secretary = principal_for_person(secretary)
    now = utcnow()
    for member_no, employee_no in PAIRS:
        pairing = services.create_pairing(
            as_secretary, person(member_no).id, person(employee_no).id
        )
        pairing.started_at = now - timedelta(days=60)
    db.session.flush()
    care.set_care_flags(as_secretary, person("D0011").id, ["hardship"], "母亲住院，家庭开支紧张")
    care.set_care_flags(
        as_secretary, person("D0007").id, ["ideological"], "调岗后情绪低落，有辞职想法"
    )

    this_month = talk_service.log_talk(
        principal_for_person(member),
        person("D0011").id,
        talk_service.TalkContent(
            talked_at=now - timedelta(hours=3),
            mode="talk_room",
            place="综采一队谈心室",
            topics="母亲住院后的家庭安排、近期夜班出勤",
            concerns="希望帮忙联系医院陪护，夜班能否调整一个月",
            follow_up="已向队长反映调班；联系工会困难帮扶",
        ),
    )
    last_month_at = now - timedelta(days=35)
    locked = talk_service.log_talk(
        principal_for_person(cadre),
        person("D0007").id,
        talk_service.TalkContent(
            talked_at=last_month_at,
            mode="home_visit",
            place="职工家中",
            topics="调岗后的想法、技能培训",
            concerns="担心新岗位收入下降",
            follow_up="介绍参加采煤机司机培训",
        ),
        now=last_month_at + timedelta(hours=2),
    )
    # A manual adjustment is a request by the secretary, approved by the committee (D0001).
    request = points_requests.request_adjustment(
        as_secretary, member.employee_no, 3, "井下隐患排查发现重大隐患一处"
    )
    points_requests.decide(
        principal_for_person(person("D0001")), request.id, True, "经党委核实，同意加分"
    )
    db.session.flush()
    talks = db.session.scalar(db.select(db.func.count()).select_from(Talk))
    return "\n".join(
        [
            f"pairings: {len(PAIRS)} in 综采一队党支部, {talks} talks "
            f"(#{this_month.id} this month {month_of(now)} by D0003; "
            f"#{locked.id} last month by cadre D0004, locked — correct it with "
            f"POST /api/v1/talks/{locked.id}/corrections)",
            "  D0004 is still due this month: `flask pairings remind --date YYYY-MM-20` "
            "queues a talk_reminder",
        ]
    )
