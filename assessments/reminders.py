"""The 25th's reminder of the 包保 visits (issue 21 item 4).

From the 25th of a month (Shanghai calendar) every scorer of an office that has not yet visited
one of the 区队 it 包保 that month gets one `visit_reminder` naming those teams. One per (person,
office, month): a row in assessment_visit_reminders is written with the outbox message in one
savepoint, so a second run — the next day, or on another host at the same instant — sends
nothing twice. A run after the 25th catches up a missed day (the server was down on the 25th:
the 26th sends it). People who have left the mine are not reminded.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy.exc import IntegrityError

from clock import local_day
from models import Patronage, PatronVisit, Person, Unit, UnitDuty, VisitReminder, db, utcnow
from notifications import notify

KIND = "visit_reminder"
PAGE = "pages/assessments/visits"
REMIND_DAY = 25


@dataclass
class VisitReminderRun:
    month: str
    due_offices: int = 0  # offices with at least one team not visited this month
    sent: list[tuple[int, int]] = field(default_factory=list)  # (person_id, office_id)


def _month_days(day: date) -> tuple[date, date, date]:
    """The first day of day's month, the first of the next, and the month's last day."""
    first = day.replace(day=1)
    after = date(first.year + (first.month == 12), first.month % 12 + 1, 1)
    return first, after, date.fromordinal(after.toordinal() - 1)


def offices_due(first: date, after: date) -> dict[int, list[str]]:
    """Office id → the names of the teams it 包保 and has not visited in [first, after)."""
    visited = set(
        db.session.execute(
            db.select(PatronVisit.office_id, PatronVisit.team_id)
            .where(PatronVisit.visited_on >= first, PatronVisit.visited_on < after)
            .distinct()
        ).tuples()
    )
    team = db.aliased(Unit)
    due: dict[int, list[str]] = defaultdict(list)
    for office_id, team_id, name in db.session.execute(
        db.select(Patronage.office_id, Patronage.team_id, team.name)
        .join(team, team.id == Patronage.team_id)
        .order_by(Patronage.office_id, Patronage.team_id)
    ):
        if (office_id, team_id) not in visited:
            due[office_id].append(name)
    return dict(due)


def send_visit_reminders(now: datetime | None = None) -> VisitReminderRun:
    """Queue a visit_reminder to each scorer of an office still due this month (from the 25th);
    returns who was reminded. The caller commits."""
    day = local_day(now or utcnow())
    run = VisitReminderRun(day.strftime("%Y-%m"))
    if day.day < REMIND_DAY:
        return run
    first, after, last = _month_days(day)
    due = offices_due(first, after)
    run.due_offices = len(due)
    if not due:
        return run
    office_names = dict(
        db.session.execute(db.select(Unit.id, Unit.name).where(Unit.id.in_(sorted(due)))).all()
    )
    scorers = db.session.execute(
        db.select(UnitDuty.person_id, UnitDuty.unit_id)
        .join(Person, Person.id == UnitDuty.person_id)
        .where(
            UnitDuty.duty == "scorer",
            UnitDuty.unit_id.in_(sorted(due)),
            Person.left_at.is_(None),
        )
        .order_by(UnitDuty.unit_id, UnitDuty.person_id)
    ).tuples()
    already = set(
        db.session.execute(
            db.select(VisitReminder.person_id, VisitReminder.office_id).where(
                VisitReminder.month == run.month
            )
        ).tuples()
    )
    for person_id, office_id in scorers:
        if (person_id, office_id) in already:
            continue
        teams = due[office_id]
        office = office_names[office_id]
        try:
            with db.session.begin_nested():
                message = notify(
                    person_id,
                    KIND,
                    {
                        "month": run.month,
                        "office": office,
                        "teams": "、".join(teams),
                        "count": len(teams),
                        "deadline": last.isoformat(),
                    },
                    PAGE,
                )
                db.session.flush()
                db.session.add(
                    VisitReminder(
                        person_id=person_id,
                        office_id=office_id,
                        month=run.month,
                        teams=len(teams),
                        notification_id=message.id,
                    )
                )
                db.session.flush()
        except IntegrityError:
            continue  # another run reminded this person for this office and month first
        run.sent.append((person_id, office_id))
    return run
