"""Assessment sheets as requests: an imported sheet (工号, 积分) waits for a committee member of
the mine who is neither its author nor one of the candidates it scores — the rule of single
points adjustments (points.requests) — and only then becomes the candidates' assessed points.

pending → approved (the scores are applied, points_source = "sheet") or rejected, with a
reason; the decision is one conditional UPDATE (`… WHERE status = 'pending'`), so of two
deciders exactly one wins. The caller holds the campaign row (`FOR UPDATE`) and commits."""

from __future__ import annotations

from accounts.principal import Principal
from models import Campaign, PointsSheet, db, utcnow
from points.errors import OwnPoints, OwnRequest, ReasonRequired, RequestDecided
from points.requests import file_pending
from votes.errors import CampaignLocked, PointsSheetNotFound
from votes.results import apply_points_sheet, read_points_sheet

REASON_MAX = 255


def request_points_sheet(
    principal: Principal, campaign: Campaign, filename: str, content: bytes
) -> PointsSheet:
    """Read and check a sheet (row errors: 422) and file it as a pending request."""
    author = principal.require("committee")
    require_points_open(campaign)
    scores = read_points_sheet(campaign, filename, content, author_id=author.id)
    by_id = {c.id: c.person_id for c in campaign.candidates}
    return file_pending(
        PointsSheet,
        author.id,
        campaign_id=campaign.id,
        scores={str(k): v for k, v in scores.items()},
        person_ids=sorted({by_id[k] for k in scores}),
        filename=(filename or "")[:255],
    )


def decide_points_sheet(
    principal: Principal, campaign: Campaign, sheet_id: int, approve: bool, reason: str
) -> PointsSheet:
    """Approve (the scores count) or reject a pending sheet, with a reason."""
    decider = principal.require("committee")
    sheet = db.session.get(PointsSheet, sheet_id)
    if sheet is None or sheet.campaign_id != campaign.id:
        raise PointsSheetNotFound()
    if decider.id in (sheet.person_ids or []):
        raise OwnPoints()
    if sheet.requested_by_id == decider.id:
        raise OwnRequest()
    if sheet.status != "pending":
        raise RequestDecided()
    why = (reason or "").strip()
    if not why:
        raise ReasonRequired(errors={"reason": ["请填写原因"]})
    if approve:
        require_points_open(campaign)
    won = db.session.execute(
        db.update(PointsSheet)
        .where(PointsSheet.id == sheet.id, PointsSheet.status == "pending")
        .values(
            status="approved" if approve else "rejected",
            decided_by_id=decider.id,
            decided_at=utcnow(),
            decision_reason=why[:REASON_MAX],
        )
        .execution_options(synchronize_session=False)
    )
    if won.rowcount != 1:
        raise RequestDecided()
    if approve:
        apply_points_sheet(campaign, {int(k): float(v) for k, v in sheet.scores.items()})
    db.session.refresh(sheet)
    return sheet


# Points are frozen when 公示 starts: the results shown in 公示 and published are computed then.
POINTS_FROZEN = ("notice", "published")


def require_points_open(campaign: Campaign) -> None:
    """Points can change only before 公示 starts: a sheet (filed, approved or imported) for a
    campaign in 公示 or published is refused, 409 campaign_locked (issue 18 #5)."""
    if campaign.status in POINTS_FROZEN:
        raise CampaignLocked("公示已开始，积分已冻结，不能再修改")
