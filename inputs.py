"""The rules every value a client sends follows, for the JSON API (miniapp_api.fields wraps them
as marshmallow fields) and the console's forms and filters alike: no package above may invent
its own.

- ids are integers within the columns' range, 1 … 2^31−1;
- text refuses NUL, the C0 and C1 control characters (multi-line text keeps tab, CR and LF),
  lone surrogates and the non-characters of the Basic Multilingual Plane (U+FDD0…U+FDEF,
  U+FFFE, U+FFFF — XML, and so every .xlsx ledger, cannot hold them);
- times are within 2000-01-01 … 2100-12-31 (on their own clock, so converting to UTC never
  overflows);
- months and periods are ASCII digits only (`\\d` also takes full-width digits, which then reach
  a Content-Disposition header);
- a search is a substring, never a LIKE pattern: `%`, `_` and the escape character match
  themselves.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any

from people import MAX_ID

FIRST_DAY, LAST_DAY = date(2000, 1, 1), date(2100, 12, 31)

# The character classes below are written with \uXXXX escapes, which ECMA-262 (JSON Schema's
# regex dialect) and Python's re read alike; lone surrogates are left out of the published
# pattern (no UTF-8 JSON text can carry one) but refused all the same.
_NONCHARS = r"\ufdd0-\ufdef\ufffe\uffff"
_SINGLE_LINE_BAD = r"\u0000-\u001f\u007f-\u009f" + _NONCHARS
_MULTI_LINE_BAD = r"\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f" + _NONCHARS
_SURROGATES = r"\ud800-\udfff"

SINGLE_LINE_PATTERN = f"^[^{_SINGLE_LINE_BAD}]*$"
MULTI_LINE_PATTERN = f"^[^{_MULTI_LINE_BAD}]*$"
# The same, with at least one character that is not white space.
SINGLE_LINE_FILLED = f"^[^{_SINGLE_LINE_BAD}]*[^\\s{_SINGLE_LINE_BAD}][^{_SINGLE_LINE_BAD}]*$"
MULTI_LINE_FILLED = f"^[^{_MULTI_LINE_BAD}]*[^\\s{_MULTI_LINE_BAD}][^{_MULTI_LINE_BAD}]*$"

_BAD_SINGLE = re.compile(f"[{_SINGLE_LINE_BAD}{_SURROGATES}]")
_BAD_MULTI = re.compile(f"[{_MULTI_LINE_BAD}{_SURROGATES}]")
# What no string anywhere in a request may hold, whatever field (or no field) it lands in.
NEVER_ALLOWED = _BAD_MULTI

YEAR = "(20[0-9]{2}|2100)"
# Empty is allowed: `?month=` means the parameter was not given (this month, this year).
MONTH_PATTERN = f"^({YEAR}-(0[1-9]|1[0-2]))?$"
PERIOD_PATTERN = f"^({YEAR}(-(0[1-9]|1[0-2])|-Q[1-4])?|all)?$"
DATETIME_PATTERN = f"^{YEAR}-"

MONTH_MESSAGE = "月份格式应为 YYYY-MM"
TIME_RANGE_MESSAGE = "时间须在 2000-01-01 至 2100-12-31 之间"


def bad_character(value: str, *, multiline: bool = False) -> str | None:
    """The first character a text field refuses, or None."""
    found = (_BAD_MULTI if multiline else _BAD_SINGLE).search(value)
    return found.group() if found else None


def character_message(bad: str) -> str:
    """Why a text holding `bad` (from bad_character) is refused, in Chinese."""
    if bad in "\r\n\t":
        return "不能换行或含制表符"
    return f"含有不允许的字符（U+{ord(bad):04X}）"


def text_problem(value: str, max_len: int, *, multiline: bool = False) -> str | None:
    """What is wrong with a piece of user text (Chinese), or None when it is fine."""
    bad = bad_character(value, multiline=multiline)
    if bad is not None:
        return character_message(bad)
    if len(value) > max_len:
        return f"不能超过 {max_len} 个字"
    return None


def clean_text(value: str | None, max_len: int) -> str | None:
    """A client-sent value we keep but do not validate (device headers): refused characters
    dropped, cut to the column's length; None when nothing is left."""
    if value is None:
        return None
    cleaned = _BAD_SINGLE.sub("", value).strip()[:max_len]
    return cleaned or None


def valid_id(value: int) -> bool:
    """Whether an integer can be a row id (1 … 2^31−1)."""
    return 0 < value <= MAX_ID


def in_time_range(when: datetime) -> bool:
    """Whether an instant lies in 2000-01-01 … 2100-12-31 on its own clock (year 1 or 9999
    would overflow when moved to UTC)."""
    return FIRST_DAY <= when.replace(tzinfo=None).date() <= LAST_DAY


def valid_month(value: str) -> bool:
    """Whether a non-empty value is a month "YYYY-MM" (2000-01 … 2100-12), ASCII digits."""
    return bool(value) and re.fullmatch(MONTH_PATTERN, value) is not None


def contains(column: Any, text: str) -> Any:
    """`column` holds `text` as a substring: LIKE's wildcards and its escape character in the
    text match themselves (the same on SQLite, PostgreSQL and MariaDB)."""
    return column.contains(text, autoescape=True)
