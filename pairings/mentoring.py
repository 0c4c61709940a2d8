"""传帮带 mentoring: a skilled party member (mentor) raising a new or weak worker (apprentice).

A mentoring pair is its own kind, outside the 一带三/一带五 limit. The branch secretary starts it
with goals (skills, safety rules) and a period (`MENTORSHIP_MONTHS`, 6 by default); the mentor
logs the sessions (what was taught, what was practised); the 区队's assessment — by the branch
secretary or the committee — is a mid-term and a final one, each passed or extended (an
extension moves the end of the period). A passed final ends the pair and awards the mentor
`POINTS_APPRENTICESHIP` through the points ledger (kind `apprenticeship_passed`, once per
pair). An apprentice has one mentor at a time: the apprentice's row lock and a unique
(apprentice, active) constraint make two secretaries at the same instant get one pair.
"""

from __future__ import annotations

import calendar
from datetime import date, datetime

from accounts.principal import Principal
from clock import local_time
from domain_errors import NotFound
from models import (
    MentorAssessment,
    MentorSession,
    Mentorship,
    Person,
    db,
    utcnow,
)
from models.people import PARTY_STATUSES
from models.unit_of_work import insert_once
from notifications import notify
from pairings.errors import (
    ApprenticeHasMentor,
    AssessmentRefused,
    InvalidSessionDate,
    MentorshipClosed,
    NotAMember,
    NotInBranch,
    PersonHasLeft,
    PersonNotFound,
    SelfMentorship,
)
from pairings.months import today
from pairings.people import branches_of, get_person, lock_people
from pairings.settings import setting
from points.ledger import award

AWARD_KIND = "apprenticeship_passed"
STAGE_LABELS = {"midterm": "中期考核", "final": "出师考核"}
RESULT_LABELS = {"passed": "通过", "extended": "延期"}
PAGE = "pages/pairings/mentoring"


def add_months(day: date, months: int) -> date:
    """The same day `months` later (the month's last day when it is shorter)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return day.replace(
        year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1])
    )


def create_mentorship(
    principal: Principal,
    mentor_id: int,
    apprentice_id: int,
    skill_goals: str,
    safety_goals: str,
    months: int | None = None,
    starts_on: date | None = None,
    now: datetime | None = None,
) -> Mentorship:
    """The branch secretary pairs a party member of the branch with an apprentice it covers."""
    now = now or utcnow()
    actor = principal.require("secretary")
    if mentor_id == apprentice_id:
        raise SelfMentorship(errors={"apprentice_id": ["师傅和徒弟不能是同一个人"]})
    mentor = get_person(mentor_id, actor.mine_id)
    apprentice = get_person(apprentice_id, actor.mine_id)
    # A person of another mine is not found: ids of other mines reveal nothing.
    if mentor is None or mentor.branch_id not in principal.secretary_of:
        raise PersonNotFound(errors={"mentor_id": ["不是本支部的党员"]})
    if apprentice is None:
        raise PersonNotFound(errors={"apprentice_id": ["花名册中没有这名职工"]})
    if not branches_of(apprentice) & {mentor.branch_id}:
        raise NotInBranch(errors={"apprentice_id": ["徒弟须与师傅属于同一支部"]})
    locked = lock_people(mentor.id, apprentice.id)
    mentor, apprentice = locked[mentor.id], locked[apprentice.id]
    for who, name in ((mentor, "mentor_id"), (apprentice, "apprentice_id")):
        if who.left_at is not None:
            raise PersonHasLeft(errors={name: [f"{who.name} 已离职"]})
    if mentor.political_status not in PARTY_STATUSES:
        raise NotAMember(errors={"mentor_id": ["师傅须为党员或预备党员"]})
    if _active_of(apprentice.id) is not None:
        raise ApprenticeHasMentor()
    starts_on = starts_on or today(now)
    row = Mentorship(
        mine_id=actor.mine_id,
        branch_id=mentor.branch_id,
        mentor_id=mentor.id,
        apprentice_id=apprentice.id,
        active=True,
        status="active",
        skill_goals=skill_goals.strip(),
        safety_goals=safety_goals.strip(),
        starts_on=starts_on,
        ends_on=add_months(starts_on, months or setting("MENTORSHIP_MONTHS")),
        started_by_id=actor.id,
        created_at=now,
    )
    if not insert_once(row):  # the unique (apprentice, active) is the last line
        raise ApprenticeHasMentor()
    return row


def _active_of(apprentice_id: int) -> Mentorship | None:
    return db.session.scalar(
        db.select(Mentorship).where(
            Mentorship.apprentice_id == apprentice_id, Mentorship.active.is_(True)
        )
    )


def visible_mentorship(principal: Principal, mentorship_id: int) -> Mentorship:
    """A pair the caller may see: its mentor or apprentice, the branch secretary, committee."""
    row = db.session.get(Mentorship, mentorship_id)
    pid = principal.person_id
    if row is None or not (
        pid in (row.mentor_id, row.apprentice_id)
        or row.branch_id in principal.secretary_of
        or row.mine_id in principal.committee_of
    ):
        raise NotFound()
    return row


def _managed(principal: Principal, mentorship_id: int) -> Mentorship:
    row = visible_mentorship(principal, mentorship_id)
    if not principal.manages_branch(row.branch_id, row.mine_id):
        raise NotFound()
    return row


def end_mentorship(
    principal: Principal, mentorship_id: int, note: str = "", now: datetime | None = None
) -> Mentorship:
    """The secretary ends a running pair early (the record stays); repeating is a no-op."""
    principal.require("secretary", "committee")
    row = _managed(principal, mentorship_id)
    db.session.execute(
        db.update(Mentorship)
        .where(Mentorship.id == row.id, Mentorship.active.is_(True))
        .values(
            active=None,
            status="ended",
            ended_at=now or utcnow(),
            ended_by_id=principal.person_id,
            end_note=(note or "").strip()[:500],
        )
        .execution_options(synchronize_session=False)
    )
    db.session.refresh(row)
    return row


def log_session(
    principal: Principal,
    mentorship_id: int,
    held_on: date,
    taught: str,
    practice: str = "",
    now: datetime | None = None,
) -> MentorSession:
    """The mentor logs a session of a running pair."""
    now = now or utcnow()
    row = visible_mentorship(principal, mentorship_id)
    if row.mentor_id != principal.person_id:
        raise NotFound()  # only the mentor writes the sessions
    if not row.active:
        raise MentorshipClosed()
    if held_on > today(now):
        raise InvalidSessionDate(errors={"held_on": ["带徒日期不能晚于今天"]})
    if held_on < row.starts_on:
        raise InvalidSessionDate(errors={"held_on": ["带徒日期不能早于结对开始"]})
    session = MentorSession(
        mentorship_id=row.id,
        held_on=held_on,
        month=held_on.strftime("%Y-%m"),
        taught=taught.strip(),
        practice=(practice or "").strip(),
        logged_by_id=principal.person_id,
        created_at=now,
    )
    db.session.add(session)
    db.session.flush()
    return session


def assess(
    principal: Principal,
    mentorship_id: int,
    stage: str,
    result: str,
    comment: str = "",
    extend_months: int | None = None,
    now: datetime | None = None,
) -> MentorAssessment:
    """The 区队's mid-term or final assessment (branch secretary or committee)."""
    now = now or utcnow()
    actor = principal.require("secretary", "committee")
    row = _managed(principal, mentorship_id)
    lock_people(row.apprentice_id)  # two assessments of one pair never interleave
    db.session.refresh(row)
    if not row.active:
        raise MentorshipClosed()
    stages = [a.stage for a in assessments_of(row.id)]
    if stage == "midterm" and "midterm" in stages:
        raise AssessmentRefused("中期考核已经做过")
    if stage == "final" and "midterm" not in stages:
        raise AssessmentRefused("请先进行中期考核")
    extended_to = None
    if result == "extended":
        extended_to = add_months(row.ends_on, extend_months or 3)
        row.ends_on = extended_to
    item = MentorAssessment(
        mentorship_id=row.id,
        stage=stage,
        result=result,
        comment=(comment or "").strip(),
        extended_to=extended_to,
        assessed_by_id=actor.id,
        at=now,
    )
    db.session.add(item)
    if stage == "final" and result == "passed":
        row.active, row.status, row.ended_at, row.ended_by_id = None, "passed", now, actor.id
        points = setting("POINTS_APPRENTICESHIP")
        if points:
            award(
                row.mentor_id,
                points,
                AWARD_KIND,
                f"传帮带徒弟{row.apprentice.name}出师",
                f"mentorship:{row.id}",
                actor.id,
            )
    db.session.flush()
    data = {
        "apprentice": row.apprentice.name,
        "stage": STAGE_LABELS[stage],
        "result": RESULT_LABELS[result],
        "at": local_time(now),
    }
    for pid in (row.mentor_id, row.apprentice_id):
        notify(pid, "apprenticeship_assessed", data, f"{PAGE}?id={row.id}")
    return item


def sessions_of(mentorship_id: int) -> list[MentorSession]:
    return list(
        db.session.scalars(
            db.select(MentorSession)
            .where(MentorSession.mentorship_id == mentorship_id)
            .order_by(MentorSession.held_on, MentorSession.id)
        )
    )


def assessments_of(mentorship_id: int) -> list[MentorAssessment]:
    return list(
        db.session.scalars(
            db.select(MentorAssessment)
            .where(MentorAssessment.mentorship_id == mentorship_id)
            .order_by(MentorAssessment.at, MentorAssessment.id)
        )
    )


def branch_mentorships(branch_id: int, status: str = "active"):
    """A select of a branch's pairs: active, passed, ended or all, newest first."""
    stmt = db.select(Mentorship).where(Mentorship.branch_id == branch_id)
    if status != "all":
        stmt = stmt.where(Mentorship.status == status)
    return stmt.order_by(Mentorship.created_at.desc(), Mentorship.id.desc())


def my_mentorships(person: Person):
    """A select of the pairs the person mentors or is apprenticed in, running first."""
    return (
        db.select(Mentorship)
        .where((Mentorship.mentor_id == person.id) | (Mentorship.apprentice_id == person.id))
        .order_by(Mentorship.active.is_(None), Mentorship.created_at.desc(), Mentorship.id.desc())
    )


def months_logged(mentorship_id: int) -> list[str]:
    """The months with at least one session (monthly sessions are the expectation)."""
    return sorted({s.month for s in sessions_of(mentorship_id)})


def progress_of(mentorship_ids: list[int]) -> tuple[dict[int, int], dict[int, list[str]]]:
    """Sessions logged and assessment stages done, per pair (two queries for a page)."""
    ids = mentorship_ids or [0]
    sessions = dict(
        db.session.execute(
            db.select(MentorSession.mentorship_id, db.func.count())
            .where(MentorSession.mentorship_id.in_(ids))
            .group_by(MentorSession.mentorship_id)
        ).all()
    )
    stages: dict[int, list[str]] = {i: [] for i in mentorship_ids}
    for m_id, stage in db.session.execute(
        db.select(MentorAssessment.mentorship_id, MentorAssessment.stage)
        .where(MentorAssessment.mentorship_id.in_(ids))
        .order_by(MentorAssessment.at, MentorAssessment.id)
    ):
        stages[m_id].append(stage)
    return {i: int(sessions.get(i, 0)) for i in mentorship_ids}, stages
