"""The message centre: every notification is also an inbox item of its person.

The item is the outbox row itself (`Notification`, with `read_at`), so it commits with the change
it reports, in the same flush, for every kind present and future; nothing is stored twice. Its
title and text are rendered here from the kind and its data, in full (a subscribe message is cut
to WeChat's field limits, the inbox is not), and its link is the page the notification names
(or the kind's default page).

The unread count is polled by every page of the mini-program, so it is cached in Redis: the
value is stored with the person's generation number, which every committed change of their items
bumps (a session listener, after the commit). A count computed from a transaction that began
before a change is therefore never served after it; when Redis is down the database answers.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from domain_errors import NotFound
from models import Notification, Person, db, utcnow
from models.redis_store import get_redis, redis_unavailable
from notifications.kinds import KINDS

log = logging.getLogger(__name__)

# session.info key: people whose cached unread count the commit makes stale.
DIRTY_KEY = "frontline_inbox_dirty"
CACHE_SECONDS = 300
PAGE_LIMIT = 100


def _opt(label: str, value: Any) -> str:
    return f"{label}{value}" if value not in (None, "") else ""


def _plain(value: Any) -> str:
    return "" if value is None else str(value)


@dataclass(frozen=True)
class Wording:
    title: str
    text: Callable[[dict[str, str]], str]
    page: str  # the default link when the notification names none


# kind → its Chinese wording; every kind of notifications.kinds must have one (checked below).
WORDINGS: dict[str, Wording] = {
    "wish_submitted": Wording(
        "有新的微心愿待审核",
        lambda d: (
            f"{d['name']}提交了微心愿「{d['title']}」，请及时审核。{_opt('提交时间：', d['at'])}"
        ),
        "pages/wishes/manage",
    ),
    "wish_reviewed": Wording(
        "微心愿审核结果",
        lambda d: (
            f"您的微心愿「{d['title']}」审核结果：{d['result']}。"
            f"{_opt('说明：', d['reason'])}{_opt(' 时间：', d['at'])}"
        ),
        "pages/wishes/mine",
    ),
    "wish_claimed": Wording(
        "微心愿已被认领",
        lambda d: (
            f"您的微心愿「{d['title']}」已被{d['name']}认领。{_opt('认领时间：', d['at'])}"
            "请在小程序中查看进展。"
        ),
        "pages/wishes/mine",
    ),
    "wish_fulfilled": Wording(
        "微心愿已完成，请确认",
        lambda d: (
            f"{d['name']}已完成您的微心愿「{d['title']}」。{_opt('说明：', d['note'])}"
            f"{_opt(' 时间：', d['at'])}请确认并评价。"
        ),
        "pages/wishes/mine",
    ),
    "wish_closed": Wording(
        "微心愿已关闭",
        lambda d: (
            f"微心愿「{d['title']}」已关闭。{_opt('原因：', d['reason'])}{_opt(' 时间：', d['at'])}"
        ),
        "pages/wishes/mine",
    ),
    "wish_confirmed": Wording(
        "心愿人已确认完成",
        lambda d: (
            f"您认领的微心愿「{d['title']}」已被确认完成。{_opt('评分：', d['rating'])}"
            f"{_opt(' 感谢：', d['thanks'])}{_opt(' 时间：', d['at'])}"
        ),
        "pages/wishes/claims",
    ),
    "claim_deadline_near": Wording(
        "认领的微心愿即将到期",
        lambda d: f"您认领的微心愿「{d['title']}」将于{d['deadline']}到期，请尽快完成。",
        "pages/wishes/claims",
    ),
    "claim_expired": Wording(
        "认领已过期",
        lambda d: (
            f"您认领的微心愿「{d['title']}」已过期，心愿已退回心愿池。{_opt('时间：', d['at'])}"
        ),
        "pages/wishes/claims",
    ),
    "claim_returned": Wording(
        "微心愿被退回心愿池",
        lambda d: (
            f"您的微心愿「{d['title']}」的认领已退回，心愿重新等待认领。"
            f"{_opt('原因：', d['reason'])}{_opt(' 时间：', d['at'])}"
        ),
        "pages/wishes/mine",
    ),
    "photo_withdrawn": Wording(
        "照片未通过审核已撤下",
        lambda d: (
            f"您上传的{d['use']}照片未通过内容审核，已撤下。{_opt('原因：', d['reason'])}"
            f"{_opt(' 时间：', d['at'])}"
        ),
        "pages/index/index",
    ),
    "photo_review_needed": Wording(
        "有照片需要人工复核",
        lambda d: (
            f"{d['name']}上传的{d['use']}照片需要人工复核。{_opt('原因：', d['reason'])}"
            f"{_opt(' 时间：', d['at'])}"
        ),
        "pages/console/photos",
    ),
    "pairing_reviews": Wording(
        "有结对关系需要复核",
        lambda d: (
            f"{d['branches']}有{d['count']}个结对关系需要复核。{_plain(d['text'])}"
            f"{_opt(' 时间：', d['at'])}"
        ),
        "pages/pairings/reviews",
    ),
    "talk_reminder": Wording(
        "本月谈心谈话提醒",
        lambda d: (
            f"{d['month']}您应完成谈心谈话{d['required']}次，已完成{d['done']}次，"
            f"请于{d['deadline']}前完成。{_plain(d['text'])}"
        ),
        "pages/pairings/index",
    ),
    "care_duty_assigned": Wording(
        "必访必谈任务",
        lambda d: (
            f"职工{d['name']}{d['event']}，请于{d['deadline']}前完成{d['duty']}，"
            "并在谈心记录中登记。"
        ),
        "pages/pairings/duties",
    ),
    "care_duty_overdue": Wording(
        "必访必谈已逾期",
        lambda d: (
            f"职工{d['name']}{d['event']}的{d['duty']}（指派：{d['assignee']}）"
            f"已超过期限（{d['deadline']}），请尽快完成。"
        ),
        "pages/pairings/duties",
    ),
    "apprenticeship_assessed": Wording(
        "传帮带考核结果",
        lambda d: (
            f"徒弟{d['apprentice']}的{d['stage']}结果：{d['result']}。{_opt('时间：', d['at'])}"
        ),
        "pages/pairings/mentoring",
    ),
    "objection_answered": Wording(
        "您的异议已答复",
        lambda d: (
            f"您对「{d['title']}」候选人{d['candidate']}提出的异议已答复：{d['result']}。"
            f"{_opt('说明：', d['reason'])}{_opt(' 时间：', d['at'])}"
        ),
        "pages/vote/objections",
    ),
    "nominated": Wording(
        "您被推荐为评选候选人",
        lambda d: (
            f"{d['name']}推荐您参加「{d['campaign']}」的{d['category']}评选，请留意审核结果。"
        ),
        "pages/vote/nominations",
    ),
    "nomination_reviewed": Wording(
        "推荐审核结果",
        lambda d: (
            f"「{d['campaign']}」对{d['name']}的{d['category']}推荐{d['result']}。"
            f"{_opt('理由：', d['reason'])}"
        ),
        "pages/vote/nominations",
    ),
    "honour_awarded": Wording(
        "恭喜您获得荣誉",
        lambda d: f"您获得「{d['title']}」荣誉，已登上全矿荣誉榜。{_opt('日期：', d['date'])}",
        "pages/honours/mine",
    ),
    "danger_reported": Wording(
        "有新的隐患报告",
        lambda d: (
            f"收到{d['level']}隐患报告「{d['title']}」，请指派整改。{_opt('时间：', d['at'])}"
        ),
        "pages/zones/dangers",
    ),
    "danger_assigned": Wording(
        "隐患整改任务",
        lambda d: (
            f"{d['level']}隐患「{d['title']}」已指派您整改，请于{d['deadline']}前完成并上传照片。"
        ),
        "pages/zones/dangers",
    ),
    "danger_fixed": Wording(
        "隐患已整改待验收",
        lambda d: f"隐患「{d['title']}」已由{d['name']}整改完成，请验收。{_opt('时间：', d['at'])}",
        "pages/zones/dangers",
    ),
    "danger_overdue": Wording(
        "隐患整改已逾期",
        lambda d: (
            f"{_plain(d['unit'])}的{d['level']}隐患「{d['title']}」整改已超过期限"
            f"（{d['deadline']}），请督办。"
        ),
        "pages/zones/dangers",
    ),
    "visit_reminder": Wording(
        "包保走访提醒",
        lambda d: (
            f"{d['office']}{d['month']}还未走访包保的{d['teams']}（共{d['count']}个区队），"
            f"请于{d['deadline']}前完成走访并登记。"
        ),
        "pages/assessments/visits",
    ),
    "vote_reminder": Wording(
        "投票提醒",
        lambda d: (
            f"「{d['title']}」今天（{d['day']}）您还没有投票，投票截止于{d['ends_at']}。"
            f"{_plain(d['text'])}"
        ),
        "pages/vote/index",
    ),
    "meeting_scheduled": Wording(
        "会议通知",
        lambda d: (
            f"{d['at']}在{_plain(d['place'])}召开{d['kind']}「{d['topic']}」，请准时参加并扫码签到。"
        ),
        "pages/meetings/index",
    ),
    "meeting_leave_requested": Wording(
        "有会议请假待审批",
        lambda d: f"{d['name']}申请不参加「{d['topic']}」（{d['at']}），请审批。",
        "pages/meetings/index",
    ),
    "meeting_leave_decided": Wording(
        "会议请假审批结果",
        lambda d: f"您对「{d['topic']}」的请假{d['result']}。",
        "pages/meetings/index",
    ),
}


def check_wordings() -> list[str]:
    """Kinds without a wording, or whose wording fails on a sample: the start-up check."""
    problems = []
    for name, spec in KINDS.items():
        wording = WORDINGS.get(name)
        if wording is None:
            problems.append(f"{name}: no inbox wording in notifications.inbox.WORDINGS")
            continue
        try:
            wording.text(spec.sample())
        except Exception as exc:  # noqa: BLE001 - reported, not raised
            problems.append(f"{name}: its inbox wording fails on a sample: {exc!r}")
    return problems


def render(kind: str, data: dict[str, Any] | None, page: str | None) -> dict[str, str]:
    """The item's title, text and link."""
    wording = WORDINGS.get(kind)
    keys = KINDS[kind].keys if kind in KINDS else (data or {})
    values = {key: _plain((data or {}).get(key)) for key in keys}
    if wording is None:
        text = "；".join(v for v in values.values() if v)
        return {"title": "通知", "text": text, "link": page or ""}
    try:
        text = wording.text(values)
    except Exception:  # noqa: BLE001 - an old row missing a key still shows
        log.warning("notification wording of %s failed on %s", kind, values)
        text = "；".join(v for v in values.values() if v)
    return {"title": wording.title, "text": text, "link": page or wording.page}


def item(n: Notification) -> dict[str, Any]:
    """An inbox item as both doors show it."""
    return {
        "id": n.id,
        "kind": n.kind,
        **render(n.kind, n.data, n.page),
        "created_at": n.created_at,
        "read_at": n.read_at,
    }


# -- reading -------------------------------------------------------------------------------------


def items_query(person_id: int, *, unread: bool = False, kind: str | None = None) -> Any:
    """A select of the person's items (unread only, of one kind), unordered."""
    stmt = select(Notification).where(Notification.person_id == person_id)
    if unread:
        stmt = stmt.where(Notification.read_at.is_(None))
    if kind:
        stmt = stmt.where(Notification.kind == kind)
    return stmt


def items_of(
    person_id: int,
    *,
    unread: bool = False,
    kind: str | None = None,
    before: int | None = None,
    limit: int = 20,
) -> tuple[list[Notification], int | None]:
    """A page of the person's items, newest first, and the cursor of the next page (or None)."""
    stmt = items_query(person_id, unread=unread, kind=kind)
    if before is not None:
        stmt = stmt.where(Notification.id < before)
    limit = max(1, min(limit, PAGE_LIMIT))
    rows = list(db.session.scalars(stmt.order_by(Notification.id.desc()).limit(limit + 1)))
    more = len(rows) > limit
    rows = rows[:limit]
    return rows, (rows[-1].id if more else None)


def own_item(person_id: int, item_id: int) -> Notification:
    """The person's item; another person's, or none, is NotFound (404)."""
    n = db.session.get(Notification, item_id)
    if n is None or n.person_id != person_id:
        raise NotFound()
    return n


def _count_from_db(person_id: int) -> int:
    return int(
        db.session.scalar(
            select(func.count())
            .select_from(Notification)
            .where(Notification.person_id == person_id, Notification.read_at.is_(None))
        )
        or 0
    )


def _keys(person_id: int) -> tuple[str, str]:
    # One hash tag per person: both keys live on the same Cluster slot.
    return f"inbox:{{{person_id}}}:gen", f"inbox:{{{person_id}}}:unread"


def unread_count(person_id: int) -> int:
    """How many unread items the person has: Redis when it holds a count of the current
    generation, else the database (and the count is cached for the next poll)."""
    gen_key, count_key = _keys(person_id)
    try:
        r = get_redis()
        gen, cached = r.mget(gen_key, count_key)
    except Exception as exc:  # noqa: BLE001 - Redis down or erroring: the database answers
        if not redis_unavailable(exc):
            log.warning("inbox unread cache read failed: %s", exc)
        return _count_from_db(person_id)
    gen = gen or "0"
    if cached:
        cached_gen, _, value = cached.partition(":")
        if cached_gen == gen and value.isdigit():
            return int(value)
    count = _count_from_db(person_id)
    try:
        r.set(count_key, f"{gen}:{count}", ex=CACHE_SECONDS)
    except Exception as exc:  # noqa: BLE001 - the next poll asks the database again
        log.warning("inbox unread cache write failed: %s", exc)
    return count


def mark_dirty(session: Session, person_ids: set[int] | list[int]) -> None:
    """Say that the transaction changes these people's items: their cached counts are bumped
    after the commit."""
    session.info.setdefault(DIRTY_KEY, set()).update(person_ids)


def bump(person_ids: set[int]) -> None:
    """Make the people's cached counts stale (after a commit)."""
    try:
        r = get_redis()
        pipe = r.pipeline(transaction=False)
        for person_id in person_ids:
            gen_key, count_key = _keys(person_id)
            pipe.incr(gen_key)
            pipe.expire(gen_key, 30 * 86400)
        pipe.execute()
    except Exception as exc:  # noqa: BLE001 - a stale count lasts at most CACHE_SECONDS
        log.warning("inbox unread cache not invalidated for %s: %s", sorted(person_ids), exc)


# -- writing -------------------------------------------------------------------------------------


def mark_read(person_id: int, item_id: int, now: datetime | None = None) -> Notification:
    """Mark one of the person's items read (again is a no-op)."""
    n = own_item(person_id, item_id)
    if n.read_at is None:
        n.read_at = now or utcnow()
        mark_dirty(db.session(), {person_id})
    return n


def mark_all_read(person_id: int, now: datetime | None = None) -> int:
    """Mark every unread item of the person read; how many were."""
    result = db.session.execute(
        update(Notification)
        .where(Notification.person_id == person_id, Notification.read_at.is_(None))
        .values(read_at=now or utcnow())
        .execution_options(synchronize_session=False)
    )
    if result.rowcount:
        mark_dirty(db.session(), {person_id})
    return int(result.rowcount or 0)


def purge(keep_days: int, now: datetime | None = None) -> int:
    """Delete items (delivered or given up) written more than `keep_days` ago; the caller
    commits. Pending rows stay: delivery still owns them."""
    cutoff = (now or utcnow()) - timedelta(days=keep_days)
    stale = select(Notification.person_id).where(
        Notification.created_at < cutoff, Notification.status != "pending"
    )
    people = set(db.session.scalars(stale.distinct()))
    result = db.session.execute(
        delete(Notification)
        .where(Notification.created_at < cutoff, Notification.status != "pending")
        .execution_options(synchronize_session=False)
    )
    if people:
        mark_dirty(db.session(), people)
    return int(result.rowcount or 0)


def has_left(person_id: int) -> bool:
    return db.session.scalar(select(Person.left_at).where(Person.id == person_id)) is not None
