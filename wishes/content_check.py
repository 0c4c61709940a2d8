"""User text against WeChat's content security check (msg_sec_check v2), or a local word list
in demo mode.

pass → goes on; review → the secretary must look (the wish waits in pending_review, flagged);
risky → refused. When WeChat cannot be asked (down, or the author never opened the mini-program
so there is no openid) the text is "unchecked" and the secretary's review is the gate; approval
asks WeChat again.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from models import Account, db
from wechat import WeChatRejected, WeChatUnavailable, get_wechat
from wishes.errors import ContentRisky

log = logging.getLogger(__name__)

# msg_sec_check scene: 1 资料, 2 评论, 3 论坛, 4 社交日志.
SCENE_FORUM = 3
# v1's "content is risky" errcode, still answered by some gateways.
ERRCODE_RISKY = 87014

# Demo mode only: a small list so a tester can see both refusals without WeChat.
LOCAL_RISKY_WORDS = ("赌博", "博彩", "色情", "毒品", "代开发票", "枪支", "法轮")
LOCAL_REVIEW_WORDS = ("贷款", "转账", "投资理财", "集资")


@dataclass(frozen=True)
class Verdict:
    suggest: str  # pass | review | risky | unchecked | local
    label: int | None = None
    trace_id: str | None = None


def openid_of(person_id: int) -> str | None:
    """The WeChat openid bound to a roster person, if they have an account."""
    return db.session.scalar(db.select(Account.openid).where(Account.person_id == person_id))


def check_text(person_id: int, text: str) -> Verdict:
    """Ask WeChat (or the local list in demo mode) about `text` written by `person_id`."""
    client = get_wechat()
    if client is None:
        return _local(text)
    openid = openid_of(person_id)
    if not openid:
        return Verdict("unchecked")
    try:
        answer = client.msg_sec_check(openid, text, scene=SCENE_FORUM)
    except WeChatUnavailable:
        log.warning("msg_sec_check unavailable; text left for the secretary")
        return Verdict("unchecked")
    except WeChatRejected as exc:
        if exc.errcode == ERRCODE_RISKY:
            return Verdict("risky")
        log.warning("msg_sec_check refused the call: %s %s", exc.errcode, exc.errmsg)
        return Verdict("unchecked")
    result = answer.get("result") or {}
    suggest = result.get("suggest")
    if suggest not in ("pass", "review", "risky"):
        log.warning("msg_sec_check answered without a suggestion: %s", answer)
        return Verdict("unchecked")
    return Verdict(suggest, result.get("label"), answer.get("trace_id"))


def _local(text: str) -> Verdict:
    if any(w in text for w in LOCAL_RISKY_WORDS):
        return Verdict("risky")
    if any(w in text for w in LOCAL_REVIEW_WORDS):
        return Verdict("review")
    return Verdict("local")


def require_publishable(person_id: int, *texts: str | None) -> str:
    """Check the texts together; raise ContentRisky for risky, else return the verdict."""
    joined = "\n".join(t for t in texts if t)
    if not joined.strip():
        return "pass"
    verdict = check_text(person_id, joined)
    if verdict.suggest == "risky":
        raise ContentRisky()
    return verdict.suggest
