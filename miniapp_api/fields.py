"""The boundary's field types: every id, text, time, month and period a client sends is one of
these, so the same rules (and the same OpenAPI patterns) hold on every endpoint. The rules are
the pure functions of `inputs` (the console's forms follow them too):

- ids are integers within the columns' range, 1 … 2^31−1 (out of range: 422 in a body or query,
  404 in a path — see `IdConverter`);
- text refuses NUL, the C0 and C1 control characters (multi-line text keeps tab, CR and LF),
  lone surrogates and the non-characters of the Basic Multilingual Plane (U+FDD0…U+FDEF,
  U+FFFE, U+FFFF — XML, and so every .xlsx ledger, cannot hold them);
- times are ISO 8601 within 2000-01-01 … 2100-12-31 (on their own clock, so converting to UTC
  never overflows);
- months and periods are ASCII digits only (`\\d` also takes full-width digits, which then reach
  a Content-Disposition header).

Each rule is also published as the field's `pattern` / `minimum` / `maximum`, so the OpenAPI
document says exactly what the server accepts.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

import marshmallow as ma
from werkzeug.routing import IntegerConverter

# The rules themselves live in inputs (the console follows them too); re-exported here.
from inputs import (  # noqa: F401
    DATETIME_PATTERN,
    MAX_ID,
    MONTH_MESSAGE,
    MONTH_PATTERN,
    MULTI_LINE_FILLED,
    MULTI_LINE_PATTERN,
    NEVER_ALLOWED,
    PERIOD_PATTERN,
    SINGLE_LINE_FILLED,
    SINGLE_LINE_PATTERN,
    bad_character,
    character_message,
    clean_text,
    in_time_range,
)


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
    """An ISO 8601 instant with offset (or in `default_timezone` without one), 2000 … 2100."""

    default_error_messages = {
        "invalid": "时间格式不正确（ISO 8601）",
        "invalid_awareness": "时间须带时区（如 +08:00）",
        "out_of_range": "时间须在 2000-01-01 至 2100-12-31 之间",
    }

    def __init__(self, **kwargs: Any) -> None:
        metadata = {"pattern": DATETIME_PATTERN, **kwargs.pop("metadata", {})}
        super().__init__(format="iso", metadata=metadata, **kwargs)

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> datetime:
        if isinstance(value, str) and not re.match(DATETIME_PATTERN, value):
            raise self.make_error("out_of_range")
        when = super()._deserialize(value, attr, data, **kwargs)
        # Checked on the value's own clock: year 1 or 9999 would overflow when moved to UTC.
        if not in_time_range(when):
            raise self.make_error("out_of_range")
        return when


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
    kwargs["metadata"]["pattern"] = MONTH_PATTERN
    if checked:
        kwargs["validate"] = Pattern(MONTH_PATTERN, error=MONTH_MESSAGE)
    return ma.fields.String(**kwargs)


def Period(**kwargs: Any) -> ma.fields.String:  # noqa: N802
    """A reporting period: "YYYY", "YYYY-Qn", "YYYY-MM" or "all", ASCII digits. Published here,
    checked by `points.ledger.parse_period` (reason `invalid_period`)."""
    kwargs.setdefault("metadata", {}).setdefault(
        "description", "YYYY、YYYY-Qn、YYYY-MM 或 all（上海时间）"
    )
    kwargs["metadata"]["pattern"] = PERIOD_PATTERN
    return ma.fields.String(**kwargs)


class IdConverter(IntegerConverter):
    """`<int:…>` in every route: ASCII digits within 1 … 2^31−1, anything else is no route (404).

    Werkzeug's own takes any Unicode digit and any length (a 5,000-digit id was a 500)."""

    regex = r"[0-9]{1,19}"

    def __init__(self, map: Any, *args: Any, **kwargs: Any) -> None:  # noqa: A002
        kwargs.setdefault("min", 1)
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)
