"""The boundary's field types. The rules and the marshmallow fields (Text, Id, DateTime,
Month, Period) live in `inputs`, the floor both doors and every domain's schemas share; they are
re-exported here. What is the JSON door's alone stays: `IdConverter`, the `<int:…>` of every
route (out of range: 404 in a path, where a body or query answers 422)."""

from __future__ import annotations

from typing import Any

from werkzeug.routing import IntegerConverter

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
    DateTime,
    Id,
    Month,
    Pattern,
    Period,
    Text,
    bad_character,
    character_message,
    clean_text,
    in_time_range,
)


class IdConverter(IntegerConverter):
    """`<int:…>` in every route: ASCII digits within 1 … 2^31−1, anything else is no route (404).

    Werkzeug's own takes any Unicode digit and any length (a 5,000-digit id was a 500)."""

    regex = r"[0-9]{1,19}"

    def __init__(self, map: Any, *args: Any, **kwargs: Any) -> None:  # noqa: A002
        kwargs.setdefault("min", 1)
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)
