"""Refusals of the assessment domain: each a stable `reason` and a Chinese message."""

from domain_errors import DomainError, Forbidden, InvalidInput, NotFound


class UnitNotFound(NotFound):
    reason = "unit_not_found"
    message = "本矿没有这个单位"


class NotATeam(InvalidInput):
    reason = "not_a_team"
    message = "该单位不是区队"


class NotAnOffice(InvalidInput):
    reason = "not_an_office"
    message = "该单位不是机关科室"


class PersonNotFound(NotFound):
    reason = "person_not_found"
    message = "花名册中没有这个人"


class TemplateNotFound(NotFound):
    reason = "template_not_found"
    message = "考核表不存在或无权查看"


class TemplateNotHundred(InvalidInput):
    reason = "template_not_100"
    message = "考核表各项分值合计必须正好是 100 分"


class InvalidTemplate(InvalidInput):
    reason = "invalid_template"
    message = "考核表内容有误"


class MonthNotFound(NotFound):
    reason = "assessment_month_not_found"
    message = "该月考核不存在或无权查看"


class MonthExists(DomainError):
    status = 409
    reason = "assessment_month_exists"
    message = "该月考核已开启"


class MonthLocked(DomainError):
    status = 409
    reason = "assessment_month_locked"
    message = "该月考核已锁定，不能再修改"


class MonthNotLocked(DomainError):
    status = 409
    reason = "assessment_month_not_locked"
    message = "该月考核尚未锁定"


class NotYourOffice(Forbidden):
    reason = "not_your_office"
    message = "只能为本科室负责的考核项目打分"


class ItemNotFound(NotFound):
    reason = "item_not_found"
    message = "考核项目不存在"


class PointsOutOfRange(InvalidInput):
    reason = "points_out_of_range"
    message = "扣分须在 0 到该项满分之间"


class ReasonRequired(InvalidInput):
    reason = "reason_required"
    message = "扣分须填写原因"


class ScoreConflict(DomainError):
    status = 409
    reason = "score_conflict"
    message = "该项已被他人修改，请刷新后重试"


class OfficeSubmitted(DomainError):
    status = 409
    reason = "office_submitted"
    message = "本科室已提交本月考核，不能再修改"


class DeductionNotFound(NotFound):
    reason = "deduction_not_found"
    message = "扣分记录不存在或无权查看"


class NotTheTeamLeader(Forbidden):
    reason = "not_the_team_leader"
    message = "只有本区队的负责人可以提出异议"


class NotSubmittedYet(DomainError):
    status = 409
    reason = "office_not_submitted"
    message = "科室尚未提交，暂不能提出异议"


class ObjectionWindowClosed(DomainError):
    status = 409
    reason = "objection_window_closed"
    message = "异议期已过"


class ObjectionExists(DomainError):
    status = 409
    reason = "objection_exists"
    message = "每项扣分只能提出一次异议"


class ObjectionNotFound(NotFound):
    reason = "objection_not_found"
    message = "异议不存在或无权查看"


class ObjectionAnswered(DomainError):
    status = 409
    reason = "objection_answered"
    message = "该异议已答复"


class CannotLockYet(DomainError):
    status = 409
    reason = "cannot_lock_yet"
    message = "尚有科室未提交、异议未答复或异议期未满，不能锁定"


class AdjustmentNotFound(NotFound):
    reason = "adjustment_not_found"
    message = "调整申请不存在或无权查看"


class OwnAdjustment(Forbidden):
    reason = "own_adjustment"
    message = "调整须由提出人以外的党委成员审批"


class AdjustmentDecided(DomainError):
    status = 409
    reason = "adjustment_decided"
    message = "该调整申请已审批"


class AdjustmentOutOfRange(InvalidInput):
    reason = "adjustment_out_of_range"
    message = "调整后的总分须在 0 到 100 之间"


class TemplateConflict(DomainError):
    status = 409
    reason = "template_conflict"
    message = "该考核表刚被他人修改，请刷新后重试"


class NotPatron(Forbidden):
    reason = "not_patron"
    message = "本科室没有包保该区队"


class InvalidVisitDate(InvalidInput):
    reason = "invalid_visit_date"
    message = "走访日期应在 2000 年以后，且不能晚于今天"


class InvalidQuarter(InvalidInput):
    reason = "invalid_quarter"
    message = "季度格式应为 YYYY-Qn"


class QuarterNotComplete(DomainError):
    status = 409
    reason = "quarter_not_complete"
    message = "本季度三个月的考核尚未全部锁定"


class NotEligible(InvalidInput):
    reason = "not_eligible"
    message = "该区队本季度不符合评选条件（有月份评为较差、被一票否决或未参加考核）"


class AwardsFull(DomainError):
    status = 409
    reason = "awards_full"
    message = "本季度六好区队名额已满"


class AlreadyAwarded(DomainError):
    status = 409
    reason = "already_awarded"
    message = "该区队本季度已评为六好区队"


class PhotoNotUsable(InvalidInput):
    reason = "photo_not_usable"
    message = "照片不存在、不是您上传的，或已被使用"


class TooManyPhotos(InvalidInput):
    reason = "too_many_photos"
    message = "每项扣分最多 3 张证据照片"


class NotAGroup(InvalidInput):
    reason = "not_a_group"
    message = "该单位不是班组"


class NotTheTeamLeaderOfGroup(Forbidden):
    reason = "not_the_team_leader"
    message = "只有班组所在区队的区队长可以推荐优秀班组长"


class NoGroupLeader(InvalidInput):
    reason = "no_group_leader"
    message = "该班组还没有班组长"


class AlreadyNominated(DomainError):
    status = 409
    reason = "already_nominated"
    message = "该班组本季度已推荐过优秀班组长"


class NominationNotFound(NotFound):
    reason = "nomination_not_found"
    message = "推荐不存在或无权查看"


class OwnNomination(Forbidden):
    reason = "own_nomination"
    message = "不能审批自己提出或涉及自己的推荐"


class NominationDecided(DomainError):
    status = 409
    reason = "nomination_decided"
    message = "该推荐已审批"
