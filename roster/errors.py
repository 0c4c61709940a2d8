"""Refusals of the roster: unreadable files, bad rows, undecidable reviews."""

from domain_errors import DomainError, InvalidInput, NotFound


class RosterInvalid(InvalidInput):
    reason = "roster_invalid"
    message = "花名册有错误，未导入任何数据"


class MineRequired(InvalidInput):
    reason = "mine_required"
    message = "有多个矿，请用 --mine 指定导入到哪个矿"


class ReviewNotFound(NotFound):
    reason = "review_not_found"
    message = "没有该结对确认事项，或不在你的管理范围内"


class ReviewClosed(DomainError):
    status = 409
    reason = "review_closed"
    message = "该结对确认事项已处理"


class AlreadyLeft(DomainError):
    status = 409
    reason = "already_left"
    message = "该人员已办理离职"


class CannotLeaveSelf(DomainError):
    status = 409
    reason = "cannot_leave_self"
    message = "不能为自己办理离职，请由其他党委成员办理"


class RosterChanged(DomainError):
    status = 409
    reason = "roster_changed"
    message = "预览之后花名册已有变化（可能有人同时导入或修改），请重新预览后再确认导入"
