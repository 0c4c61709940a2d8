"""Demo wishes in every status, made through the real services (history and notifications
included), so each screen and button can be tried with the preset logins."""

from __future__ import annotations

import io
from datetime import timedelta

from PIL import Image, ImageDraw

from accounts.principal import principal_for_person
from demo.people import MINE
from media.store import store_upload
from models import Mine, Person, Wish, db, utcnow
from wishes import services


def _photo(owner: Person, colour: tuple[int, int, int]) -> int:
    img = Image.new("RGB", (640, 480), colour)
    ImageDraw.Draw(img).rectangle((180, 140, 460, 340), outline=(255, 255, 255), width=8)
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=85)
    return store_upload(owner, buf.getvalue()).id


def seed_wishes() -> str:
    """Wishes of 综采一队 in every status; skipped if the demo mine already has wishes."""
    mine = db.session.scalar(db.select(Mine).where(Mine.name == MINE))
    if mine is None:
        return "wishes: no demo mine"
    if db.session.scalar(db.select(Wish.id).where(Wish.mine_id == mine.id).limit(1)):
        return "wishes: already seeded"

    def person(no: str) -> Person:
        return db.session.scalar(
            db.select(Person).where(Person.mine_id == mine.id, Person.employee_no == no)
        )

    secretary, member, cadre = person("D0002"), person("D0003"), person("D0004")
    miner, w6, w7, w8 = person("D0011"), person("D0006"), person("D0007"), person("D0008")
    sec_p, member_p, cadre_p = (principal_for_person(p) for p in (secretary, member, cadre))

    def post(who: Person, title: str, content: str, category: str, **kw) -> Wish:
        return services.submit_wish(who, title, content, category, **kw)

    def approved(who: Person, title: str, content: str, category: str) -> Wish:
        w = post(who, title, content, category)
        services.review_wish(sec_p, w.id, True, None)
        return w

    post(
        miner,
        "宿舍暖气片漏水",
        "三号宿舍楼 204 的暖气片一直滴水，想请懂维修的师傅帮忙看看。",
        "life",
    )
    post(
        member, "父亲术后需要陪护", "王师傅的父亲下周手术，家里人手不够，想找人轮流陪护两天。",
        "health", on_behalf_of=w6,
    )  # fmt: skip
    rejected = post(w7, "想换到地面岗位", "希望从井下调到地面工作。", "work")
    services.review_wish(
        sec_p, rejected.id, False, "岗位调整请走人力资源部正式流程，支部可协助咨询"
    )

    approved(
        miner, "孩子想要一套课外书", "女儿上四年级，喜欢读书，想要一套适合她的课外读物。", "study"
    )
    approved(w8, "学习电工证考试", "想考低压电工证，希望有党员师傅帮忙辅导实操。", "study")
    approved(w6, "母亲的轮椅坏了", "母亲的轮椅刹车失灵，想找人帮忙修一下或换个新的。", "health")

    claimed = approved(miner, "冬天上班的棉手套", "井口风大，想要两副厚实的劳保棉手套。", "work")
    services.claim_wish(member_p, claimed.id)
    near = approved(w7, "帮忙修理电动车", "电动车充不进电，想请懂行的同志帮忙看看。", "life")
    services.claim_wish(cadre_p, near.id, now=utcnow() - timedelta(days=28))  # deadline in 2 days

    fulfilled = approved(w8, "孩子的书包坏了", "儿子的书包背带断了，想要一个新书包。", "study")
    services.claim_wish(cadre_p, fulfilled.id)
    services.fulfil_wish(
        cadre_p, fulfilled.id, "已买好新书包送到家中，孩子很喜欢。", [_photo(cadre, (40, 120, 200))]
    )

    completed = approved(
        w6, "想学智能手机用法", "想学会用手机视频通话，和外地的孩子联系。", "other"
    )
    services.claim_wish(member_p, completed.id)
    services.fulfil_wish(
        member_p,
        completed.id,
        "利用两个周末手把手教会了视频通话。",
        [_photo(member, (200, 60, 60))],
    )
    services.confirm_wish(principal_for_person(w6), completed.id, 5, "感谢党员同志耐心教我！")

    withdrawn = approved(miner, "借一本安全规程", "想借一本最新版的煤矿安全规程学习。", "study")
    services.withdraw_wish(principal_for_person(miner), withdrawn.id, "已经在图书室借到了")

    closed = approved(w7, "集体宿舍装空调", "夏天宿舍太热，希望装空调。", "life")
    services.close_wish(sec_p, closed.id, "属于后勤统一改造项目，已转交后勤部门纳入年度计划")

    db.session.flush()
    counts = dict(
        db.session.execute(
            db.select(Wish.status, db.func.count())
            .where(Wish.mine_id == mine.id)
            .group_by(Wish.status)
        ).all()
    )
    return "wishes: " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items()))
