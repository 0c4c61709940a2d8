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


class EventForLeaver(InvalidInput):
    reason = "person_left"
    message = "该职工已离职，不能登记必访必谈事项"


class EventInFuture(InvalidInput):
    reason = "event_in_future"
    message = "事件日期不能晚于今天"


class NotDutyAssignee(Forbidden):
    reason = "not_duty_assignee"
    message = "只有被指派的人可以办结这项必访必谈"


class DutyClosed(DomainError):
    status = 409
    reason = "duty_closed"
    message = "这项必访必谈已经办结"


class TalkDoesNotClose(InvalidInput):
    reason = "talk_does_not_close_duty"
    message = "这条谈心记录不能办结该事项：须为被指派人在事件当天或之后与该职工的谈心（必访须当面）"


class MentorshipRefused(InvalidInput):
    reason = "invalid_mentorship"
    message = "传帮带结对不符合要求"


class SelfMentorship(InvalidInput):
    reason = "self_mentorship"
    message = "师傅和徒弟不能是同一个人"


class ApprenticeHasMentor(DomainError):
    status = 409
    reason = "apprentice_has_mentor"
    message = "该徒弟已有师傅，一名职工同一时间只能有一位师傅"


class MentorshipClosed(DomainError):
    status = 409
    reason = "mentorship_closed"
    message = "该传帮带结对已结束"


class AssessmentRefused(DomainError):
    status = 409
    reason = "assessment_not_allowed"
    message = "当前不能进行这项考核"


class InvalidSessionDate(InvalidInput):
    reason = "invalid_session_date"
    message = "带徒日期须在结对期间内且不晚于今天"
