"""Calendar months and days in Asia/Shanghai, whatever the server's own zone."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from pairings.errors import InvalidMonth

SHANGHAI = ZoneInfo("Asia/Shanghai")
MONTH_RE = re.compile(r"(20[0-9]{2}|2100)-(0[1-9]|1[0-2])")


def local(at: datetime) -> datetime:
    """An instant seen on a Shanghai clock."""
    return at.astimezone(SHANGHAI)


def month_of(at: datetime) -> str:
    """The "YYYY-MM" an instant falls in, in Shanghai."""
    return local(at).strftime("%Y-%m")


def today(now: datetime) -> date:
    """The Shanghai calendar day of an instant."""
    return local(now).date()


def parse_month(value: str) -> str:
    """Validate "YYYY-MM" (years 2000..2100, ASCII digits); InvalidMonth otherwise."""
    m = MONTH_RE.fullmatch(value or "")
    if not m:
        raise InvalidMonth(errors={"month": ["月份格式应为 YYYY-MM"]})
    return value


def month_bounds(month: str) -> tuple[datetime, datetime]:
    """[start, end) of a Shanghai calendar month, as UTC instants."""
    year, mon = int(month[:4]), int(month[5:7])
    start = datetime(year, mon, 1, tzinfo=SHANGHAI)
    end = datetime(year + (mon == 12), mon % 12 + 1, 1, tzinfo=SHANGHAI)
    return start.astimezone(UTC), end.astimezone(UTC)


def day_bounds(day: date) -> tuple[datetime, datetime]:
    """[start, end) of a Shanghai calendar day, as UTC instants."""
    start = datetime.combine(day, time(), tzinfo=SHANGHAI)
    end = datetime.fromordinal(day.toordinal() + 1).replace(tzinfo=SHANGHAI)
    return start.astimezone(UTC), end.astimezone(UTC)


def last_day(month: str) -> date:
    """The last calendar day of a month."""
    _, end = month_bounds(month)
    return date.fromordinal(local(end).date().toordinal() - 1)
