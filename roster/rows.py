"""From cells to roster rows: normal forms, accepted values, and duplicates within the file."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from accounts import identity_text
from roster import columns
from roster.reading import RosterTable

_SCIENTIFIC = re.compile(r"^\d+(\.\d+)?e\+?\d+$", re.IGNORECASE)
_PHONE_SPLIT = re.compile(r"[/;,，；、|]|或")
_PHONE_PUNCT = re.compile(r"[\s\-()（）.]")


@dataclass
class RosterRow:
    """One valid line of the roster, in normal form (branch may still be blank for masses)."""

    number: int
    employee_no: str
    name: str
    phone: str
    unit: str
    branch: str
    political_status: str
    is_cadre: bool
    previous_employee_no: str = ""
    group: str = ""  # the 班组 as written ("" when blank or the file has no 班组 column)
    role: str = ""  # group_leader / team_leader / ""
    unit_kind: str = ""  # team / office / other as the 单位类别 says; "" leaves it as it is


@dataclass
class RowProblems:
    """Row errors (each names its row) and warnings, as the preview and the import report them."""

    errors: list[dict[str, Any]] = field(default_factory=list)
    warnings: list[dict[str, Any]] = field(default_factory=list)
    # row number -> its entry in `errors`: finding a row's errors is one lookup, so checking
    # a file is linear in its rows, bad ones included.
    _by_row: dict[int, dict[str, Any]] = field(default_factory=dict, repr=False, compare=False)

    def error(self, row: int, employee_no: str, key: str, message: str) -> None:
        entry = self._by_row.get(row)
        if entry is not None:
            entry["errors"].setdefault(key, []).append(message)
            return
        entry = {"row": row, "employee_no": employee_no, "errors": {key: [message]}}
        self._by_row[row] = entry
        self.errors.append(entry)

    def warn(self, row: int | None, message: str) -> None:
        self.warnings.append({"row": row, "message": message})

    def has_error(self, row: int) -> bool:
        return row in self._by_row


def phone_number(raw: Any) -> tuple[str | None, str | None, bool]:
    """(digits, error, several) for a phone cell: integers, floats or text, as Excel left it."""
    text = identity_text.cell_text(raw)
    if _SCIENTIFIC.match(text.replace(" ", "")):
        return (
            None,
            "手机号被 Excel 存成了科学计数法（如 1.38E+10），位数已丢失；"
            "请把该列设为文本后重新填写",
            False,
        )
    found = []
    for part in _PHONE_SPLIT.split(text):
        d = _PHONE_PUNCT.sub("", part.strip())
        d = re.sub(r"^(\+?86|0086)(?=1\d{10}$)", "", d).lstrip("+")
        if d:
            found.append(d)
    valid = [d for d in found if d.isdigit() and 7 <= len(d) <= 20]
    if not valid or len(valid) != len(found):
        return None, "手机号格式不正确（应为 11 位手机号或带区号的电话）", False
    return valid[0], None, len(valid) > 1


def _is_repeated_header(cells: dict[str, Any]) -> bool:
    value = cells.get("employee_no")
    return isinstance(value, str) and columns.header_key(value) in columns.NAME_KEYS["employee_no"]


def parse_rows(table: RosterTable) -> tuple[list[RosterRow], RowProblems]:
    """Check every row; returns the good rows and the problems (a bad row is not returned)."""
    problems = RowProblems()
    rows: list[RosterRow] = []
    by_no: dict[str, int] = {}
    by_person: dict[tuple[str, str], tuple[int, str]] = {}
    by_previous: dict[str, int] = {}
    skipped: list[int] = []
    for number, cells in table.rows:
        if _is_repeated_header(cells):
            continue  # a header repeated on every printed page
        no = identity_text.employee_no(cells.get("employee_no"))
        name = identity_text.person_name(cells.get("name"))
        phone_text = identity_text.cell_text(cells.get("phone"))
        if not (no or name or phone_text):
            skipped.append(number)  # a footer (制表人…) or a numbered but empty line
            continue

        def bad(key: str, message: str, number: int = number, no: str = no) -> None:
            problems.error(number, no, key, message)

        if not no:
            bad("employee_no", "工号不能为空")
        elif len(no) > 32:
            bad("employee_no", "工号不能超过 32 个字符")
        elif no in by_no:
            bad("employee_no", f"工号 {no} 与第 {by_no[no]} 行重复")
        if not name:
            bad("name", "姓名不能为空")
        elif len(name) > 64:
            bad("name", "姓名不能超过 64 个字符")
        phone, phone_error, several = phone_number(cells.get("phone"))
        if phone_error:
            bad("phone", phone_error)
        elif several:
            problems.warn(number, f"手机号一栏有多个号码，使用第一个：{phone}")
        unit = identity_text.cell_text(cells.get("unit"))
        branch = identity_text.cell_text(cells.get("branch"))
        if not unit:
            bad("unit", "单位不能为空")
        elif len(unit) > 100:
            bad("unit", "单位名称不能超过 100 个字符")
        if len(branch) > 100:
            bad("branch", "党支部名称不能超过 100 个字符")
        status_text = identity_text.cell_text(cells.get("political_status"))
        status = columns.political_status(status_text) if status_text else "masses"
        if status is None:
            bad(
                "political_status",
                f"无法识别的政治面貌「{status_text}」；可填：{columns.ACCEPTED_STATUSES}",
            )
        elif not status_text:
            problems.warn(number, "政治面貌为空，已按群众处理")
        elif status != "masses" and not branch:
            bad("branch", "党员（含预备党员）必须填写所在党支部")
        cadre_text = identity_text.cell_text(cells.get("is_cadre"))
        is_cadre = columns.cadre(cadre_text)
        if is_cadre is None:
            bad("is_cadre", f"无法识别的是否干部「{cadre_text}」；可填：{columns.ACCEPTED_CADRE}")
        group = identity_text.cell_text(cells.get("group"))
        if len(group) > 100:
            bad("group", "班组名称不能超过 100 个字符")
        role = columns.role(identity_text.cell_text(cells.get("role")))
        if role == "group_leader" and not group:
            bad("group", "职务为班组长，但没有填写班组")
        kind_text = identity_text.cell_text(cells.get("unit_kind"))
        kind = columns.unit_kind(kind_text)
        if kind is None:
            bad(
                "unit_kind",
                f"无法识别的单位类别「{kind_text}」；可填：{columns.ACCEPTED_UNIT_KINDS}",
            )
        previous = identity_text.employee_no(cells.get("previous_employee_no"))
        if previous == no:
            previous = ""
        if previous and previous in by_previous:
            bad("previous_employee_no", f"原工号 {previous} 与第 {by_previous[previous]} 行重复")
        if name and phone and (name, phone) in by_person and by_person[(name, phone)][1] != no:
            first, first_no = by_person[(name, phone)]
            bad(
                "employee_no", f"与第 {first} 行（工号 {first_no}）姓名、手机号相同，是否重复录入？"
            )

        if no and no not in by_no:
            by_no[no] = number
        if name and phone:
            by_person.setdefault((name, phone), (number, no))
        if previous:
            by_previous.setdefault(previous, number)
        if problems.has_error(number):
            continue
        rows.append(
            RosterRow(
                number,
                no,
                name,
                phone or "",
                unit,
                branch,
                status or "masses",
                bool(is_cadre),
                previous,
                group,
                role,
                kind or "",
            )
        )
    if skipped:
        shown = "、".join(str(n) for n in skipped[:10]) + ("…" if len(skipped) > 10 else "")
        problems.warn(None, f"{len(skipped)} 行没有工号、姓名和手机号，已跳过（第 {shown} 行）")
    for note in table.notes:
        problems.warn(None, note)
    return rows, problems
