"""What a WeChat call can end in, as domain errors."""

from __future__ import annotations

import time

from domain_errors import DependencyUnavailable, DomainError


class WeChatCodeInvalid(DomainError):
    """code2Session 40029 / 40163: the wx.login code is wrong, used or expired."""

    status = 401
    reason = "wechat_code_invalid"
    message = "微信登录凭证无效或已过期，请重新进入小程序"


class WeChatUserBlocked(DomainError):
    """code2Session 40226: WeChat rates this user high-risk and blocks the login itself."""

    status = 403
    reason = "wechat_user_blocked"
    message = "微信判定您的账号存在安全风险，已拦截登录；请在微信中完成安全验证后再试"


class WeChatUnavailable(DependencyUnavailable):
    """WeChat is slow, busy, unreachable, or answered something that is not what it documents."""

    reason = "wechat_unavailable"
    message = "微信服务暂时不可用，请稍后再试"


class WeChatMisconfigured(WeChatUnavailable):
    """Our own appid/secret/IP whitelist is wrong (40013, 40125, 40164, …): nothing a user can
    fix, so the user sees 503 and the log names the errcode."""

    def __init__(self, errcode: int | None, errmsg: str | None = None) -> None:
        super().__init__()
        self.errcode = errcode
        self.errmsg = errmsg


class WeChatRateLimited(DomainError):
    """45011 / 44991: WeChat's per-minute quota for this API is used up; retry next minute."""

    status = 429
    reason = "wechat_rate_limited"
    message = "微信接口调用太频繁，请稍后再试"

    def __init__(self, errcode: int | None = 45011, retry_after: int | None = None) -> None:
        # WeChat's quotas are per minute: the next minute starts afresh.
        retry_after = retry_after or max(1, 60 - int(time.time()) % 60)
        super().__init__(headers={"Retry-After": str(retry_after)})
        self.errcode = errcode
        self.retry_after = retry_after


class WeChatRejected(DomainError):
    """WeChat answered with an errcode the caller must handle (not a transport failure)."""

    status = 502
    reason = "wechat_rejected"
    message = "微信服务拒绝了请求"

    def __init__(self, errcode: int | None, errmsg: str | None = None) -> None:
        super().__init__()
        self.errcode = errcode
        self.errmsg = errmsg
