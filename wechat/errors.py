"""What a WeChat call can end in, as domain errors."""

from domain_errors import DependencyUnavailable, DomainError


class WeChatCodeInvalid(DomainError):
    status = 401
    reason = "wechat_code_invalid"
    message = "微信登录凭证无效或已过期，请重新进入小程序"


class WeChatUnavailable(DependencyUnavailable):
    reason = "wechat_unavailable"
    message = "微信服务暂时不可用，请稍后再试"


class WeChatRejected(DomainError):
    """WeChat answered with an errcode the caller must handle (kept for non-login calls)."""

    status = 502
    reason = "wechat_rejected"
    message = "微信服务拒绝了请求"

    def __init__(self, errcode: int | None, errmsg: str | None = None) -> None:
        super().__init__()
        self.errcode = errcode
        self.errmsg = errmsg
