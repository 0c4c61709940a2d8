"""Server-side tables: one page of a select, sorted by a whitelisted column, with the total."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import marshmallow as ma
from flask import request

from domain_errors import InvalidInput
from inputs import (
    MAX_ID,
    MONTH_MESSAGE,
    NEVER_ALLOWED,
    TIME_RANGE_MESSAGE,
    text_problem,
    valid_month,
)
from models import db

PAGE_SIZES = (10, 20, 50, 100)
MAX_OFFSET = 2**31 - 1


def arg_int(name: str, default: int | None = None, lo: int = 1, hi: int = MAX_ID):
    """An integer query argument within bounds, or the default (never a 500 for junk)."""
    raw = request.args.get(name, "")
    # ASCII digits only, as the API's ids: int() would also take "１２" and "1_000".
    if not (raw.isascii() and raw.lstrip("-").isdigit()) or len(raw) > 19:
        return default
    value = int(raw)
    return value if lo <= value <= hi else default


def arg_str(name: str, max_len: int = 64, choices: tuple[str, ...] | None = None) -> str:
    """A trimmed text query argument: '' when absent or not one of `choices`; free text that
    breaks the API's text rules (a refused character, too long) is a 422 in Chinese."""
    value = (request.args.get(name) or "").strip()
    if choices is not None:
        return value if value in choices else ""
    problem = text_problem(value, max_len)
    if problem is not None:
        raise InvalidInput(errors={name: [problem]})
    return value


def arg_month(name: str = "month") -> str:
    """A month filter "YYYY-MM" ('' when absent); the API's rule (ASCII digits, 2000 … 2100)
    or a 422 in Chinese."""
    value = (request.args.get(name) or "").strip()
    if value and not valid_month(value):
        raise InvalidInput(errors={name: [MONTH_MESSAGE]})
    return value


# The input rules' own words (a refused character, too long, a time out of range), kept when a
# form names a field's message: they say what to fix better than the form's "please fill in".
_KEPT = ("含有不允许的字符", "不能换行或含制表符", "长度不能超过", TIME_RANGE_MESSAGE)
_RANGE = re.compile(r"^应大于或等于 (\S+) 且小于或等于 (\S+)$")


def _in_console_words(message: str) -> str:
    """A schema message as the console's forms have always put it."""
    found = _RANGE.match(message)
    if found:
        return f"应在 {found.group(1)} 到 {found.group(2)} 之间"
    if message in ("应为整数", "应为数字") or message.startswith("Special numeric"):
        return "请填写数字"  # marshmallow's nan/infinity refusal has no Chinese of its own
    return message


def _console_errors(errors: Any, messages: dict[str, str], name: str = "") -> Any:
    if isinstance(errors, dict):
        return {key: _console_errors(value, messages, str(key)) for key, value in errors.items()}
    if not isinstance(errors, list):
        return errors
    out: list[str] = []
    for message in map(str, errors):
        if name in messages and not message.startswith(_KEPT):
            message = messages[name]
        message = _in_console_words(message)
        if message not in out:
            out.append(message)
    return out


def form_value(name: str) -> str:
    """A form field, trimmed ('' when absent): what a form sends before its schema loads it."""
    return (request.form.get(name) or "").strip()


def given(**values: Any) -> dict[str, Any]:
    """The values a form filled in: a field left empty is not sent, as in the API."""
    return {k: v for k, v in values.items() if v not in (None, "")}


def load_form(
    schema: ma.Schema,
    data: dict[str, Any],
    *,
    messages: dict[str, str] | None = None,
    partial: tuple[str, ...] | bool | None = None,
) -> dict[str, Any]:
    """A form's values (converted where its fields differ from the API's) loaded through the
    domain's schema, so a page refuses what the API refuses; a 422 in the console's words,
    with `messages` naming what a field's refusal says on this form."""
    try:
        return schema.load(data, partial=partial)
    except ma.ValidationError as error:
        errors = _console_errors(error.normalized_messages(), messages or {})
        raise InvalidInput(errors=errors) from None


def refuse_bad_strings() -> None:
    """No query or form value (nor name) may hold what no string of a request may hold
    (NUL, control characters, lone surrogates): the API's boundary rule, for every page."""
    found: dict[str, list[str]] = {}
    for values in (request.args, request.form):
        for key, value in values.items(multi=True):
            if NEVER_ALLOWED.search(key):
                found.setdefault(NEVER_ALLOWED.sub("\ufffd", key)[:64], ["字段名含有无效字符"])
            elif NEVER_ALLOWED.search(value):
                found.setdefault(key[:64], ["含有不允许的控制字符或无效字符"])
    if found:
        raise InvalidInput(errors=found)


@dataclass
class Page:
    """One page of rows with what the template needs to draw the pager and sortable headers."""

    items: list[Any]
    total: int
    page: int
    page_size: int
    sort: str
    order: str
    args: dict[str, str] = field(default_factory=dict)
    prefix: str = ""

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.page_size))

    def url(self, **changes: Any) -> str:
        """The current page's URL with some query arguments changed."""
        args = {k: v for k, v in self.args.items() if v not in ("", None)}
        args.update({k: str(v) for k, v in changes.items() if v not in ("", None)})
        return f"{request.path}?{urlencode(args)}"

    def export_url(self) -> str:
        """This table's rows as filtered (every page, in this order) as .xlsx: 导出."""
        return self.url(**{self.prefix + "export": "xlsx"})

    def page_url(self, page: int) -> str:
        return self.url(**{self.prefix + "page": page})

    def size_url(self, size: int) -> str:
        return self.url(**{self.prefix + "page_size": size, self.prefix + "page": 1})

    def sort_url(self, key: str) -> str:
        order = "asc" if self.sort == key and self.order == "desc" else "desc"
        p = self.prefix
        return self.url(**{p + "sort": key, p + "order": order, p + "page": 1})

    def sort_mark(self, key: str) -> str:
        if self.sort != key:
            return ""
        return "▲" if self.order == "asc" else "▼"

    def window(self) -> list[int]:
        """Page numbers around the current one for the pager."""
        lo, hi = max(1, self.page - 3), min(self.pages, self.page + 3)
        return list(range(lo, hi + 1))


def wants_export(prefix: str = "") -> bool:
    """The query asks for the table's export (`?export=xlsx`) rather than a page."""
    return request.args.get(prefix + "export") == "xlsx"


def ordered(
    stmt: Any,
    sorts: dict[str, Any],
    default_sort: str,
    default_order: str = "desc",
    *,
    tiebreak: Any = None,
    prefix: str = "",
) -> tuple[Any, str, str]:
    """`stmt` in the order the query asks for (?sort=&order=, whitelisted by `sorts`): the
    order of a page and of its export alike; with the sort and order taken."""
    sort = arg_str(prefix + "sort", 32, tuple(sorts)) or default_sort
    order = arg_str(prefix + "order", 4, ("asc", "desc")) or default_order
    column = sorts[sort]
    result = stmt.order_by(None).order_by(column.asc() if order == "asc" else column.desc())
    if tiebreak is not None:
        result = result.order_by(tiebreak.asc() if order == "asc" else tiebreak.desc())
    return result, sort, order


def paginate(
    stmt: Any,
    sorts: dict[str, Any],
    default_sort: str,
    default_order: str = "desc",
    *,
    rows: bool = False,
    tiebreak: Any = None,
    prefix: str = "",
    page_size: int = 20,
) -> Page:
    """Cut `stmt` into the page the query asks for (?page=&page_size=&sort=&order=; a second
    table on the same page reads its own arguments under `prefix`)."""
    sorted_stmt, sort, order = ordered(
        stmt, sorts, default_sort, default_order, tiebreak=tiebreak, prefix=prefix
    )
    page = arg_int(prefix + "page", 1) or 1
    page_size = arg_int(prefix + "page_size", page_size, 1, 100) or page_size
    total = db.session.scalar(
        db.select(db.func.count()).select_from(stmt.order_by(None).subquery())
    )
    offset = (page - 1) * page_size
    items: list[Any] = []
    if offset <= MAX_OFFSET:
        limited = sorted_stmt.limit(page_size).offset(offset)
        items = list(db.session.execute(limited).all() if rows else db.session.scalars(limited))
    args = {k: v for k, v in request.args.items() if k not in (prefix + "page", prefix + "export")}
    args.update({prefix + "sort": sort, prefix + "order": order})
    args[prefix + "page_size"] = str(page_size)
    return Page(items, int(total or 0), page, page_size, sort, order, args, prefix)


def paginate_list(items: list[Any], prefix: str, page_size: int = 20) -> Page:
    """One page of a list already in memory (a preview's sections), each section paged under
    its own `prefix`."""
    page = arg_int(prefix + "page", 1) or 1
    page_size = arg_int(prefix + "page_size", page_size, 1, 100) or page_size
    start = (page - 1) * page_size
    args = {k: v for k, v in request.args.items() if k != prefix + "page"}
    args[prefix + "page_size"] = str(page_size)
    return Page(items[start : start + page_size], len(items), page, page_size, "", "", args, prefix)


def paginate_rows(
    items: list[Any],
    sorts: dict[str, Any],
    default_sort: str,
    default_order: str = "desc",
    *,
    prefix: str = "",
    page_size: int = 20,
) -> tuple[Page, list[Any]]:
    """A list a domain already selected (a period's meetings, a year's pledges) as a sorted,
    paged table: `sorts` maps a ?sort= key to the row's sort value (None last). Returns the
    page and every row in the table's order (what 导出 writes)."""
    sort = arg_str(prefix + "sort", 32, tuple(sorts)) or default_sort
    order = arg_str(prefix + "order", 4, ("asc", "desc")) or default_order
    key = sorts[sort]
    present = [r for r in items if key(r) is not None]
    missing = [r for r in items if key(r) is None]
    rows = sorted(present, key=key, reverse=order == "desc") + missing
    page = arg_int(prefix + "page", 1) or 1
    page_size = arg_int(prefix + "page_size", page_size, 1, 100) or page_size
    start = (page - 1) * page_size
    args = {k: v for k, v in request.args.items() if k not in (prefix + "page", prefix + "export")}
    args.update({prefix + "sort": sort, prefix + "order": order})
    args[prefix + "page_size"] = str(page_size)
    shown = rows[start : start + page_size] if start < len(rows) else []
    return Page(shown, len(rows), page, page_size, sort, order, args, prefix), rows
