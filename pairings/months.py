"""Calendar months and days in Asia/Shanghai, whatever the server's own zone."""

from __future__ import annotations

import re
from datetime import date, datetime

from clock import SHANGHAI, day_bounds, local, month_bounds  # noqa: F401 - callers import them here
from pairings.errors import InvalidMonth

MONTH_RE = re.compile(r"(20[0-9]{2}|2100)-(0[1-9]|1[0-2])")


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


def last_day(month: str) -> date:
    """The last calendar day of a month."""
    _, end = month_bounds(month)
    return date.fromordinal(local(end).date().toordinal() - 1)


def next_month(month: str) -> str:
    """The "YYYY-MM" after a month."""
    year, mon = int(month[:4]), int(month[5:7])
    return f"{year + (mon == 12)}-{mon % 12 + 1:02d}"
