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

The marshmallow field types below (Text, Id, DateTime, Month, Period) carry these rules into
every domain's schemas (`<domain>/schemas.py`), which both doors load their input through; each
rule is also published as the field's `pattern` / `minimum` / `maximum`, so the OpenAPI document
says exactly what the server accepts. Importing this module also sets marshmallow's messages to
Chinese.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any

import marshmallow as ma

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
# A month that must be given (an empty value is no month at all).
MONTH_REQUIRED_PATTERN = f"^{YEAR}-(0[1-9]|1[0-2])$"
PERIOD_PATTERN = f"^({YEAR}(-(0[1-9]|1[0-2])|-Q[1-4])?|all)?$"
# A date, a time and an offset, always: the contract's times carry their offset (API.md).
# RFC 3339's form (upper-case T and Z, a dot before fractions, the offset as ±HH:MM).
_CLOCK = "[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}(:[0-9]{2}(\\.[0-9]+)?)?"
DATETIME_PATTERN = f"^{YEAR}-{_CLOCK}(Z|[+-][0-9]{{2}}:[0-9]{{2}})$"
_YEAR_PREFIX = re.compile(f"^{YEAR}-")
_NO_OFFSET = re.compile(f"^{YEAR}-[0-9]{{2}}-[0-9]{{2}}([Tt ][0-9:.,]*)?$")

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


# --- marshmallow ----------------------------------------------------------------------------


def _chinese_field_messages() -> None:
    """Field errors in Chinese: a miner reads them on the phone, a secretary on the console."""
    ma.fields.Field.default_error_messages.update(
        required="此项为必填项", null="此项不能为空", validator_failed="取值无效"
    )
    ma.fields.String.default_error_messages.update(invalid="应为文本")
    ma.fields.Integer.default_error_messages.update(invalid="应为整数", too_large="数值过大")
    ma.fields.Number.default_error_messages.update(invalid="应为数字", too_large="数值过大")
    ma.fields.Boolean.default_error_messages.update(invalid="应为 true 或 false")
    ma.fields.DateTime.default_error_messages.update(invalid="时间格式不正确（ISO 8601）")
    ma.fields.Date.default_error_messages.update(invalid="日期格式不正确（YYYY-MM-DD）")
    ma.fields.List.default_error_messages.update(invalid="应为列表")
    ma.fields.Nested.default_error_messages.update(type="格式不正确")
    ma.fields.Dict.default_error_messages.update(invalid="应为对象")
    ma.Schema._default_error_messages = {"type": "格式不正确", "unknown": "不支持的字段"}
    ma.validate.Length.message_min = "长度不能少于 {min}"
    ma.validate.Length.message_max = "长度不能超过 {max}"
    ma.validate.Length.message_all = "长度应在 {min} 到 {max} 之间"
    ma.validate.Length.message_equal = "长度应为 {equal}"
    # Range formats twice: first the operator words, then the numbers.
    ma.validate.Range.message_min = "应{min_op} {{min}}"
    ma.validate.Range.message_max = "应{max_op} {{max}}"
    ma.validate.Range.message_all = "应{min_op} {{min}} 且{max_op} {{max}}"
    ma.validate.Range.message_gte = "大于或等于"
    ma.validate.Range.message_gt = "大于"
    ma.validate.Range.message_lte = "小于或等于"
    ma.validate.Range.message_lt = "小于"
    ma.validate.OneOf.default_message = "取值应为：{choices}"
    ma.validate.Regexp.default_message = "格式不正确"


_chinese_field_messages()


class Text(ma.fields.String):
    """User text: bounded, with no control characters, surrogates or BMP non-characters."""

    def __init__(
        self,
        max_len: int,
        *,
        min_len: int = 0,
        multiline: bool = False,
        blank: bool = True,
        **kwargs: Any,
    ) -> None:
        self.multiline = multiline
        self.blank = blank
        if not blank:
            min_len = max(min_len, 1)
        if multiline:
            pattern = MULTI_LINE_PATTERN if blank else MULTI_LINE_FILLED
        else:
            pattern = SINGLE_LINE_PATTERN if blank else SINGLE_LINE_FILLED
        metadata = {"pattern": pattern, **kwargs.pop("metadata", {})}
        validate = [ma.validate.Length(min=min_len or None, max=max_len)]
        super().__init__(validate=validate, metadata=metadata, **kwargs)

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        text = super()._deserialize(value, attr, data, **kwargs)
        bad = bad_character(text, multiline=self.multiline)
        if bad is not None:
            raise ma.ValidationError(character_message(bad))
        if not self.blank and not text.strip():
            raise ma.ValidationError("不能为空")
        return text


def Id(**kwargs: Any) -> ma.fields.Integer:  # noqa: N802 - a field factory, read like a type
    """A row id: an integer 1 … 2^31−1 (the columns' range on every backend)."""
    return ma.fields.Integer(validate=ma.validate.Range(min=1, max=MAX_ID), **kwargs)


class DateTime(ma.fields.AwareDateTime):
    """An ISO 8601 instant with its offset (`2026-11-20T09:30:00+08:00`), 2000 … 2100.

    A time without an offset, or a bare date, is refused (422 "时间须带时区"): the contract
    says times carry an offset, and guessing the zone is how a talk lands in the wrong month."""

    default_error_messages = {
        "invalid": "时间格式不正确（ISO 8601）",
        "invalid_awareness": "时间须带时区（如 +08:00）",
        "out_of_range": TIME_RANGE_MESSAGE,
    }

    def __init__(self, **kwargs: Any) -> None:
        if "default_timezone" in kwargs:
            raise TypeError("inputs.DateTime takes no default_timezone: times carry an offset")
        metadata = {"pattern": DATETIME_PATTERN, **kwargs.pop("metadata", {})}
        super().__init__(format="iso", metadata=metadata, **kwargs)

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> datetime:
        if isinstance(value, str):
            if not _YEAR_PREFIX.match(value):
                raise self.make_error("out_of_range")
            if _NO_OFFSET.match(value):
                raise self.make_error("invalid_awareness")
            if not re.fullmatch(DATETIME_PATTERN, value):
                raise self.make_error("invalid")
        when = super()._deserialize(value, attr, data, **kwargs)
        # Checked on the value's own clock: year 1 or 9999 would overflow when moved to UTC.
        if not in_time_range(when):
            raise self.make_error("out_of_range")
        return when


class Boolean(ma.fields.Boolean):
    """A JSON body's boolean: `true` or `false` only. marshmallow's Boolean also takes 1, 0,
    "true", "on", "yes"…; the contract says boolean, and `{"approve": 1}` approved a request.
    (A query string's flags, `?dry_run=true`, are text and keep marshmallow's Boolean.)"""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> bool:
        if not isinstance(value, bool):
            raise self.make_error("invalid")
        return value


class Pattern(ma.validate.Regexp):
    """Regexp that must match the whole value (`$` alone would let a trailing newline in)."""

    def __call__(self, value: str) -> str:
        if not isinstance(value, str) or self.regex.fullmatch(value) is None:
            raise ma.ValidationError(self._format_error(value))
        return value


def Month(*, checked: bool = True, **kwargs: Any) -> ma.fields.String:  # noqa: N802
    """A Shanghai calendar month "YYYY-MM" (2000-01 … 2100-12), ASCII digits.

    checked=False: the pattern is only published, because the domain checks the very same
    pattern and answers with its own reason (pairings' `invalid_month`)."""
    kwargs.setdefault("metadata", {}).setdefault("description", "YYYY-MM（上海时间的自然月）")
    pattern = MONTH_REQUIRED_PATTERN if kwargs.get("required") else MONTH_PATTERN
    kwargs["metadata"]["pattern"] = pattern
    if checked:
        kwargs["validate"] = Pattern(pattern, error=MONTH_MESSAGE)
    return ma.fields.String(**kwargs)


def Period(**kwargs: Any) -> ma.fields.String:  # noqa: N802
    """A reporting period: "YYYY", "YYYY-Qn", "YYYY-MM" or "all", ASCII digits. Published here,
    checked by `points.ledger.parse_period` (reason `invalid_period`)."""
    kwargs.setdefault("metadata", {}).setdefault(
        "description", "YYYY、YYYY-Qn、YYYY-MM 或 all（上海时间）"
    )
    kwargs["metadata"]["pattern"] = PERIOD_PATTERN
    return ma.fields.String(**kwargs)


# A calendar day: published beside format: date, so a client (and schemathesis) knows the years.
DAY_PATTERN = r"^(20\d\d|2100)-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$"
DAY_RANGE = ma.validate.Range(
    date(2000, 1, 1), date(2100, 12, 31), error="日期须在 2000-01-01 至 2100-12-31 之间"
)


def Day(**kwargs: Any) -> ma.fields.Date:  # noqa: N802 - a field factory, read like a type
    """A Shanghai calendar day "YYYY-MM-DD", 2000 … 2100 (a year-1 date would overflow the
    Shanghai day bounds)."""
    kwargs.setdefault("metadata", {}).setdefault("pattern", DAY_PATTERN)
    return ma.fields.Date(validate=DAY_RANGE, **kwargs)
