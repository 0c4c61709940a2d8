"""The voting clock: one place to read "now" (tests move it) and the Asia/Shanghai vote day."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from clock import SHANGHAI
from models import utcnow


def now() -> datetime:
    """The current instant (aware, UTC)."""
    return utcnow()


def vote_day(at: datetime) -> date:
    """The calendar day in China that an instant falls on: the unit of the daily vote limits."""
    return at.astimezone(SHANGHAI).date()


def day_bounds(day: date) -> tuple[datetime, datetime]:
    """The instants [start, end) of a China calendar day."""
    start = datetime.combine(day, time.min, tzinfo=SHANGHAI)
    return start, datetime.combine(day + timedelta(days=1), time.min, tzinfo=SHANGHAI)
