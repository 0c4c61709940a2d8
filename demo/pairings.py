"""The demo mine's pairings, care flags, talks and points, made through the real services."""

from __future__ import annotations

from datetime import timedelta

from accounts.principal import principal_for_person
from demo.people import MINE
from models import CareEvent, CareFlagChange, Mentorship, Mine, Pairing, Person, Talk, db, utcnow
from pairings import care, duties, mentoring, services
from pairings import talks as talk_service
from pairings.months import local, month_of
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
    # The flags were set two months ago: last month's talk with D0007 was with a flagged
    # employee, so it counts under the seed's rule.
    db.session.execute(
        db.update(CareFlagChange)
        .where(CareFlagChange.person_id.in_([person("D0011").id, person("D0007").id]))
        .values(at=now - timedelta(days=60))
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


def seed_pairing_duties() -> str:
    """必访必谈 duties (one overdue, one open, one closed by a home visit) and 传帮带 pairs (one
    running with sessions and a mid-term, one passed with the mentor's points)."""
    mine = db.session.scalar(db.select(Mine).where(Mine.name == MINE))

    def person(no: str) -> Person:
        return db.session.scalar(
            db.select(Person).where(Person.mine_id == mine.id, Person.employee_no == no)
        )

    if db.session.scalar(db.select(CareEvent.id).where(CareEvent.mine_id == mine.id).limit(1)):
        return "pairing duties: already seeded"
    secretary, member, cadre = person("D0002"), person("D0003"), person("D0004")
    as_secretary = principal_for_person(secretary)
    as_member = principal_for_person(member)
    now = utcnow()
    today = local(now).date()
    overdue = duties.record_event(
        as_secretary,
        person("D0006").id,
        "hospitalized",
        today - timedelta(days=5),
        "突发阑尾炎住院",
    )
    duties.record_event(
        as_secretary,
        person("D0008").id,
        "post_change",
        today - timedelta(days=2),
        "由采煤机司机调任支架工",
    )
    closed = duties.record_event(
        as_member,
        person("D0011").id,
        "family_hardship",
        today - timedelta(days=1),
        "母亲住院，医药费负担重",
    )
    talk_service.log_talk(
        as_member,
        person("D0011").id,
        talk_service.TalkContent(
            talked_at=now - timedelta(hours=1),
            mode="home_visit",
            place="职工家中",
            topics="走访慰问，了解医药费报销进度",
            concerns="大病救助申请材料不会填",
            follow_up="帮助准备工会大病救助材料",
        ),
    )
    running = mentoring.create_mentorship(
        as_secretary,
        member.id,
        person("D0008").id,
        "掌握液压支架操作与日常检修",
        "熟记《煤矿安全规程》支护部分，杜绝三违",
        starts_on=today - timedelta(days=70),
    )
    for days, taught, practice in (
        (60, "液压支架结构与操作要领", "井下跟班实操两个班"),
        (30, "支架常见故障判断", "更换立柱密封圈"),
    ):
        mentoring.log_session(as_member, running.id, today - timedelta(days=days), taught, practice)
    mentoring.assess(as_secretary, running.id, "midterm", "passed", "操作规范，进步明显")
    passed = mentoring.create_mentorship(
        as_secretary,
        cadre.id,
        person("D0006").id,
        "掌握采煤机截割部检修",
        "熟记采煤机安全操作规程",
        starts_on=today - timedelta(days=200),
    )
    mentoring.log_session(
        principal_for_person(cadre),
        passed.id,
        today - timedelta(days=150),
        "截割部结构",
        "拆装练习",
    )
    mentoring.assess(as_secretary, passed.id, "midterm", "passed", "按计划推进")
    mentoring.assess(as_secretary, passed.id, "final", "passed", "考核合格，准予出师")
    db.session.flush()
    n = db.session.scalar(db.select(db.func.count()).select_from(Mentorship))
    return "\n".join(
        [
            f"pairing duties: 必访必谈 #{overdue.id} overdue (D0003), #{closed.id} closed by a "
            "home visit; `flask jobs run pairings-duties-overdue` sends the overdue notices",
            f"mentoring: {n} 传帮带 pairs (#{running.id} running, #{passed.id} passed: D0004 "
            "earned the apprenticeship points)",
        ]
    )
