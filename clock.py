"""The Shanghai clock every domain shares: the zone (built once), local time, a day's and a
month's bounds. Whatever the server's own zone, the app's days and months are China's."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

SHANGHAI = ZoneInfo("Asia/Shanghai")


def local(at: datetime) -> datetime:
    """An instant seen on a Shanghai clock."""
    return at.astimezone(SHANGHAI)


def local_time(at: datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    """An instant as China time for people to read (2026-05-01 08:30); "" for None."""
    return at.astimezone(SHANGHAI).strftime(fmt) if at else ""


def local_day(at: datetime) -> date:
    """The Shanghai calendar day an instant falls on."""
    return at.astimezone(SHANGHAI).date()


def day_bounds(day: date) -> tuple[datetime, datetime]:
    """[start, end) of a Shanghai calendar day, as UTC instants."""
    start = datetime.combine(day, time(), tzinfo=SHANGHAI)
    end = datetime.fromordinal(day.toordinal() + 1).replace(tzinfo=SHANGHAI)
    return start.astimezone(UTC), end.astimezone(UTC)


def month_bounds(month: str) -> tuple[datetime, datetime]:
    """[start, end) of a Shanghai calendar month ("YYYY-MM"), as UTC instants."""
    year, mon = int(month[:4]), int(month[5:7])
    start = datetime(year, mon, 1, tzinfo=SHANGHAI)
    end = datetime(year + (mon == 12), mon % 12 + 1, 1, tzinfo=SHANGHAI)
    return start.astimezone(UTC), end.astimezone(UTC)
