"""WECHAT_TEMPLATES: which subscribe-message template each notification kind uses, and how its
data becomes the template's keyword values the way WeChat's keyword types demand.

Shape (JSON in the environment):

    {"wish_claimed": {"template_id": "Xy…",
                      "fields": {"thing1": {"from": "title", "type": "thing"},
                                 "name2":  {"from": "name",  "type": "name"},
                                 "time3":  {"from": "at",    "type": "time"},
                                 "thing4": {"value": "请及时查看", "type": "thing"}}}}

A keyword takes a data key of the kind (`from`) or a fixed text (`value`); `type` is the
keyword's WeChat type and may be left out when the keyword's name starts with it (thing1 →
thing). Checked at start-up: an unknown kind, source key or type, a type that cannot hold the
key's values, a missing template id — the app refuses to start in production and logs a warning
(and skips that kind) otherwise.

Value rules (WeChat's subscribe-message documentation): thing ≤ 20 characters; number ≤ 32
digits (may have decimals); letter ≤ 32 letters; symbol ≤ 5 symbols; character_string ≤ 32
digits, letters or symbols; time HH:MM with an optional date; date y年m月d日 (or y年m月,
2018-01-01, …) with an optional time; amount a currency sign and ≤ 10 digits; phone_number ≤ 17
digits and symbols; car_number ≤ 8; name ≤ 10 汉字 or ≤ 20 letters; phrase ≤ 5 汉字. No control
characters, never empty. "…" is added only where the type allows any character (thing).
"""

from __future__ import annotations

import logging
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from notifications.kinds import KINDS

log = logging.getLogger(__name__)

TYPES = (
    "thing",
    "number",
    "letter",
    "symbol",
    "character_string",
    "time",
    "date",
    "amount",
    "phone_number",
    "car_number",
    "name",
    "phrase",
)
# Which data sorts a keyword type can hold (see notifications.kinds).
FITS = {
    "thing": {"text", "name", "phrase", "number", "time", "date", "month"},
    "name": {"name"},
    "phrase": {"phrase"},
    "number": {"number"},
    "character_string": {"number", "date", "month"},
    "time": {"time"},
    "date": {"time", "date", "month"},
    "amount": set(),
    "letter": set(),
    "symbol": set(),
    "phone_number": set(),
    "car_number": set(),
}
# What an empty value becomes: WeChat refuses empty keywords.
PLACEHOLDERS = {"thing": "无", "name": "无", "phrase": "无", "character_string": "-", "number": "0"}
_KEYWORD = re.compile(r"^([a-z_]+?)(\d+)$")
_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_CAR_NUMBER = re.compile(r"[\u4e00-\u9fffA-Za-z0-9][A-Za-z0-9]{0,6}[\u4e00-\u9fffA-Za-z0-9]?")
_CONTROL_CATEGORIES = {"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"}


class TemplateError(ValueError):
    """A WECHAT_TEMPLATES entry that WeChat would not accept."""


class ValueShapeError(ValueError):
    """A value that cannot be made to fit its keyword's type."""


@dataclass(frozen=True)
class Field:
    keyword: str
    type: str
    source: str | None  # a data key of the kind
    value: str | None  # or a fixed text


@dataclass(frozen=True)
class Template:
    kind: str
    template_id: str
    fields: tuple[Field, ...]

    def render(self, data: Mapping[str, Any]) -> dict[str, dict[str, str]]:
        """The subscribe message's `data`: {"thing1": {"value": "…"}, …}."""
        return {
            f.keyword: {"value": shape(f.type, f.value if f.source is None else data.get(f.source))}
            for f in self.fields
        }


# -- reading and checking the setting ---------------------------------------------------------


def parse(raw: Mapping[str, Any]) -> tuple[dict[str, Template], list[str]]:
    """The usable templates and a list of problems (one line each) in WECHAT_TEMPLATES."""
    templates: dict[str, Template] = {}
    problems: list[str] = []
    for kind_name, spec in (raw or {}).items():
        try:
            templates[kind_name] = _parse_one(kind_name, spec)
        except TemplateError as exc:
            problems.append(f"{kind_name}: {exc}")
    return templates, problems


def _parse_one(kind_name: str, spec: Any) -> Template:
    kind = KINDS.get(kind_name)
    if kind is None:
        raise TemplateError(f"unknown notification kind (known: {', '.join(sorted(KINDS))})")
    if not isinstance(spec, Mapping):
        raise TemplateError(
            'give {"template_id": …, "fields": {keyword: {"from": data key, "type": …}}}; '
            "a bare template id sends our own keys, which WeChat refuses (47003)"
        )
    template_id = spec.get("template_id")
    if not isinstance(template_id, str) or not template_id.strip():
        raise TemplateError("template_id is missing")
    fields = spec.get("fields")
    if not isinstance(fields, Mapping) or not fields:
        raise TemplateError("fields is missing: map each template keyword to a data key")
    parsed = []
    for keyword, field_spec in fields.items():
        parsed.append(_parse_field(kind, keyword, field_spec))
    extra = set(spec) - {"template_id", "fields", "title"}
    if extra:
        raise TemplateError(f"unknown entries {sorted(extra)}")
    return Template(kind_name, template_id.strip(), tuple(parsed))


def _parse_field(kind, keyword: Any, spec: Any) -> Field:
    m = _KEYWORD.match(keyword) if isinstance(keyword, str) else None
    if m is None:
        raise TemplateError(f"{keyword!r} is not a WeChat keyword name (thing1, time2, …)")
    prefix = m.group(1)
    if isinstance(spec, str):
        spec = {"from": spec}
    if not isinstance(spec, Mapping):
        raise TemplateError(f"{keyword}: give {{'from': data key, 'type': keyword type}}")
    ftype = spec.get("type") or (prefix if prefix in TYPES else None)
    if ftype not in TYPES:
        raise TemplateError(f"{keyword}: unknown type {spec.get('type')!r} (one of {TYPES})")
    if prefix in TYPES and prefix != ftype:
        raise TemplateError(f"{keyword} is a {prefix} keyword, not {ftype}")
    extra = set(spec) - {"from", "type", "value"}
    if extra:
        raise TemplateError(f"{keyword}: unknown entries {sorted(extra)}")
    source, value = spec.get("from"), spec.get("value")
    if (source is None) == (value is None):
        raise TemplateError(f"{keyword}: give exactly one of 'from' (a data key) or 'value'")
    if source is not None:
        if source not in kind.keys:
            raise TemplateError(
                f"{keyword}: {kind.name} has no data key {source!r} (it has {', '.join(kind.keys)})"
            )
        sort = kind.keys[source]
        if sort not in FITS[ftype]:
            raise TemplateError(f"{keyword}: a {ftype} keyword cannot hold {source} ({sort})")
        return Field(keyword, ftype, source, None)
    if not isinstance(value, str):
        raise TemplateError(f"{keyword}: value must be text")
    try:
        shaped = shape(ftype, value)
    except ValueShapeError as exc:
        raise TemplateError(f"{keyword}: {exc}") from exc
    if shaped != value:
        raise TemplateError(f"{keyword}: {value!r} does not fit a {ftype} keyword ({shaped!r})")
    return Field(keyword, ftype, None, value)


def load(config: Mapping[str, Any], production: bool) -> dict[str, Template]:
    """WECHAT_TEMPLATES checked: refuse (production) or warn and drop bad entries."""
    templates, problems = parse(config.get("WECHAT_TEMPLATES") or {})
    if problems:
        if production:
            from config import ConfigError

            raise ConfigError("WECHAT_TEMPLATES: " + "; ".join(problems))
        for problem in problems:
            log.warning("WECHAT_TEMPLATES %s (that kind will not be sent)", problem)
    return templates


# -- shaping one value ------------------------------------------------------------------------


def _clean(value: Any) -> str:
    """Text without control characters, whitespace runs as one space, trimmed."""
    text = "" if value is None else str(value)
    text = "".join(
        " " if ch.isspace() else ch
        for ch in text
        if ch.isspace() or unicodedata.category(ch) not in _CONTROL_CATEGORIES
    )
    return re.sub(r" +", " ", text).strip()


def _cut(text: str, limit: int, ellipsis: bool) -> str:
    if len(text) <= limit:
        return text
    return text[: limit - 1].rstrip() + "…" if ellipsis else text[:limit].rstrip()


_DATE_PATTERNS = (
    ("%Y-%m-%d %H:%M:%S", "datetime"),
    ("%Y-%m-%d %H:%M", "datetime"),
    ("%Y-%m-%dT%H:%M:%S%z", "datetime"),
    ("%Y-%m-%dT%H:%M:%S", "datetime"),
    ("%Y-%m-%d", "date"),
    ("%Y-%m", "month"),
    ("%H:%M", "clock"),
)


def _when(value: Any) -> tuple[datetime, str]:
    if isinstance(value, datetime):
        return value, "datetime"
    text = _clean(value)
    for pattern, what in _DATE_PATTERNS:
        try:
            return datetime.strptime(text, pattern), what
        except ValueError:
            continue
    raise ValueShapeError(f"{text!r} is not a date or time")


def _date_text(at: datetime, what: str) -> str:
    if what == "month":
        return f"{at.year}年{at.month}月"
    return f"{at.year}年{at.month}月{at.day}日"


def shape(ftype: str, value: Any) -> str:
    """`value` made to fit a keyword of WeChat type `ftype`; ValueShapeError if it cannot."""
    text = _clean(value)
    if ftype == "thing":
        return _cut(text, 20, True) or PLACEHOLDERS["thing"]
    if ftype == "phrase":
        return "".join(_CJK.findall(text))[:5] or PLACEHOLDERS["phrase"]
    if ftype == "name":
        name = "".join(ch for ch in text if not ch.isdigit() and ch != " ")
        if not name:
            return PLACEHOLDERS["name"]
        return name[:10] if _CJK.search(name) else name[:20]
    if ftype == "number":
        if not text:
            return PLACEHOLDERS["number"]
        if not re.fullmatch(r"\d+(\.\d+)?", text) or len(text) > 32:
            raise ValueShapeError(f"{text!r} is not a number of at most 32 digits")
        return text
    if ftype == "character_string":
        kept = "".join(ch for ch in text if "!" <= ch <= "~")
        return kept[:32] or PLACEHOLDERS["character_string"]
    if ftype == "letter":
        kept = "".join(ch for ch in text if ch.isascii() and ch.isalpha())[:32]
        if not kept:
            raise ValueShapeError(f"{text!r} has no letters")
        return kept
    if ftype == "symbol":
        kept = "".join(ch for ch in text if not ch.isalnum() and ch != " ")[:5]
        if not kept:
            raise ValueShapeError(f"{text!r} has no symbols")
        return kept
    if ftype == "time":
        at, what = _when(text)
        if what == "clock":
            return at.strftime("%H:%M")
        if what != "datetime":
            raise ValueShapeError(f"{text!r} has no time of day")
        return f"{_date_text(at, what)} {at:%H:%M}"
    if ftype == "date":
        at, what = _when(text)
        if what == "clock":
            raise ValueShapeError(f"{text!r} has no date")
        day = _date_text(at, what)
        return f"{day} {at:%H:%M}" if what == "datetime" else day
    if ftype == "amount":
        m = re.fullmatch(r"([¥￥$€£]?)(\d{1,10}(\.\d+)?)(元?)", text.replace(",", ""))
        if not m:
            raise ValueShapeError(f"{text!r} is not an amount")
        return f"{m.group(1) or '¥'}{m.group(2)}{m.group(4)}"
    if ftype == "phone_number":
        kept = "".join(ch for ch in text if ch.isdigit() or ch in "+-() ").strip()[:17]
        if not kept:
            raise ValueShapeError(f"{text!r} is not a phone number")
        return kept
    if ftype == "car_number":
        kept = text.replace(" ", "")
        if not _CAR_NUMBER.fullmatch(kept):
            raise ValueShapeError(f"{text!r} is not a car number")
        return kept
    raise ValueShapeError(f"unknown keyword type {ftype!r}")
