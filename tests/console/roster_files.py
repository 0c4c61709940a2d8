"""The demo roster as HR would hand it over again, for the console's import pages."""

from __future__ import annotations

import csv
import io


def roster_csv(changes: dict[str, dict[str, str]], drop: set[str], add: list[dict]) -> bytes:
    """The demo roster as HR would hand it over again: some rows changed, some people missing,
    some new (GBK, as a mine's office saves CSV)."""
    from demo.people import roster_rows

    rows = [r | changes.get(r["工号"], {}) for r in roster_rows() if r["工号"] not in drop] + add
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode("gbk")


NEW_PEOPLE = [
    {
        "工号": "D0101",
        "姓名": "韩立新",
        "手机号": "13800000101",
        "单位": "综采一队",
        "党支部": "综采一队党支部",
        "政治面貌": "群众",
        "是否干部": "否",
    },
    {
        "工号": "D0102",
        "姓名": "罗文静",
        "手机号": "13800000102",
        "单位": "综采一队",
        "党支部": "综采一队党支部",
        "政治面貌": "中共党员",
        "是否干部": "否",
    },
]


# D0007 (paired with the cadre D0004 in 综采一队) moves to 机电队: the pairing crosses branches.
MOVE_D0007 = {"D0007": {"单位": "机电队", "党支部": "机电队党支部"}}
