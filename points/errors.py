"""Refusals of the points domain."""

from domain_errors import DomainError, Forbidden, InvalidInput, NotFound


class OwnPoints(Forbidden):
    reason = "own_points"
    message = "不能调整或审批自己的积分"


class OwnRequest(Forbidden):
    reason = "own_request"
    message = "积分调整须由提出人以外的党委成员审批"


class RequestNotFound(NotFound):
    reason = "points_request_not_found"
    message = "积分调整申请不存在或无权查看"


class RequestDecided(DomainError):
    status = 409
    reason = "request_decided"
    message = "该积分调整申请已审批"


class PersonNotFound(NotFound):
    reason = "person_not_found"
    message = "花名册中没有这个人，或不在你的管理范围内"


class NotYourBranch(Forbidden):
    reason = "not_your_branch"
    message = "该党员不在你管理的支部"


class NotAMember(InvalidInput):
    reason = "not_a_member"
    message = "只有党员（含预备党员）才能获得积分"


class ReasonRequired(InvalidInput):
    reason = "reason_required"
    message = "请填写原因"


class InvalidDelta(InvalidInput):
    reason = "invalid_delta"
    message = "分值须为非零整数"


class InvalidPeriod(InvalidInput):
    reason = "invalid_period"
    message = "统计周期格式应为 YYYY、YYYY-Qn 或 YYYY-MM"
