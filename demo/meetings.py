"""The demo mine's 三会一课 and 主题党日: a full quarter of meetings of 综采一队党支部 with
sign-ins, a phoneless member marked, leave and an absence, closed so the rulebook scored
them; a meeting on now (its sign-in code page) and one tomorrow with a leave to decide;
pledges with a mid-year review and a deed made of the fulfilled wish — all through the real
services."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from accounts.principal import principal_for_person
from clock import SHANGHAI
from demo.people import MINE
from meetings import codes, deeds, pledges, services
from models import (
    Attendance,
    Branch,
    Deed,
    Meeting,
    Mine,
    Person,
    Wish,
    db,
    utcnow,
)
from points import rulebook

BRANCH = "综采一队党支部"
# (kind, month of the quarter (0-2), day, topic, place)
QUARTER = [
    ("committee", 0, 5, "研究季度党建工作计划", "综采一队支部办公室"),
    ("theme_day", 0, 15, "重温入党誓词", "矿史馆"),
    ("group", 0, 20, "党小组学习：安全生产法", "综采一队会议室"),
    ("lecture", 1, 8, "煤矿安全生产与党员责任", "矿党校教室"),
    ("committee", 1, 10, "研究微心愿认领与结对帮扶", "综采一队支部办公室"),
    ("theme_day", 1, 15, "井下安全隐患排查", "3105工作面"),
    ("group", 1, 22, "党小组学习：三违案例剖析", "综采一队会议室"),
    ("committee", 2, 6, "研究党员积分季度评议", "综采一队支部办公室"),
    ("theme_day", 2, 15, "为职工办实事", "职工宿舍区"),
    ("group", 2, 19, "党小组学习：事故警示教育", "综采一队会议室"),
    ("general", 2, 26, "季度工作总结与积分公示", "综采一队会议室"),
]


def _last_quarter_start(today: date) -> date:
    first = (today.month - 1) // 3 * 3 + 1
    year, month = today.year, first - 3
    if month < 1:
        year, month = year - 1, month + 12
    return date(year, month, 1)


def _at(day: date, hour: int) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=SHANGHAI).astimezone(UTC)


def seed_meetings() -> str:
    mine = db.session.scalar(db.select(Mine).where(Mine.name == MINE))
    branch = db.session.scalar(
        db.select(Branch).where(Branch.mine_id == mine.id, Branch.name == BRANCH)
    )
    if db.session.scalar(db.select(Meeting.id).where(Meeting.branch_id == branch.id).limit(1)):
        return "meetings: already seeded"

    def person(no: str) -> Person:
        return db.session.scalar(
            db.select(Person).where(Person.mine_id == mine.id, Person.employee_no == no)
        )

    rulebook.ensure_default(mine.id)
    committee, secretary = person("D0001"), person("D0002")
    as_committee, as_secretary = principal_for_person(committee), principal_for_person(secretary)
    start = _last_quarter_start(utcnow().astimezone(SHANGHAI).date())
    scored = 0
    for n, (kind, month_offset, day, topic, place) in enumerate(QUARTER):
        month = start.month + month_offset
        when = _at(date(start.year, month, day), 9)
        meeting = services.schedule(
            as_secretary, branch.id, kind, topic, place, when, when + timedelta(hours=2)
        )
        people = list(
            db.session.scalars(
                db.select(Attendance.person_id)
                .where(Attendance.meeting_id == meeting.id)
                .order_by(Attendance.person_id)
            )
        )
        for i, pid in enumerate(people):
            who = db.session.get(Person, pid)
            if pid == secretary.id:
                services.mark_present(as_committee, meeting.id, pid, "主持会议")
            elif i % 7 == 3 and n % 3 == 1:
                pass  # absent without leave: the close deducts
            elif i % 5 == 2:
                services.mark_present(as_secretary, meeting.id, pid, "无智能手机，书记补记")
            else:
                at = when + timedelta(minutes=(i % 10) - 5)
                value = codes.code_at(meeting, codes.step_of(at))
                services.sign_in(principal_for_person(who), meeting.id, value, now=at)
        # one member asked for leave the day before and the secretary approved
        leave = people[1] if len(people) > 1 else None
        if leave is not None and n % 4 == 0:
            row = db.session.scalar(
                db.select(Attendance).where(
                    Attendance.meeting_id == meeting.id, Attendance.person_id == leave
                )
            )
            row.status, row.leave_reason = "leave", "轮休探亲"
            row.leave_decided_by_id, row.signed_at, row.method = secretary.id, None, None
        services.record_minutes(
            as_secretary, meeting.id, f"会议围绕「{topic}」开展学习讨论，形成决议三项。", []
        )
        services.close(as_secretary, meeting.id, now=when + timedelta(hours=2))
        scored += 1
    now = utcnow()
    services.schedule(
        as_secretary,
        branch.id,
        "theme_day",
        "学习贯彻安全生产会议精神",
        "综采一队会议室",
        now - timedelta(minutes=15),
        now + timedelta(hours=3),
    )
    tomorrow = services.schedule(
        as_secretary,
        branch.id,
        "lecture",
        "新时代煤矿党员的责任与担当",
        "矿党校教室",
        now + timedelta(days=1),
        now + timedelta(days=1, hours=2),
    )
    services.request_leave(principal_for_person(person("D0003")), tomorrow.id, "下井值夜班")
    year = now.astimezone(SHANGHAI).year
    made = 0
    for no, items in (
        ("D0003", ["全年零三违，带头执行敲帮问顶", "每月认领一个微心愿"]),
        ("D0004", ["一带五结对，每月谈心五次", "带领班组实现安全生产 365 天"]),
    ):
        pledge = pledges.submit(principal_for_person(person(no)), year, items)
        made += 1
        if no == "D0003":
            pledges.review(as_secretary, pledge.id, "mid", "kept", "半年来零三违，按时谈心")
    wish = db.session.scalar(
        db.select(Wish).where(Wish.mine_id == mine.id, Wish.status == "completed").limit(1)
    )
    if wish is not None and not db.session.scalar(
        db.select(Deed.id).where(Deed.wish_id == wish.id)
    ):
        deeds.record(
            as_secretary,
            wish.branch_id if wish.branch_id == branch.id else branch.id,
            f"圆梦微心愿：{wish.title}",
            "职工家属",
            "done",
            wish.id,
        )
    deeds.record(as_secretary, branch.id, "为夜班职工增设班中餐热饭点", "综采一队夜班职工", "doing")
    db.session.flush()
    return (
        f"meetings: {scored} closed meetings of {BRANCH} in the quarter from {start}, one on now "
        f"(sign-in code on the console), one tomorrow with a leave to decide; {made} pledges, "
        "deeds"
    )
