"""User text against WeChat's content security check (msg_sec_check v2), or a local word list
in demo mode.

pass → goes on; review → the secretary must look (the wish waits in pending_review, flagged);
risky → refused. When WeChat cannot say (down, busy, over quota, or it refuses the openid) the
text is "unchecked" and the secretary's review is the gate.

WeChat checks text on behalf of a user who opened the mini-program in the last two hours (the
`openid` parameter; 61010 otherwise). A wish is checked with its author's openid when it is
posted (they are using the app right then) and again, if it was unchecked, with the approving
secretary's openid when it is approved — the person acting at that moment. If WeChat still
cannot check it then, the approval stands (a person read it) and the wish keeps its visible
"unchecked" mark for the secretary and committee.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from media.errors import ContentRisky
from people import openid_of
from wechat import WeChatRateLimited, WeChatRejected, WeChatUnavailable, get_wechat

__all__ = ["Verdict", "check_text", "openid_of", "require_publishable"]

log = logging.getLogger(__name__)

# msg_sec_check scene: 1 资料, 2 评论, 3 论坛, 4 社交日志.
SCENE_FORUM = 3
# WeChat checks at most this many characters per call.
MAX_CHARS = 2500
# msg_sec_check v2's documented errcodes (besides 0, and those the client maps: -1 and 45009 →
# unavailable, 44991 → rate limited, 40001 → renewed once), and what each means for us.
ERRCODE_INACTIVE_USER = 61010  # the user has not opened the mini-program in the last 2 hours
ERRCODE_RISKY_V1 = 87014  # v1's "risky content", still answered by some gateways
USER_ERRCODES = {
    40003: "the openid is not valid",
    43104: "the openid belongs to another appid",
    ERRCODE_INACTIVE_USER: "the user has not opened the mini-program in the last two hours",
}
OUR_ERRCODES = {
    40129: "scene is not 1..4",
    43002: "not sent as POST",
    44002: "empty body",
    47001: "body is not the documented JSON",
}

# Demo mode only: a small list so a tester can see both refusals without WeChat.
LOCAL_RISKY_WORDS = ("赌博", "博彩", "色情", "毒品", "代开发票", "枪支", "法轮")
LOCAL_REVIEW_WORDS = ("贷款", "转账", "投资理财", "集资")
_ORDER = {"risky": 3, "review": 2, "unchecked": 1, "pass": 0}


@dataclass(frozen=True)
class Verdict:
    suggest: str  # pass | review | risky | unchecked | local
    label: int | None = None
    trace_id: str | None = None
    note: str | None = None  # why WeChat could not say, when unchecked


def check_text(person_id: int, text: str, openid: str | None = None) -> Verdict:
    """Ask WeChat (or the local list in demo mode) about `text`, on behalf of `person_id`, who
    must be the person using the app right now. A caller that calls with no transaction open
    (so that no lock is held while WeChat answers) passes the `openid` it looked up before."""
    client = get_wechat()
    if client is None:
        return _local(text)
    openid = openid or openid_of(person_id)
    if not openid:
        return Verdict("unchecked", note="no_openid")
    verdicts = [
        _ask(client, openid, text[i : i + MAX_CHARS]) for i in range(0, len(text), MAX_CHARS)
    ]
    return max(verdicts, key=lambda v: _ORDER.get(v.suggest, 1))


def _ask(client, openid: str, text: str) -> Verdict:
    try:
        answer = client.msg_sec_check(openid, text, scene=SCENE_FORUM)
    except WeChatRateLimited:
        log.warning("msg_sec_check over its minute quota; text left for the secretary")
        return Verdict("unchecked", note="rate_limited")
    except WeChatUnavailable:
        log.warning("msg_sec_check unavailable; text left for the secretary")
        return Verdict("unchecked", note="unavailable")
    except WeChatRejected as exc:
        if exc.errcode == ERRCODE_RISKY_V1:
            return Verdict("risky")
        if exc.errcode in USER_ERRCODES:
            log.info("msg_sec_check %s: %s", exc.errcode, USER_ERRCODES[exc.errcode])
            return Verdict("unchecked", note=str(exc.errcode))
        why = OUR_ERRCODES.get(exc.errcode, "undocumented errcode")
        log.error("msg_sec_check refused our call: %s %s (%s)", exc.errcode, exc.errmsg, why)
        return Verdict("unchecked", note=str(exc.errcode))
    result = answer.get("result") or {}
    suggest = result.get("suggest") if isinstance(result, dict) else None
    if suggest not in ("pass", "review", "risky"):
        log.warning("msg_sec_check answered without a suggestion: %s", answer)
        return Verdict("unchecked", note="no_suggestion")
    return Verdict(suggest, result.get("label"), answer.get("trace_id"))


def _local(text: str) -> Verdict:
    if any(w in text for w in LOCAL_RISKY_WORDS):
        return Verdict("risky")
    if any(w in text for w in LOCAL_REVIEW_WORDS):
        return Verdict("review")
    return Verdict("local")


def require_publishable(person_id: int, *texts: str | None, openid: str | None = None) -> str:
    """Check the texts together on behalf of `person_id` (the person acting now); raise
    ContentRisky for risky, else return the verdict."""
    joined = "\n".join(t for t in texts if t)
    if not joined.strip():
        return "pass"
    verdict = check_text(person_id, joined, openid)
    if verdict.suggest == "risky":
        raise ContentRisky()
    return verdict.suggest
