"""The demo mine's 党员责任区: a zone in 综采一队 with its patrol, dangers in every state (one
overdue, escalated) and a 三违 record, made through the real services."""

from __future__ import annotations

import io
from datetime import timedelta

from accounts.principal import principal_for_person
from demo.people import MINE
from media.store import store_upload
from models import Danger, Mine, Person, Unit, Zone, db, utcnow
from zones import dangers, services

DAYS = {"general": 7, "serious": 3, "major": 1}


def _photo(person: Person, colour: tuple[int, int, int]) -> int:
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (320, 240), colour).save(buf, "JPEG")
    return store_upload(person, buf.getvalue()).id


def seed_zones() -> str:
    mine = db.session.scalar(db.select(Mine).where(Mine.name == MINE))

    def person(no: str) -> Person:
        return db.session.scalar(
            db.select(Person).where(Person.mine_id == mine.id, Person.employee_no == no)
        )

    if db.session.scalar(db.select(Zone.id).where(Zone.mine_id == mine.id).limit(1)):
        return "zones: already seeded"
    unit = db.session.scalar(
        db.select(Unit).where(Unit.mine_id == mine.id, Unit.name == "综采一队")
    )
    secretary, member, cadre = person("D0002"), person("D0003"), person("D0004")
    miner, fixer = person("D0011"), person("D0006")
    as_secretary = principal_for_person(secretary)
    as_member = principal_for_person(member)
    as_miner = principal_for_person(miner)
    now = utcnow()
    zone = services.create_zone(
        as_secretary,
        {
            "unit_id": unit.id,
            "name": "3105综采工作面",
            "place": "3105工作面机巷至切眼",
            "member_id": member.id,
            "deputy_ids": [cadre.id],
            "equipment": "采煤机、刮板输送机、转载机、液压支架",
            "people_covered": "综采一队早班 14 人",
            "checklist": ["顶板支护", "瓦斯浓度", "设备防护", "安全出口"],
            "patrols_per_week": 3,
            "starts_on": (now - timedelta(days=30)).date(),
        },
    )
    services.record_patrol(
        as_member,
        zone.id,
        now - timedelta(hours=20),
        ["顶板支护", "瓦斯浓度", "安全出口"],
        "机巷 50 米处两根锚杆松动，已上报隐患",
        [_photo(member, (90, 90, 90))],
    )

    def report(who, text, level, anonymous=False):
        return dangers.report_danger(
            principal_for_person(who),
            level=level,
            description=text,
            zone_id=zone.id,
            anonymous=anonymous,
        )

    report(miner, "切眼处有浮煤堆积，影响行人", "general")
    assigned = report(member, "机巷 50 米处两根锚杆松动", "serious")
    dangers.assign_danger(as_secretary, assigned.id, fixer.id, DAYS)
    overdue = report(miner, "转载机护罩缺一颗螺栓", "general", anonymous=True)
    dangers.assign_danger(as_member, overdue.id, fixer.id, DAYS)
    db.session.execute(
        db.update(Danger)
        .where(Danger.id == overdue.id)
        .values(deadline=now - timedelta(hours=6), assigned_at=now - timedelta(days=8))
    )
    dangers.mark_overdue(now)
    fixed = report(miner, "液压支架 37 号立柱漏液", "serious")
    dangers.assign_danger(as_member, fixed.id, fixer.id, DAYS)
    as_fixer = principal_for_person(fixer)
    dangers.fix_danger(as_fixer, fixed.id, "已更换密封圈", [_photo(fixer, (40, 120, 60))])
    verified = report(miner, "瓦斯探头线缆破皮", "major")
    dangers.assign_danger(as_secretary, verified.id, fixer.id, DAYS)
    dangers.fix_danger(as_fixer, verified.id, "已更换线缆并包扎", [_photo(fixer, (40, 60, 160))])
    dangers.verify_danger(as_miner, verified.id, True, "复查合格", DAYS)
    services.record_violation(
        as_member,
        {
            "zone_id": zone.id,
            "offender_id": person("D0007").id,
            "kind": "operation",
            "rule": "未执行敲帮问顶制度",
            "action_taken": "当场制止，停工学习《煤矿安全规程》相关条款",
            "occurred_at": now - timedelta(days=2),
        },
    )
    db.session.flush()
    return "zones: 1 zone with a patrol, 5 dangers (reported … verified, 1 overdue), 1 三违"
