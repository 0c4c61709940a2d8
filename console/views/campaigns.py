"""评选管理: campaigns, candidates from the roster, status changes (draft → open → closed →
公示 → published), the live leaderboard, 公示 with its provisional winners and the objections
against them, suspicious patterns, ballots and voiding, the export."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from flask import render_template, request, url_for

from clock import SHANGHAI
from console import charts
from console.auth import committee_or_404, done, message_of, principal
from console.blueprint import bp
from console.tables import arg_int, arg_str, form_value, given, load_form, paginate
from console.views.branch import xlsx
from models import Ballot, Campaign, Candidate
from models.redis_store import REDIS_UNAVAILABLE_ERRORS
from models.votes import CAMPAIGN_STATUSES, CATEGORY_KEYS, CATEGORY_NAMES
from votes import (
    anti_brushing,
    ballot_list,
    ballots,
    campaigns,
    clock,
    exports,
    live,
    nominations,
    objections,
    share,
    turnout,
)
from votes import queries as vote_queries
from votes.results import vote_counts, winners
from votes.schemas import (
    AnswerIn,
    CampaignIn,
    CandidateIn,
    CandidatePatch,
    NoticeIn,
    TieDecisionIn,
    VoidIn,
)
from web import unit_of_work
from web.downloads import file_name
from zones import queries as zone_queries

PHOTO_MAX = share.MAX_PHOTO_BYTES


def _campaign(campaign_id: int, *, lock: bool = False) -> Campaign:
    committee_or_404()
    return campaigns.managed_campaign(campaign_id, principal(), lock=lock)


def _when(name: str) -> str | None:
    """A datetime-local field as the API's ISO 8601 instant: a time without offset is China
    time. None when empty; what does not parse goes on as typed, for the schema to refuse."""
    raw = form_value(name)
    if not raw:
        return None
    try:
        value = datetime.fromisoformat(raw)
    except ValueError:
        return raw
    return (value if value.tzinfo else value.replace(tzinfo=SHANGHAI)).isoformat()


def _quotas(categories: list[str]) -> dict[str, str]:
    """名额 per category of the form (quota_<key>), for the campaign's categories only."""
    return {key: form_value(f"quota_{key}") for key in categories if form_value(f"quota_{key}")}


# What the campaign form says where the API's schema would say "required".
_CAMPAIGN_MESSAGES = {
    "title": "请填写评选名称",
    "categories": "至少选择一个类别",
}


def _campaign_form(campaign: Campaign | None) -> dict[str, Any]:
    """The create/edit form loaded through the API's CampaignIn: everything for a new or draft
    campaign; once voting has started only what the service lets change."""
    rules = {
        "hide_tallies": request.form.get("hide_tallies") == "on",
        "remind_non_voters": request.form.get("remind_non_voters") == "on",
    }
    data: dict[str, Any] = {
        "title": form_value("title"),
        "description": form_value("description"),
        "rules": rules,
        **given(ends_at=_when("ends_at"), notice_days=form_value("notice_days")),
    }
    if campaign is not None and campaign.status not in ("draft", "nominating"):
        data["quotas"] = _quotas(campaign.categories)
        return load_form(CampaignIn(), data, messages=_CAMPAIGN_MESSAGES, partial=("starts_at",))
    categories = request.form.getlist("categories")
    rules.update(
        per_candidate_per_day=form_value("per_candidate_per_day"),
        per_category_per_day=form_value("per_category_per_day"),
        revote_other_days=request.form.get("revote_other_days") == "on",
        allow_self_vote=request.form.get("allow_self_vote") == "on",
    )
    data.update(
        categories=categories,
        quotas=_quotas([c for c in categories if c in CATEGORY_KEYS]),
        weights={"votes": form_value("weight_votes"), "points": form_value("weight_points")},
        **given(starts_at=_when("starts_at")),
    )
    return load_form(CampaignIn(), data, messages=_CAMPAIGN_MESSAGES)


@bp.get("/campaigns")
def campaign_list():
    """Every campaign of the mine with filters, and the form that creates one."""
    committee_or_404()
    status = arg_str("status", 16, CAMPAIGN_STATUSES)
    q = arg_str("q")
    page = paginate(
        vote_queries.campaign_list(principal(), status, q),
        {"starts_at": Campaign.starts_at, "ends_at": Campaign.ends_at, "title": Campaign.title},
        "starts_at",
        tiebreak=Campaign.id,
    )
    ballots_by = vote_queries.valid_ballots([c.id for c in page.items])
    now = clock.now().astimezone(SHANGHAI)
    return render_template(
        "campaigns/list.html",
        page=page,
        status=status,
        q=q,
        statuses=CAMPAIGN_STATUSES,
        categories=CATEGORY_NAMES,
        ballots_by=ballots_by,
        default_start=now.strftime("%Y-%m-%dT%H:%M"),
        default_end=(now + timedelta(days=14)).strftime("%Y-%m-%dT%H:%M"),
        quotas={},
    )


@bp.post("/campaigns")
def campaign_create():
    """Create a draft campaign, then open its page."""
    committee_or_404()
    campaign = campaigns.create_campaign(principal(), _campaign_form(None))
    unit_of_work.flush()
    return done(
        f"已创建评选「{campaign.title}」（草稿）",
        to=url_for("console.campaign_page", campaign_id=campaign.id),
    )


def _board(campaign: Campaign) -> dict[str, list[dict[str, Any]]]:
    """Live counts per category: Redis tallies, or the database while Redis is away."""
    if campaign.status in ("draft", "nominating"):
        counts: dict[int, int] = {}
    else:
        try:
            if campaign.tallies_stale:
                live.rebuild(campaign.id)
            _, rows = live.board(campaign.id)
            counts = {r["candidate_id"]: r["votes"] for r in rows}
        except (live.RedisDown, live.RebuildBusy, *REDIS_UNAVAILABLE_ERRORS):
            counts = vote_counts(campaign.id)
    out: dict[str, list[dict[str, Any]]] = {k: [] for k in campaign.categories}
    for c in campaign.candidates:
        if c.withdrawn_at is not None:
            continue  # withdrawn (left the mine): no longer voted for or ranked
        out.setdefault(c.category, []).append(
            {"candidate_id": c.id, "name": c.person.name, "votes": counts.get(c.id, 0)}
        )
    for rows in out.values():
        rows.sort(key=lambda r: (-r["votes"], r["candidate_id"]))
    return out


def _board_context(campaign: Campaign) -> dict[str, Any]:
    """The leaderboard's rows per category, its charts and the total of valid votes."""
    board = _board(campaign)
    repairs = vote_queries.live_repairs(campaign.id)
    if repairs["last_at"] is not None:
        repairs["last_text"] = repairs["last_at"].astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M")
    return {
        "board": board,
        "board_charts": {
            key: charts.leaderboard(rows, CATEGORY_NAMES[key])
            for key, rows in board.items()
            if rows
        },
        "total_votes": sum(r["votes"] for rows in board.values() for r in rows),
        "repairs": repairs,
    }


@bp.get("/campaigns/<int:campaign_id>/board")
def campaign_board(campaign_id: int):
    """The live leaderboard section alone: the campaign page polls it while voting is open."""
    campaign = _campaign(campaign_id)
    return render_template("campaigns/board.html", campaign=campaign, **_board_context(campaign))


@bp.get("/campaigns/<int:campaign_id>")
def campaign_page(campaign_id: int):
    """One campaign: status and actions, settings, candidates, leaderboard, suspicious
    patterns and ballots."""
    campaign = _campaign(campaign_id)
    candidates = vote_queries.candidates_of(campaign.id)
    board = _board_context(campaign)
    hours = arg_int("hours", 24, 1, 24 * 90)
    since = clock.now() - timedelta(hours=hours)
    suspicious = {
        "bursts": anti_brushing.bursts(campaign.id, since, timedelta(minutes=10), 10),
        "fresh": anti_brushing.fresh_accounts(campaign.id, since, timedelta(hours=24), 3),
    }
    voided = arg_str("voided", 3, ("yes", "no"))
    candidate_id = arg_int("candidate_id")
    employee_no = arg_str("employee_no", 32)
    stmt = ballot_list.ballots_of(
        campaign.id,
        candidate_id=candidate_id,
        voided={"yes": True, "no": False}.get(voided),
        employee_no=employee_no or None,
    )
    ballot_page = paginate(
        stmt, {"id": Ballot.id, "cast_at": Ballot.cast_at}, "id", rows=True, prefix="b_"
    )
    notice = campaign.status in ("notice", "published")
    shows_turnout = campaign.status not in ("draft", "nominating")
    turnout_now = turnout.turnout(campaign) if shows_turnout else None
    objection_rows = objections.objections_of_campaign(campaign) if notice else []
    # The safety supervisors' verified deeds of the campaign's year (issue 24 item 4).
    safety = zone_queries.safety_records(
        campaign.mine_id,
        [c.person_id for c in candidates if c.category == "safety"],
        datetime(campaign.starts_at.astimezone(SHANGHAI).year, 1, 1, tzinfo=SHANGHAI),
    )
    now = clock.now()
    return render_template(
        "campaigns/page.html",
        campaign=campaign,
        candidates=candidates,
        photos=candidate_photos(campaign, candidates),
        quotas=campaigns.quotas_of(campaign),
        results=campaign.results if notice else None,
        objections=objection_rows,
        open_objections=sum(1 for o in objection_rows if o["status"] == "open"),
        notice_running=campaign.status == "notice"
        and campaign.notice_ends_at is not None
        and now < campaign.notice_ends_at,
        publish_blocked=_blocker_text(campaign, now),
        safety=safety,
        **board,
        suspicious=suspicious,
        hours=hours,
        ballots=ballot_page,
        voided=voided,
        candidate_id=candidate_id,
        employee_no=employee_no,
        categories=CATEGORY_NAMES,
        live_edit=campaign.status not in ("draft", "nominating"),
        turnout=turnout_now,
        turnout_charts={
            "branches": charts.turnout_branches(turnout_now),
            "days": charts.turnout_days(turnout_now),
        }
        if turnout_now
        else None,
        nominations=vote_queries.nominations_of(campaign.id),
        nomination_counts=nominations.branch_counts(campaign),
        nomination_window_open=nominations.window_open(campaign),
    )


@bp.post("/campaigns/<int:campaign_id>/edit")
def campaign_edit(campaign_id: int):
    """Edit: anything while a draft; title, description, end, tally visibility, reminders,
    名额 and 公示天数 later; nothing from 公示 on (the service's rules and refusals)."""
    campaign = _campaign(campaign_id, lock=True)
    campaigns.update_campaign(campaign, principal(), _campaign_form(campaign))
    return done("评选设置已保存")


_ACTIONS = {
    "open": (campaigns.open_campaign, "投票已开始"),
    "close": (campaigns.close_campaign, "投票已结束"),
    "publish": (campaigns.publish_campaign, "评选结果已公布"),
}


@bp.post("/campaigns/<int:campaign_id>/<any(open, close, publish):action>")
def campaign_action(campaign_id: int, action: str):
    """Open, close or publish (the API's status changes, with their refusals: publishing waits
    for the end of 公示 and an answer to every objection)."""
    campaign = _campaign(campaign_id, lock=True)
    service, message = _ACTIONS[action]
    service(campaign, principal())
    unit_of_work.flush()
    return done(f"「{campaign.title}」{message}")


def _blocker_text(campaign: Campaign, now: Any) -> str | None:
    """Why 公布结果 is greyed out (the words publishing would answer), during 公示 only."""
    if campaign.status != "notice":
        return None
    blocker = campaigns.publish_blocker(campaign, now)
    return None if blocker is None else message_of(blocker)


@bp.post("/campaigns/<int:campaign_id>/notice")
def campaign_notice(campaign_id: int):
    """Start 公示 after close, for the days given (default the campaign's): the results are
    frozen and the provisional winners shown to every bound employee of the mine."""
    campaign = _campaign(campaign_id, lock=True)
    data = load_form(NoticeIn(), given(days=form_value("days")))
    campaigns.start_notice(campaign, principal(), data.get("days"))
    unit_of_work.flush()
    ends = campaign.notice_ends_at.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M")
    return done(f"「{campaign.title}」已开始公示 {campaign.notice_days} 天，至 {ends}")


@bp.post("/campaigns/<int:campaign_id>/tie")
def campaign_tie(campaign_id: int):
    """Decide a tie at the 名额 boundary during 公示 (tie rule "committee"), with a reason."""
    campaign = _campaign(campaign_id, lock=True)
    data = load_form(
        TieDecisionIn(),
        given(
            category=form_value("category"),
            candidate_ids=request.form.getlist("candidate_ids"),
            reason=form_value("reason"),
        ),
    )
    campaigns.decide_tie(
        campaign, principal(), data["category"], data["candidate_ids"], data["reason"]
    )
    unit_of_work.flush()
    return done(f"已决定{CATEGORY_NAMES[data['category']]}的并列名次")


@bp.get("/objections/<int:objection_id>")
def objection_drawer(objection_id: int):
    """One objection in the drawer: who lodged it (committee only), the reason, and the answer
    form while 公示 runs."""
    committee_or_404()
    objection = objections.objection_for_committee(objection_id, principal())
    campaign = vote_queries.campaign(objection.campaign_id)
    return render_template(
        "campaigns/objection_drawer.html", objection=objection, campaign=campaign
    )


@bp.post("/objections/<int:objection_id>/answer")
def objection_answer(objection_id: int):
    """Answer an objection: 成立 removes that winner (the next candidate moves up), 不成立
    keeps them; a reason either way, which the objector is told."""
    committee_or_404()
    data = load_form(
        AnswerIn(),
        # The radio's "1"/"0" as the API's boolean (the schema takes true/false only).
        given(
            upheld={"1": True, "0": False}.get(request.form.get("upheld", ""), ""),
            reason=form_value("reason"),
        ),
        messages={"upheld": "请选择异议是否成立", "reason": "请填写答复理由（至少 2 个字）"},
    )
    objection = objections.objection_for_committee(objection_id, principal())
    campaign = vote_queries.campaign(objection.campaign_id)
    before = {w["candidate_id"] for w in winners(campaign.results)}
    objection = objections.answer_objection(
        objection_id, principal(), data["upheld"], data["reason"]
    )
    unit_of_work.flush()
    name = objection.candidate.person.name
    if objection.status != "upheld":
        return done(f"已答复：对 {name} 的异议不成立")
    moved_up = [w["name"] for w in winners(campaign.results) if w["candidate_id"] not in before]
    tail = f"，{'、'.join(moved_up)} 递补" if moved_up else ""
    return done(f"已答复：对 {name} 的异议成立，{name} 不再列入拟表彰名单{tail}")


@bp.get("/campaigns/<int:campaign_id>/party-members")
def campaign_people(campaign_id: int):
    """Party members of the mine matching ?q=, as <option>s for the candidate picker."""
    campaign = _campaign(campaign_id)
    q = (arg_str("employee_no") or arg_str("q")).split(" ")[0]
    people = vote_queries.party_members(campaign.mine_id, q)
    return render_template("campaigns/people_options.html", people=people)


def candidate_photos(campaign: Campaign, candidates: list[Candidate]) -> dict[int, Any]:
    """Each candidate's photo upload with its image-check status: the current photo, or the
    last one set if WeChat's check (or a person) withdrew it (the audit names every photo)."""
    names = vote_queries.audited_photos(campaign.id)
    for c in candidates:
        if c.photo:
            names[c.id] = c.photo
    uploads = share.photo_uploads(sorted(set(names.values())))
    out: dict[int, Any] = {}
    for c in candidates:
        upload = uploads.get(names.get(c.id, ""))
        if c.photo or (upload is not None and upload.check_status == "risky"):
            out[c.id] = {"name": names[c.id], "upload": upload}
    return out


def _photo(campaign: Campaign, candidate: Candidate) -> None:
    """Store the form's photo for a candidate, if one was chosen (checked like the API's)."""
    photo = request.files.get("photo")
    if photo is not None and photo.filename:
        candidate.photo = share.save_photo(photo.read(PHOTO_MAX + 1), principal().person_id)
        campaigns.audit(
            campaign, principal(), "photo", {"candidate_id": candidate.id, "photo": candidate.photo}
        )


@bp.post("/campaigns/<int:campaign_id>/candidates")
def candidate_add(campaign_id: int):
    """Nominate a party member (picked from the roster) with their story, and a photo."""
    campaign = _campaign(campaign_id, lock=True)
    data = load_form(
        CandidateIn(),
        {
            # the picker's option reads "工号 姓名"
            "employee_no": form_value("employee_no").split(" ")[0],
            "category": request.form.get("category") or "",
            "story": form_value("story"),
        },
    )
    category = data["category"]
    candidate = campaigns.add_candidate(
        campaign, principal(), data["employee_no"], category, data["story"]
    )
    _photo(campaign, candidate)
    unit_of_work.flush()
    return done(f"已添加候选人 {candidate.person.name}（{CATEGORY_NAMES.get(category, category)}）")


@bp.post("/campaigns/<int:campaign_id>/candidates/<int:candidate_id>")
def candidate_edit(campaign_id: int, candidate_id: int):
    """Edit a candidate's story and (optionally) replace the photo."""
    campaign = _campaign(campaign_id)
    candidate = campaigns.campaign_candidate(campaign, candidate_id)
    data = load_form(CandidatePatch(), {"story": form_value("story")})
    campaigns.update_candidate(campaign, candidate, principal(), data["story"])
    _photo(campaign, candidate)
    unit_of_work.flush()
    return done(f"已保存候选人 {candidate.person.name} 的事迹")


@bp.post("/campaigns/<int:campaign_id>/candidates/<int:candidate_id>/remove")
def candidate_remove(campaign_id: int, candidate_id: int):
    """Withdraw a candidate (drafts only)."""
    campaign = _campaign(campaign_id, lock=True)
    candidate = campaigns.campaign_candidate(campaign, candidate_id)
    name = candidate.person.name
    campaigns.remove_candidate(campaign, candidate, principal())
    return done(f"已移除候选人 {name}")


@bp.post("/ballots/<int:ballot_id>/void")
def ballot_void(ballot_id: int):
    """Void a ballot with a reason; it stays on record and leaves the tallies."""
    committee_or_404()
    data = load_form(
        VoidIn(),
        {"reason": form_value("reason")},
        messages={"reason": "请填写作废原因（至少 2 个字）"},
    )
    ballot = ballots.void_ballot(ballot_id, data["reason"], principal())
    return done(f"选票 #{ballot.id} 已作废")


@bp.get("/campaigns/<int:campaign_id>/export.xlsx")
def campaign_export(campaign_id: int):
    """Results and every ballot as a workbook."""
    campaign = _campaign(campaign_id)
    return xlsx(
        exports.campaign_workbook(campaign),
        file_name("campaign", (campaign.title, campaign.id)),
    )


@bp.get("/ballots/<int:ballot_id>/void")
def ballot_void_form(ballot_id: int):
    """The void form for one ballot, in the drawer."""
    committee_or_404()
    ballot = ballots.ballot_for_committee(ballot_id, principal())
    return render_template("campaigns/void_drawer.html", ballot=ballot)
