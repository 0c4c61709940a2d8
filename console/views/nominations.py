"""推荐审核: a campaign's nomination window (start it, move its end or cap), the branches'
nominations with per-branch counts on the campaign page, and the committee's review of one
nomination in the drawer (accept into the candidate list, or decline with a reason)."""

from __future__ import annotations

from flask import render_template, request

from console.auth import committee_or_404, done, principal
from console.blueprint import bp
from console.tables import form_value, given, load_form
from console.views.campaigns import _campaign, _when
from votes import nominations
from votes import queries as vote_queries
from votes.schemas import NominationReviewIn, NominationWindowIn
from web import unit_of_work


@bp.post("/campaigns/<int:campaign_id>/nominations/window")
def nomination_window(campaign_id: int):
    """Start the branches' nomination window of a draft campaign, or move its end / cap."""
    campaign = _campaign(campaign_id, lock=True)
    cap = form_value("cap_per_branch")
    data = load_form(
        NominationWindowIn(),
        given(ends_at=_when("ends_at"), cap_per_branch=cap or None),
        messages={"ends_at": "请填写推荐截止时间"},
    )
    nominations.open_window(campaign, principal(), data["ends_at"], data["cap_per_branch"])
    unit_of_work.flush()
    return done(f"「{campaign.title}」推荐进行中，截止 {nominations_end_text(campaign)}")


def nominations_end_text(campaign) -> str:
    from clock import local_time

    return local_time(campaign.nominations_end_at)


@bp.get("/nominations/<int:nomination_id>")
def nomination_drawer(nomination_id: int):
    """One nomination in the drawer: the nominee, the story, the photo, and the review form
    while it is pending."""
    committee_or_404()
    nomination = nominations.nomination_for(nomination_id, principal())
    campaign = vote_queries.campaign(nomination.campaign_id)
    return render_template(
        "campaigns/nomination_drawer.html",
        n=nomination,
        out=nominations.nomination_out(nomination),
        campaign=campaign,
    )


@bp.post("/nominations/<int:nomination_id>/review")
def nomination_review(nomination_id: int):
    """Accept (the nominee becomes a candidate, with the story and photo) or decline with a
    reason the secretary and the nominee are told."""
    committee_or_404()
    data = load_form(
        NominationReviewIn(),
        given(
            accept={"1": True, "0": False}.get(request.form.get("accept", ""), ""),
            reason=form_value("reason"),
        ),
        messages={"accept": "请选择是否采纳"},
    )
    n = nominations.review(nomination_id, principal(), data["accept"], data["reason"])
    unit_of_work.flush()
    verdict = "已采纳，列入候选人" if n.status == "accepted" else "未采纳"
    return done(f"对 {n.person.name} 的推荐{verdict}")
