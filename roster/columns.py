"""The roster's columns and values as HR offices write them: the one list of accepted spellings.

Messages, the template's 填表说明 sheet and the README are written from these tables.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass


@dataclass(frozen=True)
class Column:
    key: str
    label: str  # what the template and the messages call it
    names: tuple[str, ...]  # accepted header spellings; earlier ones win when several appear
    required: bool
    note: str


COLUMNS: tuple[Column, ...] = (
    Column(
        "employee_no",
        "工号",
        ("工号", "职工编号", "员工编号", "职工号", "员工号", "员工工号", "职工工号", "人员编号")
        + ("工作证号", "employee_no"),
        True,
        "每人唯一；请把该列设为文本，以免 Excel 去掉开头的 0",
    ),
    Column(
        "name",
        "姓名",
        ("姓名", "职工姓名", "员工姓名", "人员姓名", "name"),
        True,
        "",
    ),
    Column(
        "phone",
        "手机号",
        ("手机号", "手机号码", "手机", "移动电话", "联系电话", "电话号码", "电话", "联系方式")
        + ("phone",),
        True,
        "绑定时核对后四位；请设为文本，以免 Excel 显示为科学计数法",
    ),
    Column(
        "unit",
        "单位",
        ("单位", "区队", "所在区队", "部门", "所在部门", "科室", "单位名称", "部门名称")
        + ("所在单位", "工作单位", "单位部门", "unit"),
        True,
        "区队或科室；班组请填在「班组」列",
    ),
    Column(
        "branch",
        "党支部",
        ("党支部", "所在党支部", "所属党支部", "支部", "所在支部", "党支部名称", "党组织")
        + ("所在党组织", "branch"),
        False,
        "党员（含预备党员）必填；群众可空，取其单位所属的党支部",
    ),
    Column(
        "political_status",
        "政治面貌",
        ("政治面貌", "political_status"),
        True,
        "按国家标准填写；空白按群众处理并提示",
    ),
    Column(
        "is_cadre",
        "是否干部",
        ("是否干部", "干部", "是否为干部", "干部标识", "is_cadre"),
        False,
        "干部结对上限为 5 人（一带五），其他党员 3 人",
    ),
    Column(
        "previous_employee_no",
        "原工号",
        ("原工号", "旧工号", "曾用工号", "previous_employee_no"),
        False,
        "工号变更时填写原来的工号，系统据此更新同一个人，而不是新增一人",
    ),
    Column(
        "unit_kind",
        "单位类别",
        ("单位类别", "单位类型", "部门类别", "部门类型", "单位性质", "unit_kind"),
        False,
        "区队、科室（机关科室）或其他；空白不改变。已定为区队或科室的单位不能在此改为其他类别",
    ),
    Column(
        "group",
        "班组",
        ("班组", "所在班组", "班组名称", "所属班组", "小组", "group"),
        False,
        "区队下的班组（如「生产一班」）；不存在的班组自动建在该行的单位下，单位随之成为区队。"
        "机关科室下不能有班组",
    ),
    Column(
        "role",
        "职务",
        ("职务", "岗位", "职务岗位", "岗位职务", "职位", "现任职务", "role"),
        False,
        "填「班组长」（班长、组长）的人成为所在班组的班组长，填「区队长」（队长）的人成为"
        "所在区队的区队长；其他职务照填即可，不影响导入",
    ),
)
BY_KEY = {c.key: c for c in COLUMNS}
REQUIRED = tuple(c.key for c in COLUMNS if c.required)


def header_key(text: str) -> str:
    """A header cell as compared: NFKC, no spaces, no `*` marks, no trailing (说明)."""
    t = unicodedata.normalize("NFKC", text).strip().lower()
    t = re.sub(r"\s+", "", t).strip("*＊:：")
    return re.sub(r"\(.*\)$", "", t) or t


NAME_KEYS: dict[str, dict[str, int]] = {
    c.key: {header_key(n): rank for rank, n in enumerate(c.names)} for c in COLUMNS
}


def spellings(key: str) -> str:
    """The accepted header names of a column, for messages: 工号 / 职工编号 / …"""
    return " / ".join(n for n in BY_KEY[key].names if not n.isascii())


# -- 政治面貌 (GB/T 4762) ------------------------------------------------------------------

MEMBER_WORDS = ("中共党员", "中国共产党党员", "党员", "正式党员", "中共正式党员", "01")
PROBATIONARY_WORDS = ("中共预备党员", "中国共产党预备党员", "预备党员", "中共党员(预备)", "02")
MASSES_WORDS = (
    "群众",
    "共青团员",
    "中国共产主义青年团团员",
    "团员",
    "无党派人士",
    "无党派民主人士",
    "无党派",
    "民主党派",
    "03",
    "13",
)
# The eight 民主党派 and how their members are written (any of these words: masses for us).
DEMOCRATIC_PARTIES = ("民革", "国民党革命委员会", "民盟", "民主同盟", "民建", "民主建国会")
DEMOCRATIC_PARTIES += ("民进", "民主促进会", "农工", "致公", "九三学社", "台盟", "台湾民主自治同盟")
DEMOCRATIC_CODES = ("04", "05", "06", "07", "08", "09", "10", "11", "12")
STATUS_CODES = ("masses", "member", "probationary")
STATUS_LABELS = {"masses": "群众", "member": "中共党员", "probationary": "中共预备党员"}
ACCEPTED_STATUSES = (
    "中共党员、中国共产党党员；中共预备党员、中国共产党预备党员、中共党员（预备）；"
    "群众、共青团员、各民主党派成员、无党派人士（均按群众）"
)


def _status_key(text: str) -> str:
    return re.sub(r"[\s()]", "", unicodedata.normalize("NFKC", text))


_STATUS: dict[str, str] = {}
for _words, _code in (
    (MEMBER_WORDS, "member"),
    (PROBATIONARY_WORDS, "probationary"),
    (MASSES_WORDS + DEMOCRATIC_CODES, "masses"),
):
    for _w in _words:
        _STATUS[_status_key(_w)] = _code
for _code in STATUS_CODES:
    _STATUS[_code] = _code
    _STATUS[_status_key(STATUS_LABELS[_code])] = _code


def political_status(text: str) -> str | None:
    """member / probationary / masses for a 政治面貌 as written; None if it is not one."""
    key = _status_key(text).lower()
    if key in _STATUS:
        return _STATUS[key]
    if any(p in key for p in DEMOCRATIC_PARTIES):
        return "masses"
    return None


# -- 是否干部 ------------------------------------------------------------------------------

CADRE_YES = ("是", "√", "✓", "✔", "y", "yes", "1", "true", "干部", "中层干部", "基层干部")
CADRE_YES += ("科级", "正科级", "副科级", "科级干部", "处级", "正处级", "副处级", "处级干部")
CADRE_NO = ("否", "×", "✗", "✘", "x", "n", "no", "0", "false", "非干部", "不是", "无", "")
ACCEPTED_CADRE = "是、√、Y、1、干部、中层干部、科级；否、×、N、0 或空白"


# -- 单位类别, 职务 --------------------------------------------------------------------------

UNIT_KIND_WORDS = {
    "team": ("区队", "队", "生产区队", "基层区队", "生产单位", "team"),
    "office": ("科室", "机关科室", "机关", "职能科室", "部室", "机关部室", "office"),
    "other": ("其他", "其它", "other"),
}
UNIT_KIND_LABELS = {"team": "区队", "office": "机关科室", "group": "班组", "other": "其他"}
ACCEPTED_UNIT_KINDS = "区队；科室、机关科室、机关；其他；或空白"
_UNIT_KIND = {w: kind for kind, words in UNIT_KIND_WORDS.items() for w in words}


def unit_kind(text: str) -> str | None:
    """team / office / other for a 单位类别 as written, "" for blank; None if it is not one."""
    key = re.sub(r"\s", "", unicodedata.normalize("NFKC", text)).lower()
    if not key:
        return ""
    return _UNIT_KIND.get(key)


# Exact words only: 副班长 or 副队长 are no leaders, and any other 职务 is simply no role.
GROUP_LEADER_WORDS = ("班组长", "班长", "组长", "正班长", "班组组长", "班组负责人")
TEAM_LEADER_WORDS = ("区队长", "队长", "正队长", "区长", "区队负责人")
ROLE_LABELS = {"group_leader": "班组长", "team_leader": "区队长"}
ACCEPTED_ROLES = (
    f"{'、'.join(GROUP_LEADER_WORDS)}（班组长）；{'、'.join(TEAM_LEADER_WORDS)}（区队长）；"
    "其他职务（如副班长、技术员）照填，不设职责"
)


def role(text: str) -> str:
    """group_leader / team_leader for a 职务 that names one, else "" (any other 职务)."""
    key = re.sub(r"[\s()（）]", "", unicodedata.normalize("NFKC", text)).lower()
    if key in GROUP_LEADER_WORDS:
        return "group_leader"
    if key in TEAM_LEADER_WORDS:
        return "team_leader"
    return ""


def cadre(text: str) -> bool | None:
    """True / False for a 是否干部 mark as written; None if it is not one."""
    key = re.sub(r"\s", "", unicodedata.normalize("NFKC", text)).lower()
    if key in CADRE_YES:
        return True
    if key in CADRE_NO:
        return False
    return None
