"""The demo mine's people, loaded through the real roster importer."""

from __future__ import annotations

import csv
import io

from accounts import grants
from models import Account, Mine, Person, db, utcnow
from roster.importer import import_roster

MINE = "西山煤电官地示范矿"

BRANCHES = [
    ("综采一队", "综采一队党支部"),
    ("掘进二队", "掘进二队党支部"),
    ("机电队", "机电队党支部"),
    ("通风队", "通风队党支部"),
    ("党政办", "机关党支部"),
]
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕"
GIVEN = [
    "建国",
    "志强",
    "海军",
    "红梅",
    "永平",
    "晓东",
    "金山",
    "卫东",
    "春生",
    "国华",
    "玉兰",
    "德明",
]

# (employee_no, openid for `demo:<openid>`, what to try with it)
PRESET_LOGINS = [
    ("D0001", "committee", "党委组织部：导入花名册、发起评选、导出台账"),
    ("D0002", "secretary", "综采一队党支部书记：审核心愿、设置结对、查看谈心"),
    ("D0003", "member", "综采一队党员：投票、认领心愿、记录谈心"),
    ("D0004", "cadre", "综采一队党员干部（一带五）"),
    ("D0011", "miner", "综采一队职工：投票、许心愿"),
]


def roster_rows() -> list[dict[str, str]]:
    """Forty people over five units; the first of each unit's members is a cadre."""
    rows = []
    n = 0
    for u, (unit, branch) in enumerate(BRANCHES):
        for i in range(8):
            n += 1
            status = "中共党员" if i < 4 else ("中共预备党员" if i == 4 else "群众")
            if unit == "党政办":
                status = "中共党员" if i < 6 else "群众"
            rows.append(
                {
                    "工号": f"D{n:04d}",
                    "姓名": SURNAMES[(n * 7) % len(SURNAMES)] + GIVEN[(n + u) % len(GIVEN)],
                    "手机号": f"1380000{n:04d}",
                    "单位": unit,
                    "党支部": branch,
                    "政治面貌": status,
                    "是否干部": "是" if i in (1, 3) else "否",
                }
            )
    # The committee member and the secretaries sit where the preset logins expect them.
    rows[0].update(
        {"单位": "党政办", "党支部": "机关党支部", "政治面貌": "中共党员", "是否干部": "是"}
    )
    rows[10].update(
        {"政治面貌": "群众", "是否干部": "否", "单位": "综采一队", "党支部": "综采一队党支部"}
    )
    # An employee of the demo branch nobody is paired with, so 新建结对 has someone to pick.
    rows[13].update(
        {"政治面貌": "群众", "是否干部": "否", "单位": "综采一队", "党支部": "综采一队党支部"}
    )
    return rows


def seed_people() -> str:
    """Import the demo roster, grant roles, pre-bind the preset demo accounts."""
    rows = roster_rows()
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerows(rows)
    mine = db.session.scalar(db.select(Mine).where(Mine.name == MINE))
    if mine is None:
        mine = Mine(name=MINE)
        db.session.add(mine)
        db.session.flush()
    import_roster(mine, "demo.csv", buf.getvalue().encode())

    def person(no: str) -> Person:
        return db.session.scalar(
            db.select(Person).where(Person.mine_id == mine.id, Person.employee_no == no)
        )

    grants.grant(person("D0001"), "committee")
    grants.grant(person("D0002"), "secretary", "综采一队党支部")
    for no, branch in (
        ("D0009", "掘进二队党支部"),
        ("D0017", "机电队党支部"),
        ("D0025", "通风队党支部"),
        ("D0033", "机关党支部"),
    ):
        grants.grant(person(no), "secretary", branch)
    for no, openid, _ in PRESET_LOGINS:
        p = person(no)
        account = db.session.scalar(db.select(Account).where(Account.openid == "demo_" + openid))
        if account is None:
            account = Account(openid="demo_" + openid)
            db.session.add(account)
        if (
            account.person_id is None
            and db.session.scalar(db.select(Account.id).where(Account.person_id == p.id)) is None
        ):
            account.person_id, account.bound_at = p.id, utcnow()
    db.session.flush()

    lines = [f"demo mine「{MINE}」: {len(rows)} people in {len(BRANCHES)} branches", "demo logins:"]
    for no, openid, what in PRESET_LOGINS:
        lines.append(f"  code demo:{openid:<10} → {no} {person(no).name}（{what}）")
    lines.append("  code demo:anything  → a new account; bind it with a free entry (listed last)")
    return "\n".join(lines)
