"""Refusals of the console sign-in."""

from domain_errors import DomainError, Forbidden, NotFound


class ConsoleNotAllowed(Forbidden):
    reason = "console_not_allowed"
    message = "只有支部书记和党委工作人员可以登录控制台"


class TicketNotFound(NotFound):
    reason = "console_ticket_not_found"
    message = "登录二维码无效，请在电脑上刷新后重新扫码"


class TicketExpired(DomainError):
    status = 409
    reason = "console_ticket_expired"
    message = "登录二维码已过期，请在电脑上刷新后重新扫码"


class TicketUsed(DomainError):
    status = 409
    reason = "console_ticket_used"
    message = "该登录二维码已使用，请在电脑上刷新后重新扫码"


class DemoSignInDisabled(Forbidden):
    reason = "demo_login_disabled"
    message = "演示登录仅在未配置微信的演示环境中可用"


class RosterPreviewExpired(DomainError):
    status = 409
    reason = "roster_preview_expired"
    message = "预览已过期或不存在，请重新上传花名册并预览"


class RosterFileChanged(DomainError):
    status = 409
    reason = "roster_file_changed"
    message = "文件与预览时不一致，请重新上传花名册并预览"
