"""Chinese names for the codes the pages show (the exports already name most of them)."""

from __future__ import annotations

from clock import local_time  # noqa: F401 - console.views.common formats times with it
from models import MEETING_KIND_NAMES
from models.votes import CATEGORY_NAMES
from pairings.exports import KIND_LABELS, MODE_LABELS
from votes.exports import STATUS_NAMES as CAMPAIGN_STATUS
from wishes.export import ACTION_ZH as WISH_ACTIONS
from wishes.export import CATEGORY_ZH as WISH_CATEGORIES
from wishes.export import STATUS_ZH as WISH_STATUS

CONTENT_CHECK = {
    "pass": "微信检测通过",
    "review": "微信建议人工复核",
    "unchecked": "未能检测（审核时重新检测）",
    "local": "演示环境本地词表通过",
    "risky": "含违规内容",
}
CARE_FLAGS = {"ideological": "思想有波动", "hardship": "生活有困难"}
POLITICAL = {"masses": "群众", "member": "中共党员", "probationary": "中共预备党员"}
ROLES = {"employee": "职工", "member": "党员", "secretary": "支部书记", "committee": "党委"}
END_REASONS = {
    "ended": "书记解除",
    "member_moved": "党员调离",
    "employee_moved": "职工调离",
    "member_left_party": "党员身份变更",
    "member_left": "党员离职",
    "employee_left": "职工离职",
}
OBJECTION_STATUS = {"open": "待答复", "upheld": "异议成立", "dismissed": "异议不成立"}
PHOTO_CHECK = {
    "checking": "微信检测中",
    "review": "待人工审核",
    "pass": "已通过",
    "risky": "已撤下",
}
PHOTO_USE = {"wish": "心愿圆梦照片", "candidate": "候选人照片"}
REVIEW_CAUSE = {"member_moved": "党员调动", "employee_moved": "职工调动"}
REVIEW_OUTCOME = {"kept": "双方确认继续", "ended": "已解除", "resolved": "不再跨支部或结对已结束"}
UNIT_KIND = {"team": "区队", "office": "机关科室", "group": "班组", "other": "其他"}
UNIT_KIND[""] = "（新单位）"
LEADER_DUTY = {"group_leader": "班组长", "team_leader": "区队长"}
LEAVE_SOURCE = {"import": "花名册导入", "single": "单人登记", "cli": "命令行"}
ROSTER_FIELDS = {
    "employee_no": "工号",
    "name": "姓名",
    "phone": "手机号",
    "unit": "单位",
    "branch": "党支部",
    "political_status": "政治面貌",
    "is_cadre": "是否干部",
    "previous_employee_no": "原工号",
    "group": "班组",
    "role": "职务",
    "unit_kind": "单位类别",
    "left": "在册状态",
    "file": "文件",
    "header": "表头",
}
_PHOTO_NOTES = {
    "overdue": "微信检测超时未返回结果",
    "review": "微信建议人工复核",
    "approved": "人工审核通过",
}
ACCESS_ACTIONS = {"detail": "查看详情", "list": "列表查看", "export": "导出台账"}
BIND_ACTIONS = {"bind": "绑定", "unbind": "解绑"}
SIGN_IN_METHODS = {"scan": "扫码登录", "demo": "演示登录"}
REQUEST_STATUS = {"pending": "待审批", "approved": "已批准", "rejected": "已驳回"}
ATTENDANCE = {
    "expected": "未签到",
    "present": "已到",
    "leave_pending": "请假待批",
    "leave": "请假",
    "absent": "缺席",
}
MEETING_STATUS = {"scheduled": "未结束", "closed": "已结束", "cancelled": "已取消"}
PLEDGE_VERDICT = {"kept": "已践诺", "partly": "部分践诺", "not_kept": "未践诺"}
DEED_STATUS = {"planned": "计划", "doing": "办理中", "done": "已办结"}
CAP_PERIOD = {"month": "每月", "quarter": "每季度", "year": "每年"}
RATING_KIND = {"member_five_type": "五型党员", "branch_five_star": "五星党支部"}
RATING_STATUS = {"proposed": "待确认", "confirmed": "已确认", "rejected": "未通过"}
NOMINATION_STATUS = {
    "pending": "待审核",
    "accepted": "已采纳",
    "declined": "未采纳",
    "withdrawn": "已撤回",
}

TABLES = {
    "wish_status": WISH_STATUS,
    "wish_category": WISH_CATEGORIES,
    "wish_action": WISH_ACTIONS,
    "content_check": CONTENT_CHECK,
    "care_flag": CARE_FLAGS,
    "political": POLITICAL,
    "role": ROLES,
    "mode": MODE_LABELS,
    "points_kind": KIND_LABELS,
    "meeting_kind": MEETING_KIND_NAMES,
    "attendance": ATTENDANCE,
    "meeting_status": MEETING_STATUS,
    "pledge_verdict": PLEDGE_VERDICT,
    "deed_status": DEED_STATUS,
    "cap_period": CAP_PERIOD,
    "rating_kind": RATING_KIND,
    "rating_status": RATING_STATUS,
    "campaign_status": CAMPAIGN_STATUS,
    "vote_category": CATEGORY_NAMES,
    "end_reason": END_REASONS,
    "access_action": ACCESS_ACTIONS,
    "bind_action": BIND_ACTIONS,
    "sign_in_method": SIGN_IN_METHODS,
    "objection_status": OBJECTION_STATUS,
    "photo_check": PHOTO_CHECK,
    "photo_use": PHOTO_USE,
    "review_cause": REVIEW_CAUSE,
    "review_outcome": REVIEW_OUTCOME,
    "leave_source": LEAVE_SOURCE,
    "roster_field": ROSTER_FIELDS,
    "unit_kind": UNIT_KIND,
    "leader_duty": LEADER_DUTY,
    "request_status": REQUEST_STATUS,
    "nomination_status": NOMINATION_STATUS,
}


def label(value: str | None, table: str) -> str:
    """The Chinese name of a code (the code itself if unknown)."""
    if value is None:
        return ""
    return TABLES[table].get(value, value)


def photo_note(note: str | None) -> str:
    """Why a photo waits for a person, or why it was withdrawn, in Chinese."""
    if not note:
        return ""
    if note.startswith("wechat_"):
        return f"微信未能检测（错误码 {note[len('wechat_') :]}）"
    return _PHOTO_NOTES.get(note, note)


def roster_value(field: str, value: object) -> str:
    """A roster value as the preview shows it (政治面貌 and 是否干部 in Chinese)."""
    if field == "political_status":
        return POLITICAL.get(str(value), str(value))
    if field == "is_cadre":
        return "是" if value else "否"
    if field == "left":
        return "已离职" if value else "在册"
    return "" if value is None else str(value)


def masked_phone(phone: str | None) -> str:
    """A roster phone as a list shows it: the API lists people without their phone and only
    ever asks for its last four digits (binding), so a page shows those and hides the rest
    (138****0001)."""
    digits = (phone or "").strip()
    if len(digits) <= 4:
        return "*" * len(digits)
    head = digits[:3] if len(digits) >= 11 else ""
    return head + "*" * (len(digits) - len(head) - 4) + digits[-4:]
