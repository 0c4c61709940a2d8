"""Refusals of the meetings domain (三会一课, 主题党日), pledges, deeds and ratings."""

from __future__ import annotations

from domain_errors import DomainError, Forbidden, InvalidInput, NotFound


class MeetingNotFound(NotFound):
    reason = "meeting_not_found"
    message = "会议不存在或无权查看"


class NotMeetingManager(Forbidden):
    reason = "not_meeting_manager"
    message = "只有本支部书记或党委可以管理该会议"


class NotAnAttendee(Forbidden):
    reason = "not_an_attendee"
    message = "你不在该会议的应到人员之中"


class MeetingOver(DomainError):
    status = 409
    reason = "meeting_over"
    message = "会议已结束，不能再签到"


class MeetingNotStarted(DomainError):
    status = 409
    reason = "meeting_not_started"
    message = "会议尚未开始"


class MeetingClosed(DomainError):
    status = 409
    reason = "meeting_closed"
    message = "会议已结束或已取消"


class CodeExpired(InvalidInput):
    reason = "code_expired"
    message = "签到码已过期，请扫描会场当前显示的签到码"


class InvalidCode(InvalidInput):
    reason = "invalid_code"
    message = "签到码不正确"


class OwnAttendance(Forbidden):
    reason = "own_attendance"
    message = "不能为自己补记到会，请扫码签到"


class OwnLeave(Forbidden):
    reason = "own_leave"
    message = "不能审批自己的请假"


class LeaveTooLate(DomainError):
    status = 409
    reason = "leave_too_late"
    message = "请假须在会议开始前提出"


class LeaveNotPending(DomainError):
    status = 409
    reason = "leave_not_pending"
    message = "该党员没有待审批的请假"


class InvalidMeeting(InvalidInput):
    reason = "invalid_meeting"
    message = "会议信息填写有误"


class NoAttendees(InvalidInput):
    reason = "no_attendees"
    message = "应到人员为空：该支部（或党小组）没有在册党员"


class PledgeNotFound(NotFound):
    reason = "pledge_not_found"
    message = "承诺不存在或无权查看"


class PledgeReviewed(DomainError):
    status = 409
    reason = "pledge_reviewed"
    message = "该承诺的这次评议已完成"


class OwnPledge(Forbidden):
    reason = "own_pledge"
    message = "不能评议自己的承诺"


class NotAPartyMember(Forbidden):
    reason = "not_a_member"
    message = "只有党员（含预备党员）可以作出承诺"


class DeedNotFound(NotFound):
    reason = "deed_not_found"
    message = "实事记录不存在或无权查看"


class WishNotFulfilled(InvalidInput):
    reason = "wish_not_fulfilled"
    message = "只能关联本矿已圆梦的微心愿"


class WishAlreadyLinked(DomainError):
    status = 409
    reason = "wish_already_linked"
    message = "该微心愿已记为一件实事"


class RatingNotFound(NotFound):
    reason = "rating_not_found"
    message = "评定不存在"


class RatingDecided(DomainError):
    status = 409
    reason = "rating_decided"
    message = "该评定已确认或驳回"
