"""Refusals of the micro-wish domain."""

from __future__ import annotations

from domain_errors import DomainError, Forbidden, InvalidInput, NotFound


class WishNotFound(NotFound):
    reason = "wish_not_found"
    message = "心愿不存在或无权查看"


class InvalidTransition(DomainError):
    status = 409
    reason = "invalid_transition"
    message = "心愿当前状态下不能进行此操作"


class AlreadyClaimed(DomainError):
    status = 409
    reason = "already_claimed"
    message = "手慢了，该心愿已被其他党员认领"


class ClaimExpired(DomainError):
    status = 409
    reason = "claim_expired"
    message = "认领已超过期限，心愿将回到待认领，不能再点亮"


class ClaimLimit(DomainError):
    status = 409
    reason = "claim_limit"
    message = "您认领且未完成的心愿已达上限，请先完成已认领的心愿"


class OwnWish(DomainError):
    status = 409
    reason = "own_wish"
    message = "不能认领自己的心愿"


class NoBranch(DomainError):
    status = 409
    reason = "no_branch"
    message = "您所在单位尚未设置党支部，暂时不能发布心愿"


class ReleaseLimit(DomainError):
    status = 409
    reason = "release_limit"
    message = "您近期退回的心愿较多，暂时不能认领新的心愿"


class NotPartyMember(Forbidden):
    reason = "not_party_member"
    message = "只有党员可以认领心愿"


class NotWisher(Forbidden):
    reason = "not_wisher"
    message = "只有许愿人本人可以进行此操作"


class NotClaimer(Forbidden):
    reason = "not_claimer"
    message = "只有认领该心愿的党员可以进行此操作"


class NotReviewer(Forbidden):
    reason = "not_branch_secretary"
    message = "只有许愿人所在支部的书记可以审核该心愿"


class ReasonRequired(InvalidInput):
    reason = "reason_required"
    message = "请填写原因"

    def __init__(self) -> None:
        super().__init__(errors={"reason": ["请填写原因"]})


class PhotoRequired(InvalidInput):
    reason = "photo_required"
    message = "请上传至少一张圆梦照片"

    def __init__(self) -> None:
        super().__init__(errors={"photo_ids": ["请上传至少一张圆梦照片"]})


class PhotoNotUsable(InvalidInput):
    reason = "photo_not_usable"
    message = "照片不存在、不是您上传的，或已用于其他心愿"


class PhotoNotJudgeable(DomainError):
    status = 409
    reason = "photo_not_in_review"
    message = "该图片不在待人工审核状态"
