"""Refusals of the console's own pages (the sign-in ticket's are in accounts.console_tickets)."""

from domain_errors import DomainError, Forbidden


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
