"""Reminders on the 20th and the 27th to members still due this month.

Each reminder date sends at most once per member: a row in talk_reminders (unique per member
and date) is written with the outbox message in one savepoint, so running the job twice, or on
two hosts at once, sends nothing twice. A run on a later day of the month catches up the latest
missed date (the server was down on the 20th: the 21st sends it).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy.exc import IntegrityError

from models import Pairing, TalkReminder, db, utcnow
from notifications import notify
from pairings.compliance import month_statuses
from pairings.months import last_day, month_of, today
from pairings.settings import setting

KIND = "talk_reminder"
PAGE = "pages/pairings/index"


def reminder_date(day: date, days: list[int]) -> date | None:
    """The latest reminder date of day's month on or before day, if any."""
    passed = [d for d in days if d <= day.day]
    return day.replace(day=max(passed)) if passed else None


def _text(status, deadline: str) -> str:
    left = status.required - status.done
    who = "思想有波动、生活有困难的结对职工" if status.basis == "flagged" else "结对职工"
    return f"本月还需与{who}谈心 {left} 次，请在 {deadline} 前完成并记录"


@dataclass
class ReminderRun:
    remind_on: date | None
    month: str
    due: int = 0
    sent: list[int] = field(default_factory=list)


def send_reminders(now: datetime | None = None) -> ReminderRun:
    """Queue a talk_reminder for every paired member still due; returns who was reminded."""
    now = now or utcnow()
    month = month_of(now)
    remind_on = reminder_date(today(now), setting("TALK_REMINDER_DAYS"))
    run = ReminderRun(remind_on, month)
    if remind_on is None:
        return run
    member_ids = list(
        db.session.scalars(db.select(Pairing.member_id).where(Pairing.active.is_(True)).distinct())
    )
    statuses = month_statuses(member_ids, month)
    # Members with no one to care for under the seed's rule have nothing to be reminded of.
    due = sorted(m for m, s in statuses.items() if s.status == "due")
    run.due = len(due)
    already = set(
        db.session.scalars(
            db.select(TalkReminder.member_id).where(TalkReminder.remind_on == remind_on)
        )
    )
    deadline = last_day(month).isoformat()
    for member_id in due:
        if member_id in already:
            continue
        try:
            with db.session.begin_nested():
                message = notify(
                    member_id,
                    KIND,
                    {
                        "month": month,
                        "required": statuses[member_id].required,
                        "done": statuses[member_id].done,
                        "deadline": deadline,
                        "remind_on": remind_on.isoformat(),
                        "text": _text(statuses[member_id], deadline),
                    },
                    PAGE,
                )
                db.session.flush()
                db.session.add(
                    TalkReminder(
                        member_id=member_id,
                        remind_on=remind_on,
                        month=month,
                        notification_id=message.id,
                    )
                )
                db.session.flush()
        except IntegrityError:
            continue  # another run reminded this member for this date first
        run.sent.append(member_id)
    return run
