"""Refusals of the voting domain, each with a stable reason and a message fit for a miner."""

from domain_errors import DependencyUnavailable, DomainError, Forbidden, InvalidInput, NotFound


class CampaignNotFound(NotFound):
    reason = "campaign_not_found"
    message = "评选活动不存在或无权查看"


class CandidateNotFound(NotFound):
    reason = "candidate_not_found"
    message = "候选人不存在"


class BallotNotFound(NotFound):
    reason = "ballot_not_found"
    message = "选票不存在"


class AlreadyVoted(DomainError):
    status = 409
    reason = "already_voted"
    message = "今天已为该候选人投过票"


class SelfVote(DomainError):
    status = 409
    reason = "self_vote"
    message = "本次评选不允许候选人给自己投票"


class DailyQuotaUsed(DomainError):
    status = 409
    reason = "daily_quota_used"
    message = "该类别今天的票数已用完，明天再来吧"


class CampaignNotOpen(DomainError):
    status = 409
    reason = "campaign_not_open"
    message = "不在投票时间内"


class NotEligible(Forbidden):
    reason = "not_eligible"
    message = "您不在本次评选的投票范围内"


class TalliesHidden(Forbidden):
    reason = "tallies_hidden"
    message = "投票结束前不公布票数"


class ResultsNotPublished(DomainError):
    status = 409
    reason = "results_not_published"
    message = "评选结果尚未公布"


class InvalidTransition(DomainError):
    status = 409
    reason = "invalid_transition"
    message = "评选活动当前状态下不能进行此操作"


class PointsSheetNotFound(NotFound):
    reason = "points_sheet_not_found"
    message = "积分表不存在或无权查看"


class CampaignLocked(DomainError):
    status = 409
    reason = "campaign_locked"
    message = "投票开始后不能修改该项内容"


class NotPartyMember(InvalidInput):
    reason = "not_party_member"
    message = "只有党员（含预备党员）可以作为候选人"


class CandidateExists(DomainError):
    status = 409
    reason = "candidate_exists"
    message = "该党员已是本类别的候选人"


class CategoryNotInCampaign(InvalidInput):
    reason = "category_not_in_campaign"
    message = "本次评选不包含该类别"


class NoCandidates(DomainError):
    status = 409
    reason = "no_candidates"
    message = "请先添加候选人再开启投票"


class AlreadyVoided(DomainError):
    status = 409
    reason = "already_voided"
    message = "该选票已作废"


class InvalidImage(InvalidInput):
    reason = "invalid_image"
    message = "请上传 jpeg、png 或 webp 格式、不超过 5 MB 的图片"


class InvalidCampaign(InvalidInput):
    reason = "invalid_campaign"
    message = "评选活动的设置有误（时间、类别或权重）"


class PointsSheetInvalid(InvalidInput):
    reason = "points_sheet_invalid"
    message = "积分表有错误行，未导入任何数据"


class VotingUnavailable(DependencyUnavailable):
    reason = "voting_unavailable"
    message = "投票人数较多，请稍后再试"

    def __init__(self, message: str | None = None) -> None:
        super().__init__(message, headers={"Retry-After": "3"})


class RateLimited(DomainError):
    status = 429
    reason = "rate_limited"
    message = "操作太频繁，请稍后再试"

    def __init__(self, retry_after: int) -> None:
        super().__init__(headers={"Retry-After": str(max(1, int(retry_after)))})


class TieUndecided(DomainError):
    status = 409
    reason = "tie_undecided"
    message = "名额末位并列，请评选委员会先决定"


class NoTieToDecide(DomainError):
    status = 409
    reason = "no_tie"
    message = "该类别没有需要决定的并列"


class TiePickInvalid(DomainError):
    status = 422
    reason = "tie_pick_invalid"
    message = "请从并列的候选人中选出相应人数"


class NoticePending(DomainError):
    status = 409
    reason = "notice_pending"
    message = "公示期未结束或仍有异议未答复，暂不能公布结果"


class NoticeNotOpen(DomainError):
    status = 409
    reason = "notice_not_open"
    message = "当前不在评选结果公示期内"


class ObjectionExists(DomainError):
    status = 409
    reason = "objection_exists"
    message = "您对该候选人的异议正在处理中，请等待答复"


class ObjectionNotFound(NotFound):
    reason = "objection_not_found"
    message = "异议不存在"


class NotAWinner(InvalidInput):
    reason = "not_a_winner"
    message = "只能对公示名单中的人选提出异议"


class NominationsClosed(DomainError):
    status = 409
    reason = "nominations_closed"
    message = "当前不在推荐时间内"


class NominationExists(DomainError):
    status = 409
    reason = "nomination_exists"
    message = "该党员已被推荐到这个类别"


class NominationCapReached(DomainError):
    status = 409
    reason = "nomination_cap_reached"
    message = "本支部的推荐名额已用完"


class NotYourBranch(Forbidden):
    reason = "not_your_branch"
    message = "只能推荐本支部的党员"


class NomineeLeft(InvalidInput):
    reason = "nominee_left"
    message = "该职工已离职，不能被推荐"


class NominationNotFound(NotFound):
    reason = "nomination_not_found"
    message = "推荐不存在或无权查看"


class NominationDecided(DomainError):
    status = 409
    reason = "nomination_decided"
    message = "该推荐已处理，不能再修改"


class InvalidNominationWindow(InvalidInput):
    reason = "invalid_nomination_window"
    message = "推荐截止时间须晚于现在、早于投票结束时间"


class PosterFontMissing(DomainError):
    status = 503
    reason = "poster_font_missing"
    message = "服务器缺少中文字体，暂时无法生成海报（请安装 fonts-noto-cjk 或设置 POSTER_FONT）"


class DeclineReasonRequired(InvalidInput):
    reason = "decline_reason_required"
    message = "请填写不采纳的理由"
