"""The roster (花名册) import: .xlsx or .csv in, all rows written or none."""

from __future__ import annotations

import csv
import io
import re
import zipfile
from dataclasses import dataclass, field
from typing import Any

from accounts.errors import RosterInvalid
from models import Branch, Mine, Person, Unit, db

# Each column answers to its English key or its Chinese header.
COLUMNS: dict[str, tuple[str, ...]] = {
    "employee_no": ("employee_no", "工号"),
    "name": ("name", "姓名"),
    "phone": ("phone", "手机号", "手机号码", "电话"),
    "unit": ("unit", "单位"),
    "branch": ("branch", "党支部", "所在党支部"),
    "political_status": ("political_status", "政治面貌"),
    "is_cadre": ("is_cadre", "是否干部"),
}
REQUIRED = ("employee_no", "name", "phone", "unit", "political_status")

STATUS_WORDS = {
    "群众": "masses",
    "masses": "masses",
    "中共党员": "member",
    "党员": "member",
    "member": "member",
    "中共预备党员": "probationary",
    "预备党员": "probationary",
    "probationary": "probationary",
}
YES = {"是", "yes", "y", "1", "true"}
NO = {"否", "no", "n", "0", "false", ""}
PHONE_RE = re.compile(r"^\+?\d{7,20}$")
MAX_ROWS = 200_000


@dataclass
class RosterRow:
    number: int
    employee_no: str
    name: str
    phone: str
    unit: str
    branch: str
    political_status: str
    is_cadre: bool


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    branches_created: int = 0
    units_created: int = 0
    rows: int = 0
    errors: list[dict[str, Any]] = field(default_factory=list)


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # 工号 and phone typed as numbers in Excel
    return str(value).strip()


def read_table(filename: str, data: bytes) -> list[list[str]]:
    """Rows of cells from an .xlsx (sniffed by content) or a UTF-8/GBK .csv."""
    if data[:4] == b"PK\x03\x04":
        from openpyxl import load_workbook

        try:
            wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
            raise RosterInvalid(errors={"file": ["无法读取该 Excel 文件"]}) from exc
        ws = wb.worksheets[0]
        rows = [[_cell(c) for c in row] for row in ws.iter_rows(values_only=True)]
        wb.close()
        return rows
    if filename.lower().endswith((".xls", ".xlsx")):
        raise RosterInvalid(errors={"file": ["仅支持 .xlsx 或 .csv 文件"]})
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise RosterInvalid(errors={"file": ["无法识别文件编码，请另存为 UTF-8 的 CSV"]})
    if "\x00" in text:
        raise RosterInvalid(errors={"file": ["不是有效的 CSV 文件"]})
    return [[c.strip() for c in row] for row in csv.reader(io.StringIO(text))]


def parse_rows(table: list[list[str]]) -> tuple[list[RosterRow], list[dict[str, Any]]]:
    """Validate every row; returns the good rows and one error entry per bad row."""
    table = [r for r in table if any(c for c in r)]
    if not table:
        raise RosterInvalid(errors={"file": ["文件为空"]})
    header = [h.strip().lower() for h in table[0]]
    index: dict[str, int] = {}
    for key, names in COLUMNS.items():
        for i, h in enumerate(header):
            if h in {n.lower() for n in names}:
                index[key] = i
                break
    missing = [k for k in REQUIRED if k not in index]
    if missing:
        raise RosterInvalid(errors={"header": [f"缺少列：{', '.join(missing)}"]})
    if len(table) - 1 > MAX_ROWS:
        raise RosterInvalid(errors={"file": [f"一次最多导入 {MAX_ROWS} 行"]})

    rows: list[RosterRow] = []
    errors: list[dict[str, Any]] = []
    seen: dict[str, int] = {}
    for number, raw in enumerate(table[1:], start=2):

        def get(key: str, raw: list[str] = raw) -> str:
            i = index.get(key)
            return raw[i].strip() if i is not None and i < len(raw) else ""

        problems: dict[str, list[str]] = {}
        employee_no, name, unit, branch = (
            get("employee_no"),
            get("name"),
            get("unit"),
            get("branch"),
        )
        phone = re.sub(r"[\s\-]", "", get("phone"))
        status_word, cadre_word = get("political_status"), get("is_cadre").lower()
        if not employee_no or len(employee_no) > 32:
            problems.setdefault("employee_no", []).append("工号不能为空且不超过32个字符")
        elif employee_no in seen:
            problems.setdefault("employee_no", []).append(f"工号与第 {seen[employee_no]} 行重复")
        if not name or len(name) > 64:
            problems.setdefault("name", []).append("姓名不能为空且不超过64个字符")
        if not PHONE_RE.match(phone):
            problems.setdefault("phone", []).append("手机号格式不正确")
        if not unit or len(unit) > 100:
            problems.setdefault("unit", []).append("单位不能为空且不超过100个字符")
        if len(branch) > 100:
            problems.setdefault("branch", []).append("党支部名称不超过100个字符")
        status = STATUS_WORDS.get(status_word) or STATUS_WORDS.get(status_word.lower())
        if status is None:
            problems.setdefault("political_status", []).append(
                "政治面貌应为 群众、中共党员 或 中共预备党员"
            )
        elif status != "masses" and not branch:
            problems.setdefault("branch", []).append("党员必须填写所在党支部")
        if cadre_word not in YES | NO:
            problems.setdefault("is_cadre", []).append("是否干部应为 是/否")
        if employee_no and employee_no not in seen:
            seen[employee_no] = number
        if problems:
            errors.append({"row": number, "employee_no": employee_no, "errors": problems})
            continue
        rows.append(
            RosterRow(
                number,
                employee_no,
                name,
                phone,
                unit,
                branch,
                status or "masses",
                cadre_word in YES,
            )
        )
    return rows, errors


def import_roster(mine: Mine, filename: str, data: bytes) -> ImportResult:
    """Import a roster file into a mine: all rows or none; re-import updates by 工号."""
    rows, errors = parse_rows(read_table(filename, data))
    branches = {
        b.name: b for b in db.session.scalars(db.select(Branch).where(Branch.mine_id == mine.id))
    }
    units = {u.name: u for u in db.session.scalars(db.select(Unit).where(Unit.mine_id == mine.id))}

    # The branch that covers a unit comes from its non-member rows (members may sit elsewhere).
    covering: dict[str, tuple[str, int]] = {}
    for row in rows:
        if row.political_status == "masses" and row.branch:
            prior = covering.get(row.unit)
            if prior and prior[0] != row.branch:
                errors.append(
                    {
                        "row": row.number,
                        "employee_no": row.employee_no,
                        "errors": {
                            "branch": [f"单位「{row.unit}」在第 {prior[1]} 行属于「{prior[0]}」"]
                        },
                    }
                )
            else:
                covering[row.unit] = (row.branch, row.number)
    # A unit with no non-member naming its branch is covered by its members' branch, if unique.
    member_branches: dict[str, set[str]] = {}
    for row in rows:
        if row.political_status != "masses" and row.unit not in covering:
            member_branches.setdefault(row.unit, set()).add(row.branch)
    for unit_name, names in member_branches.items():
        if len(names) == 1:
            covering[unit_name] = (next(iter(names)), 0)
    for row in rows:
        if row.political_status == "masses" and not row.branch:
            known = covering.get(row.unit)
            unit = units.get(row.unit)
            if known:
                row.branch = known[0]
            elif unit is not None and unit.branch is not None:
                row.branch = unit.branch.name
            else:
                errors.append(
                    {
                        "row": row.number,
                        "employee_no": row.employee_no,
                        "errors": {"branch": ["未填写党支部，且该单位还没有所属党支部"]},
                    }
                )
    if errors:
        errors.sort(key=lambda e: e["row"])
        raise RosterInvalid(
            f"花名册有 {len(errors)} 行错误，未导入任何数据",
            errors={"rows": errors},
        )

    result = ImportResult(rows=len(rows))
    for row in rows:
        for bname in {row.branch, covering.get(row.unit, ("",))[0]} - {""}:
            if bname not in branches:
                branches[bname] = Branch(mine_id=mine.id, name=bname)
                db.session.add(branches[bname])
                result.branches_created += 1
        if row.unit not in units:
            units[row.unit] = Unit(mine_id=mine.id, name=row.unit)
            db.session.add(units[row.unit])
            result.units_created += 1
    db.session.flush()
    for unit_name, (bname, _) in covering.items():
        units[unit_name].branch_id = branches[bname].id

    existing = {
        p.employee_no: p
        for p in db.session.scalars(db.select(Person).where(Person.mine_id == mine.id))
    }
    for row in rows:
        values = {
            "name": row.name,
            "phone": row.phone,
            "unit_id": units[row.unit].id,
            "branch_id": branches[row.branch].id,
            "political_status": row.political_status,
            "is_cadre": row.is_cadre,
        }
        person = existing.get(row.employee_no)
        if person is None:
            db.session.add(Person(mine_id=mine.id, employee_no=row.employee_no, **values))
            result.created += 1
        elif any(getattr(person, k) != v for k, v in values.items()):
            for k, v in values.items():
                setattr(person, k, v)
            result.updated += 1
        else:
            result.unchanged += 1
    db.session.flush()
    return result


def mine_for_cli(name: str | None) -> Mine:
    """The mine a CLI import targets: by name (created if new), or the only one there is."""
    if name:
        mine = db.session.scalar(db.select(Mine).where(Mine.name == name))
        if mine is None:
            mine = Mine(name=name)
            db.session.add(mine)
            db.session.flush()
        return mine
    mines = db.session.scalars(db.select(Mine)).all()
    if len(mines) == 1:
        return mines[0]
    if not mines:
        mine = Mine(name="本矿")
        db.session.add(mine)
        db.session.flush()
        return mine
    raise RosterInvalid("有多个矿，请用 --mine 指定", errors={"mine": ["请指定矿名"]})
