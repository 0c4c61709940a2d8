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


class InvalidCap(InvalidInput):
    reason = "invalid_cap"
    message = "积分上限须为不小于 0 的整数，并选择按月、按季度或按年"


class InvalidRule(InvalidInput):
    reason = "invalid_rule"
    message = "积分细则填写有误"


class RuleNotFound(NotFound):
    reason = "rule_not_found"
    message = "积分细则不存在"


class RuleSourceTaken(DomainError):
    status = 409
    reason = "rule_source_taken"
    message = "该积分来源已有细则，请修改原细则（新版本）"


class RuleVersionExists(DomainError):
    status = 409
    reason = "rule_version_exists"
    message = "该细则在这一天已有版本"


class EffectiveInPast(InvalidInput):
    reason = "effective_in_past"
    message = "细则只能自今天或以后生效，已记入的积分不会被改写"


class EvidenceRequired(InvalidInput):
    reason = "evidence_required"
    message = "该细则须提供佐证材料"
