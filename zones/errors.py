"""Refusals of the zones domain (党员责任区, patrols, 隐患, 三违)."""

from __future__ import annotations

from domain_errors import DomainError, Forbidden, InvalidInput, NotFound


class ZoneNotFound(NotFound):
    reason = "zone_not_found"
    message = "责任区不存在或无权查看"


class DangerNotFound(NotFound):
    reason = "danger_not_found"
    message = "隐患不存在或无权查看"


class ViolationNotFound(NotFound):
    reason = "violation_not_found"
    message = "三违记录不存在或无权查看"


class NotZoneManager(Forbidden):
    reason = "not_zone_manager"
    message = "只有该区队所在支部的书记或党委可以管理责任区"


class NotPartyMember(InvalidInput):
    reason = "not_party_member"
    message = "责任区的负责人须是本矿在册党员"


class ZoneEnded(DomainError):
    status = 409
    reason = "zone_ended"
    message = "该责任区已撤销（已过结束日期）"


class NotZoneMember(Forbidden):
    reason = "not_zone_member"
    message = "只有该责任区的负责党员可以进行此操作"


class EmptyReport(InvalidInput):
    reason = "empty_report"
    message = "请填写隐患描述或上传照片"


class InvalidLevel(InvalidInput):
    reason = "invalid_level"
    message = "隐患等级只能是一般、较大或重大"


class NotAssigner(Forbidden):
    reason = "not_assigner"
    message = "只有支部书记或该责任区的负责党员可以指派整改"


class NotFixer(Forbidden):
    reason = "not_fixer"
    message = "只有被指派的整改人可以报告整改完成"


class OwnFix(Forbidden):
    reason = "own_fix"
    message = "整改人不能验收自己的整改"


class NotVerifier(Forbidden):
    reason = "not_verifier"
    message = "只有报告人或该责任区的负责党员可以验收"


class InvalidTransition(DomainError):
    status = 409
    reason = "invalid_transition"
    message = "隐患当前状态下不能进行此操作"


class PhotoNotUsable(InvalidInput):
    reason = "photo_not_usable"
    message = "照片不存在、不是您上传的，或已被使用"


class PhotoRequired(InvalidInput):
    reason = "photo_required"
    message = "请上传整改后的照片"


class OtherMine(InvalidInput):
    reason = "other_mine"
    message = "所选人员或区队不在本矿"


class PlacardFontMissing(DomainError):
    status = 503
    reason = "placard_font_missing"
    message = (
        "服务器缺少中文字体，暂时无法生成责任区牌（请安装 fonts-noto-cjk 或设置 ZONE_PLACARD_FONT）"
    )


class InvalidDates(InvalidInput):
    reason = "invalid_dates"
    message = "结束日期不能早于开始日期"


class TooMany(InvalidInput):
    reason = "too_many"
    message = "数量超过上限"


class InFuture(InvalidInput):
    reason = "time_in_future"
    message = "时间不能晚于现在"


class BeforeZone(InvalidInput):
    reason = "before_zone"
    message = "巡查时间早于责任区设立日期"


class NotOnChecklist(InvalidInput):
    reason = "not_on_checklist"
    message = "检查项不在本责任区的检查清单中"


class OffenderRequired(InvalidInput):
    reason = "offender_required"
    message = "请选择或填写违章人员"


class PlaceRequired(InvalidInput):
    reason = "place_required"
    message = "请选择责任区或填写地点"


class DeadlinePassed(InvalidInput):
    reason = "deadline_passed"
    message = "整改期限须晚于现在"


class ReasonRequired(InvalidInput):
    reason = "reason_required"
    message = "退回整改请说明原因"


class NotPhotoManager(Forbidden):
    reason = "not_photo_manager"
    message = "只能设置本人或本支部人员的照片"
