"""三会一课 and 主题党日: scheduling, sign-in by the rotating code, the secretary's mark for a
phoneless member, leave (请假) and its approval, minutes and photos, and the close that puts
attendance and absence without leave on the points ledger under the mine's rulebook.

Who may do what: the branch's secretary or the mine's committee schedules, marks, approves
leave and closes; a required attendee signs in and asks for leave. Nobody marks themselves
present or approves their own leave. Each sign-in is one conditional UPDATE of the member's
own attendance row, so a room of sixty scanning at once signs each in once and loses none.
The caller's unit of work commits.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from sqlalchemy import or_, update

from accounts.principal import Principal
from clock import local_time
from media import content_check
from meetings import codes
from meetings.errors import (
    CodeExpired,
    InvalidCode,
    InvalidMeeting,
    LeaveNotPending,
    LeaveTooLate,
    MeetingClosed,
    MeetingNotFound,
    MeetingNotStarted,
    MeetingOver,
    NoAttendees,
    NotAnAttendee,
    NotMeetingManager,
    OwnAttendance,
    OwnLeave,
)
from models import (
    MEETING_KIND_NAMES,
    MEETING_KINDS,
    Attendance,
    Branch,
    Meeting,
    MeetingPhoto,
    Person,
    RoleGrant,
    Unit,
    Upload,
    db,
    utcnow,
)
from models.people import PARTY_STATUSES
from notifications import notify
from points.ledger import award

# A member may scan from half an hour before the start (people arrive early) until the end.
EARLY = timedelta(minutes=30)
LONGEST = timedelta(hours=12)
MAX_PHOTOS = 9
MEETING_PAGE = "pages/meetings/detail?id={id}"


def get_meeting(meeting_id: int) -> Meeting:
    meeting = db.session.get(Meeting, meeting_id)
    if meeting is None:
        raise MeetingNotFound()
    return meeting


def managed(principal: Principal, meeting_id: int) -> Meeting:
    """The meeting, if the caller manages its branch (else it does not exist for them)."""
    principal.require("secretary", "committee")
    meeting = get_meeting(meeting_id)
    if not principal.manages_branch(meeting.branch_id, meeting.mine_id):
        raise MeetingNotFound()
    return meeting


def _open(meeting: Meeting) -> None:
    if meeting.status != "scheduled":
        raise MeetingClosed()


def required_attendees(branch_id: int, unit_id: int | None) -> list[int]:
    """The party members (not left) of the branch, or of a unit and its 班组 for a 党小组会
    (a person's 班组 is their unit, or their `group_id` when the roster's 班组 column set it)."""
    stmt = db.select(Person.id).where(
        Person.branch_id == branch_id,
        Person.political_status.in_(PARTY_STATUSES),
        Person.left_at.is_(None),
    )
    if unit_id is not None:
        units = db.select(Unit.id).where((Unit.id == unit_id) | (Unit.parent_id == unit_id))
        stmt = stmt.where(or_(Person.unit_id.in_(units), Person.group_id.in_(units)))
    return list(db.session.scalars(stmt.order_by(Person.id)))


def schedule(
    principal: Principal,
    branch_id: int,
    kind: str,
    topic: str,
    place: str,
    starts_at: datetime,
    ends_at: datetime,
    unit_id: int | None = None,
) -> Meeting:
    """The branch's secretary (or the committee) schedules a meeting; its required attendees
    are the branch's party members (a 党小组会: those of one unit) as of now, each told."""
    author = principal.require("secretary", "committee")
    branch = db.session.get(Branch, branch_id)
    if branch is None or not principal.manages_branch(branch.id, branch.mine_id):
        raise NotMeetingManager()
    if kind not in MEETING_KINDS:
        raise InvalidMeeting(errors={"kind": ["未知的会议类型"]})
    if ends_at <= starts_at or ends_at - starts_at > LONGEST:
        raise InvalidMeeting(errors={"ends_at": ["结束时间须晚于开始时间，且会议不超过 12 小时"]})
    if unit_id is not None:
        unit = db.session.get(Unit, unit_id)
        if unit is None or unit.branch_id != branch.id:
            raise InvalidMeeting(errors={"unit_id": ["党小组须是本支部的区队或班组"]})
    content_check.require_publishable(author.id, topic, place)
    people = required_attendees(branch.id, unit_id)
    if not people:
        raise NoAttendees()
    meeting = Meeting(
        mine_id=branch.mine_id,
        branch_id=branch.id,
        kind=kind,
        topic=topic.strip(),
        place=place.strip(),
        starts_at=starts_at,
        ends_at=ends_at,
        unit_id=unit_id,
        status="scheduled",
        secret=secrets.token_hex(32),
        created_by_id=author.id,
        created_at=utcnow(),
    )
    db.session.add(meeting)
    db.session.flush()
    db.session.add_all(
        Attendance(meeting_id=meeting.id, person_id=pid, status="expected") for pid in people
    )
    db.session.flush()
    if starts_at > utcnow():
        for pid in people:
            notify(
                pid,
                "meeting_scheduled",
                {
                    "kind": MEETING_KIND_NAMES[kind],
                    "topic": meeting.topic,
                    "place": meeting.place,
                    "at": local_time(starts_at),
                },
                MEETING_PAGE.format(id=meeting.id),
            )
    return meeting


def current_code(principal: Principal, meeting_id: int, now: datetime | None = None):
    """The code to show in the room now, for the meeting's managers: (code, turns_at)."""
    meeting = managed(principal, meeting_id)
    _open(meeting)
    return codes.current(meeting, now or utcnow())


def _attendance(meeting_id: int, person_id: int) -> Attendance | None:
    return db.session.scalar(
        db.select(Attendance).where(
            Attendance.meeting_id == meeting_id, Attendance.person_id == person_id
        )
    )


def sign_in(principal: Principal, meeting_id: int, code: str, now: datetime | None = None):
    """A required attendee signs in with the code shown in the room; a repeat is harmless.
    Returns (attendance, newly signed in)."""
    person = principal.require_bound()
    now = now or utcnow()
    meeting = get_meeting(meeting_id)
    row = _attendance(meeting.id, person.id)
    if row is None:
        if person.mine_id != meeting.mine_id:
            raise MeetingNotFound()
        raise NotAnAttendee()
    if meeting.status != "scheduled" or now >= meeting.ends_at:
        raise MeetingOver()
    if now < meeting.starts_at - EARLY:
        raise MeetingNotStarted()
    verdict = codes.verdict(meeting, code, now)
    if verdict == "expired":
        raise CodeExpired()
    if verdict != "ok":
        raise InvalidCode()
    won = db.session.execute(
        update(Attendance)
        .where(Attendance.id == row.id, Attendance.status != "present")
        .values(status="present", signed_at=now, method="code")
        .execution_options(synchronize_session=False)
    )
    db.session.refresh(row)
    return row, won.rowcount == 1


def mark_present(principal: Principal, meeting_id: int, person_id: int, note: str) -> Attendance:
    """A manager marks a member present who cannot scan (no phone), with a note; never
    themselves. Allowed until the meeting is closed."""
    marker = principal.require("secretary", "committee")
    meeting = managed(principal, meeting_id)
    _open(meeting)
    if person_id == marker.id:
        raise OwnAttendance()
    row = _attendance(meeting.id, person_id)
    if row is None:
        raise NotAnAttendee()
    if not (note or "").strip():
        raise InvalidMeeting(errors={"note": ["请填写补记说明（如：无智能手机）"]})
    if row.status != "present":
        row.status = "present"
        row.signed_at = utcnow()
        row.method = "marked"
        row.note = note.strip()[:255]
        row.marked_by_id = marker.id
        db.session.flush()
    return row


def request_leave(
    principal: Principal, meeting_id: int, reason: str, now: datetime | None = None
) -> Attendance:
    """A required attendee asks for leave before the meeting starts; the secretary decides."""
    person = principal.require_bound()
    now = now or utcnow()
    meeting = get_meeting(meeting_id)
    row = _attendance(meeting.id, person.id)
    if row is None:
        raise NotAnAttendee()
    _open(meeting)
    if now >= meeting.starts_at:
        raise LeaveTooLate()
    if not (reason or "").strip():
        raise InvalidMeeting(errors={"reason": ["请填写请假事由"]})
    content_check.require_publishable(person.id, reason)
    if row.status in ("expected", "leave_pending"):
        row.status = "leave_pending"
        row.leave_reason = reason.strip()[:255]
        db.session.flush()
        for manager_id in _secretaries(meeting.branch_id):
            notify(
                manager_id,
                "meeting_leave_requested",
                {"name": person.name, "topic": meeting.topic, "at": local_time(meeting.starts_at)},
                MEETING_PAGE.format(id=meeting.id),
            )
    return row


def _secretaries(branch_id: int) -> list[int]:
    return list(
        db.session.scalars(
            db.select(RoleGrant.person_id).where(
                RoleGrant.role == "secretary", RoleGrant.branch_id == branch_id
            )
        )
    )


def decide_leave(
    principal: Principal, meeting_id: int, person_id: int, approve: bool
) -> Attendance:
    """A manager approves (请假, no deduction) or refuses a pending leave; never their own."""
    decider = principal.require("secretary", "committee")
    meeting = managed(principal, meeting_id)
    if person_id == decider.id:
        raise OwnLeave()
    row = _attendance(meeting.id, person_id)
    if row is None:
        raise NotAnAttendee()
    _open(meeting)
    won = db.session.execute(
        update(Attendance)
        .where(Attendance.id == row.id, Attendance.status == "leave_pending")
        .values(status="leave" if approve else "expected", leave_decided_by_id=decider.id)
        .execution_options(synchronize_session=False)
    )
    if won.rowcount != 1:
        raise LeaveNotPending()
    db.session.refresh(row)
    notify(
        row.person_id,
        "meeting_leave_decided",
        {"topic": meeting.topic, "result": "已批准" if approve else "未批准"},
        MEETING_PAGE.format(id=meeting.id),
    )
    return row


def record_minutes(
    principal: Principal, meeting_id: int, minutes: str | None, photo_ids: list[int] | None
) -> Meeting:
    """A manager records the minutes (content-checked) and attaches their own photos."""
    author = principal.require("secretary", "committee")
    meeting = managed(principal, meeting_id)
    if meeting.status == "cancelled":
        raise MeetingClosed()
    if minutes is not None:
        content_check.require_publishable(author.id, minutes)
        meeting.minutes = minutes.strip() or None
    ids = sorted(set(photo_ids or []))
    if ids:
        have = db.session.scalar(
            db.select(db.func.count()).where(MeetingPhoto.meeting_id == meeting.id)
        )
        if have + len(ids) > MAX_PHOTOS:
            raise InvalidMeeting(errors={"photo_ids": [f"每次会议最多 {MAX_PHOTOS} 张照片"]})
        moved = db.session.execute(
            update(Upload)
            .where(
                Upload.id.in_(ids),
                Upload.owner_id == author.id,
                Upload.purpose == "wish",
                Upload.wish_id.is_(None),
                Upload.check_status != "risky",
            )
            .values(purpose="meeting")
            .execution_options(synchronize_session=False)
        )
        if moved.rowcount != len(ids):
            raise InvalidMeeting(errors={"photo_ids": ["照片不存在、不是你上传的或已被使用"]})
        db.session.add_all(MeetingPhoto(meeting_id=meeting.id, upload_id=i) for i in ids)
    db.session.flush()
    return meeting


def cancel(principal: Principal, meeting_id: int) -> Meeting:
    """A manager cancels a meeting that has not been closed: nobody earns or loses points."""
    meeting = managed(principal, meeting_id)
    won = db.session.execute(
        update(Meeting)
        .where(Meeting.id == meeting.id, Meeting.status == "scheduled")
        .values(status="cancelled", closed_at=utcnow(), closed_by_id=principal.person_id)
        .execution_options(synchronize_session=False)
    )
    if won.rowcount != 1:
        raise MeetingClosed()
    db.session.refresh(meeting)
    return meeting


def close(principal: Principal, meeting_id: int, now: datetime | None = None) -> Meeting:
    """A manager closes a meeting once it has started: whoever is neither present nor on
    approved leave is absent, and attendance and absence without leave go on the ledger under
    the rules in force on the meeting's day (ref meeting:<id>). Closed once."""
    closer = principal.require("secretary", "committee")
    now = now or utcnow()
    meeting = managed(principal, meeting_id)
    _open(meeting)
    if now < meeting.starts_at:
        raise MeetingNotStarted()
    won = db.session.execute(
        update(Meeting)
        .where(Meeting.id == meeting.id, Meeting.status == "scheduled")
        .values(status="closed", closed_at=now, closed_by_id=closer.id)
        .execution_options(synchronize_session=False)
    )
    if won.rowcount != 1:
        raise MeetingClosed()
    db.session.execute(
        update(Attendance)
        .where(
            Attendance.meeting_id == meeting.id,
            Attendance.status.in_(("expected", "leave_pending")),
        )
        .values(status="absent")
        .execution_options(synchronize_session=False)
    )
    db.session.refresh(meeting)
    name = MEETING_KIND_NAMES[meeting.kind]
    day = local_time(meeting.starts_at, "%Y-%m-%d")
    rows = db.session.execute(
        db.select(Attendance.person_id, Attendance.status)
        .where(Attendance.meeting_id == meeting.id)
        # people in one order: a capped award locks the person's row, and two closes at once
        # then take those locks in the same order
        .order_by(Attendance.person_id)
    ).all()
    for person_id, status in rows:
        if status == "present":
            award(
                person_id,
                None,
                "meeting_attended",
                f"{day} 参加{name}「{meeting.topic}」",
                ref=f"meeting:{meeting.id}",
                actor_person_id=closer.id,
                at=meeting.starts_at,
            )
        elif status == "absent":
            award(
                person_id,
                None,
                "meeting_absent",
                f"{day} 无故缺席{name}「{meeting.topic}」",
                ref=f"meeting:{meeting.id}",
                actor_person_id=closer.id,
                at=meeting.starts_at,
            )
    return meeting
