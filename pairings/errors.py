"""Refusals of the pairings and talks domain."""

from domain_errors import DomainError, Forbidden, InvalidInput, NotFound


class PairingLimit(DomainError):
    status = 409
    reason = "pairing_limit"
    message = "该党员结对人数已满（普通党员一带三，党员干部一带五）"


class AlreadyPaired(DomainError):
    status = 409
    reason = "already_paired"
    message = "该党员与该职工已经结对"


class EmployeeAlreadyPaired(DomainError):
    status = 409
    reason = "employee_already_paired"
    message = "该职工已与其他党员结对，请先解除原结对"


class NotAMember(InvalidInput):
    reason = "not_a_member"
    message = "只有党员（含预备党员）才能结对或获得积分"


class NotAnEmployee(InvalidInput):
    reason = "not_an_employee"
    message = "结对对象应为职工群众"


class PersonHasLeft(InvalidInput):
    reason = "person_left"
    message = "该人员已离职，不能结对"


class NotInBranch(InvalidInput):
    reason = "not_in_branch"
    message = "党员和职工都须属于本支部"


class PersonNotFound(NotFound):
    reason = "person_not_found"
    message = "花名册中没有这个人，或不在你的管理范围内"


class NotPaired(Forbidden):
    reason = "not_paired"
    message = "你与该职工没有结对，不能记录谈心"


class TalkLocked(DomainError):
    status = 409
    reason = "talk_locked"
    message = "谈心记录已超过7天，已锁定；如需更正请提交更正记录"


class NotTalkAuthor(Forbidden):
    reason = "not_talk_author"
    message = "只有记录人本人可以修改谈心记录"


class AlreadyCorrected(DomainError):
    status = 409
    reason = "already_corrected"
    message = "该谈心记录已被更正，请更正最新的记录"


class TalkInFuture(InvalidInput):
    reason = "talked_at_in_future"
    message = "谈心时间不能晚于现在"


class InvalidMonth(InvalidInput):
    reason = "invalid_month"
    message = "月份格式应为 YYYY-MM"


class InvalidRule(InvalidInput):
    reason = "invalid_talk_rule"
    message = "谈心要求设置不正确"
