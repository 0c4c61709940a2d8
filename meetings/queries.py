"""What the meeting pages and endpoints read: the calendar, a meeting's attendance, my
meetings, attendance rates per member and branch, and whether each branch held the meetings
the mine requires."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import selectinload

from accounts.principal import Principal
from meetings.errors import MeetingNotFound
from models import MEETING_KINDS, Attendance, Branch, Meeting, MeetingPhoto, Person, db
from points import rulebook
from points.ledger import Period


def calendar(principal: Principal, period: Period, branch_id: int | None = None) -> list[Meeting]:
    """Meetings the caller manages over a period, by start (committee: the mine's)."""
    person = principal.require("secretary", "committee")
    stmt = db.select(Meeting).where(Meeting.mine_id == person.mine_id)
    if person.mine_id not in principal.committee_of:
        stmt = stmt.where(Meeting.branch_id.in_(principal.secretary_of or [-1]))
    if branch_id is not None:
        stmt = stmt.where(Meeting.branch_id == branch_id)
    if period.since is not None:
        stmt = stmt.where(Meeting.starts_at >= period.since)
    if period.until is not None:
        stmt = stmt.where(Meeting.starts_at < period.until)
    return list(db.session.scalars(stmt.order_by(Meeting.starts_at, Meeting.id)))


def counts(meeting_ids: list[int]) -> dict[int, dict[str, int]]:
    """Per meeting: how many are in each attendance status."""
    out: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    if meeting_ids:
        rows = db.session.execute(
            db.select(Attendance.meeting_id, Attendance.status, db.func.count())
            .where(Attendance.meeting_id.in_(meeting_ids))
            .group_by(Attendance.meeting_id, Attendance.status)
        )
        for mid, status, n in rows:
            out[mid][status] = int(n)
    return out


def attendance_of(meeting_id: int) -> list[Attendance]:
    return list(
        db.session.scalars(
            db.select(Attendance)
            .where(Attendance.meeting_id == meeting_id)
            .options(selectinload(Attendance.person))
            .order_by(Attendance.id)
        )
    )


def visible(principal: Principal, meeting_id: int) -> tuple[Meeting, bool, Attendance | None]:
    """(meeting, caller manages it, caller's own attendance) — a meeting is visible to its
    managers and its attendees."""
    person = principal.require_bound()
    meeting = db.session.get(Meeting, meeting_id)
    if meeting is None:
        raise MeetingNotFound()
    manages = principal.manages_branch(meeting.branch_id, meeting.mine_id)
    mine = db.session.scalar(
        db.select(Attendance).where(
            Attendance.meeting_id == meeting.id, Attendance.person_id == person.id
        )
    )
    if not manages and mine is None:
        raise MeetingNotFound()
    return meeting, manages, mine


def photos_of(meeting_id: int) -> list[int]:
    return list(
        db.session.scalars(
            db.select(MeetingPhoto.upload_id)
            .where(MeetingPhoto.meeting_id == meeting_id)
            .order_by(MeetingPhoto.id)
        )
    )


def my_meetings(person_id: int, period: Period) -> list[tuple[Meeting, Attendance]]:
    stmt = (
        db.select(Meeting, Attendance)
        .join(Attendance, Attendance.meeting_id == Meeting.id)
        .where(Attendance.person_id == person_id)
    )
    if period.since is not None:
        stmt = stmt.where(Meeting.starts_at >= period.since)
    if period.until is not None:
        stmt = stmt.where(Meeting.starts_at < period.until)
    return [tuple(r) for r in db.session.execute(stmt.order_by(Meeting.starts_at.desc()))]


@dataclass
class Rate:
    """Attendance over closed meetings: leave approved is neither present nor counted."""

    present: int = 0
    absent: int = 0
    leave: int = 0

    @property
    def required(self) -> int:
        return self.present + self.absent

    @property
    def rate(self) -> float | None:
        return round(self.present / self.required, 4) if self.required else None


def attendance_rates(
    mine_id: int, period: Period, branch_id: int | None = None
) -> tuple[dict[int, Rate], dict[int, Rate], dict[int, Person]]:
    """(per branch, per member, the members) over the closed meetings of a period."""
    stmt = (
        db.select(Meeting.branch_id, Attendance.person_id, Attendance.status, db.func.count())
        .join(Attendance, Attendance.meeting_id == Meeting.id)
        .where(Meeting.mine_id == mine_id, Meeting.status == "closed")
        .group_by(Meeting.branch_id, Attendance.person_id, Attendance.status)
    )
    if branch_id is not None:
        stmt = stmt.where(Meeting.branch_id == branch_id)
    if period.since is not None:
        stmt = stmt.where(Meeting.starts_at >= period.since)
    if period.until is not None:
        stmt = stmt.where(Meeting.starts_at < period.until)
    branches: dict[int, Rate] = defaultdict(Rate)
    members: dict[int, Rate] = defaultdict(Rate)
    for bid, pid, status, n in db.session.execute(stmt):
        for rate in (branches[bid], members[pid]):
            if status in ("present", "absent", "leave"):
                setattr(rate, status, getattr(rate, status) + int(n))
    people = {
        p.id: p
        for p in db.session.scalars(db.select(Person).where(Person.id.in_(list(members) or [-1])))
    }
    return dict(branches), dict(members), people


def _months(period: Period) -> int:
    if period.since is None or period.until is None:
        return 12
    return max(
        1,
        (period.until.year - period.since.year) * 12 + period.until.month - period.since.month,
    )


def compliance(mine_id: int, period: Period) -> list[dict[str, Any]]:
    """For each branch of the mine: per meeting kind, held (closed) against required over the
    period (a monthly requirement counts once per month of it; a quarterly one once per
    quarter, at least once)."""
    need = rulebook.requirements(mine_id)
    months = _months(period)
    held: dict[tuple[int, str], int] = defaultdict(int)
    stmt = (
        db.select(Meeting.branch_id, Meeting.kind, db.func.count())
        .where(Meeting.mine_id == mine_id, Meeting.status == "closed")
        .group_by(Meeting.branch_id, Meeting.kind)
    )
    if period.since is not None:
        stmt = stmt.where(Meeting.starts_at >= period.since)
    if period.until is not None:
        stmt = stmt.where(Meeting.starts_at < period.until)
    for bid, kind, n in db.session.execute(stmt):
        held[(bid, kind)] = int(n)
    out = []
    for branch in db.session.scalars(
        db.select(Branch).where(Branch.mine_id == mine_id).order_by(Branch.id)
    ):
        kinds = []
        for kind in MEETING_KINDS:
            count, per = need[kind]
            required = count * (months if per == "month" else max(1, months // 3))
            done = held[(branch.id, kind)]
            kinds.append({"kind": kind, "held": done, "required": required, "ok": done >= required})
        out.append(
            {
                "branch_id": branch.id,
                "branch": branch.name,
                "kinds": kinds,
                "ok": all(k["ok"] for k in kinds),
            }
        )
    return out


def leave_to_decide_count(principal: Principal, now: Any) -> int | None:
    """Leave requests waiting in the secretary's branches, for meetings not yet closed, not
    their own (None: not a secretary)."""
    if not principal.secretary_of or principal.person_id is None:
        return None
    return int(
        db.session.scalar(
            db.select(db.func.count())
            .select_from(Attendance)
            .join(Meeting, Meeting.id == Attendance.meeting_id)
            .where(
                Meeting.branch_id.in_(principal.secretary_of),
                Meeting.status == "scheduled",
                Attendance.status == "leave_pending",
                Attendance.person_id != principal.person_id,
            )
        )
        or 0
    )
