"""How 工号, names and phone numbers are written: one normal form for the roster and binding.

HR spreadsheets carry full-width digits (１０００６), full-width spaces padding two-character
names (王　芳), numbers that Excel turned into floats (13800000001.0) and invisible characters
copied from other systems. Whatever was typed, the stored value and what a person types on the
bind page meet in the same form.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

_INVISIBLE = re.compile("[\u200b-\u200f\u2060\ufeff\u00ad]")
_CJK = "\u2e80-\u9fff\uf900-\ufaff"
_CJK_GAP = re.compile(f"(?<=[{_CJK}]) (?=[{_CJK}])")
_FLOAT_INT = re.compile(r"^(\d+)\.0+$")


def cell_text(value: Any) -> str:
    """A spreadsheet cell as text: NFKC, no invisible characters, inner spaces collapsed."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # 工号 and phone typed as numbers in Excel
    text = _INVISIBLE.sub("", unicodedata.normalize("NFKC", str(value)))
    return " ".join(text.split())


def employee_no(value: Any) -> str:
    """A 工号: NFKC (full-width digits and letters), no spaces; `1001.0` from Excel is `1001`."""
    text = cell_text(value).replace(" ", "")
    match = _FLOAT_INT.match(text)
    return match.group(1) if match else text


def person_name(value: Any) -> str:
    """A name: NFKC, inner spaces collapsed, none between Chinese characters (王　芳 is 王芳)."""
    return _CJK_GAP.sub("", cell_text(value))


def digits(value: Any) -> str:
    """Only the digits of what was typed (full-width digits count)."""
    return re.sub(r"\D", "", cell_text(value))
