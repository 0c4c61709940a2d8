"""三会一课: the meeting calendar of the caller's branches with attendance counts, scheduling,
one meeting's attendance (marks, leave, minutes, close), the sign-in code page the room
shows (it refreshes itself), attendance rates and the committee's view of each branch's
required meetings; pledges (承诺践诺) and deeds (我为职工办实事); the ledgers as .xlsx.
Everything goes through meetings/ with the caller's principal: a page shows and does what the
caller's API calls would."""

from __future__ import annotations

from datetime import datetime

import segno
from flask import render_template, request, url_for
from markupsafe import Markup

from clock import SHANGHAI, local_day
from console.auth import committee_or_404, done, is_htmx, managed_branches, principal
from console.blueprint import bp
from console.tables import arg_int, arg_str, form_value, given, load_form
from console.views.branch import xlsx
from domain_errors import InvalidInput, NotFound
from inputs import MAX_ID
from meetings import codes, deeds, exports, pledges, queries, services
from meetings.schemas import DeedIn, MeetingIn, PledgeReviewIn
from models import DEED_STATUSES, MEETING_KINDS, PLEDGE_VERDICTS, utcnow
from points.ledger import parse_period
from web import unit_of_work
from web.downloads import file_name


def _period():
    """?period= (YYYY, YYYY-Qn, YYYY-MM): this quarter by default."""
    raw = arg_str("period", 8)
    if not raw:
        now = utcnow().astimezone(SHANGHAI)
        raw = f"{now.year}-Q{(now.month - 1) // 3 + 1}"
    return parse_period(raw)


def _id(value: int) -> int:
    if not 0 < value <= MAX_ID:
        raise NotFound("页面不存在或无权查看")
    return value


def _local(name: str) -> str | None:
    """A datetime-local form value as an ISO time with the Shanghai offset (the API's form)."""
    raw = form_value(name)
    if not raw:
        return None
    try:
        return datetime.fromisoformat(raw).replace(tzinfo=SHANGHAI).isoformat()
    except ValueError:
        return raw  # for the schema to refuse


@bp.get("/meetings")
def meetings_home():
    p = principal()
    p.require("secretary", "committee")
    period = _period()
    branch_id = arg_int("branch_id")
    rows = queries.calendar(p, period, branch_id)
    counts = queries.counts([m.id for m in rows])
    mine_id = p.person.mine_id
    scope = branch_id
    if mine_id not in p.committee_of:
        scope = branch_id if branch_id in p.secretary_of else (p.secretary_of or [-1])[0]
    branch_rates, member_rates, people = queries.attendance_rates(mine_id, period, scope)
    compliance = queries.compliance(mine_id, period) if mine_id in p.committee_of else None
    branches = managed_branches()
    return render_template(
        "meetings/home.html",
        period=period,
        rows=rows,
        counts=counts,
        branches=branches,
        branch_names={b.id: b.name for b in branches},
        branch_id=branch_id,
        kinds=MEETING_KINDS,
        branch_rates=branch_rates,
        member_rates=sorted(member_rates.items(), key=lambda kv: (kv[1].rate or 0, kv[0])),
        people=people,
        compliance=compliance,
    )


@bp.post("/meetings")
def meetings_schedule():
    data = load_form(
        MeetingIn(),
        given(
            branch_id=form_value("branch_id"),
            kind=form_value("kind"),
            topic=form_value("topic"),
            place=form_value("place"),
            starts_at=_local("starts_at"),
            ends_at=_local("ends_at"),
        ),
    )
    meeting = services.schedule(
        principal(),
        data["branch_id"],
        data["kind"],
        data["topic"],
        data["place"],
        data["starts_at"],
        data["ends_at"],
    )
    unit_of_work.flush()
    return done(
        f"已安排「{meeting.topic}」，已通知应到党员",
        to=url_for("console.meeting_page", meeting_id=meeting.id),
    )


@bp.get("/meetings/register.xlsx")
def meetings_register():
    p = principal()
    p.require("secretary", "committee")
    period = _period()
    data = exports.meeting_register(queries.calendar(p, period, arg_int("branch_id")))
    return xlsx(data, file_name("meetings", period.key))


@bp.get("/meetings/<int:meeting_id>")
def meeting_page(meeting_id: int):
    meeting = services.managed(principal(), _id(meeting_id))
    return render_template(
        "meetings/meeting.html",
        m=meeting,
        rows=queries.attendance_of(meeting.id),
        photos=queries.photos_of(meeting.id),
        me_id=principal().person_id,
    )


@bp.get("/meetings/<int:meeting_id>/code")
def meeting_code(meeting_id: int):
    """The page shown in the room: the code, refreshed by htmx every few seconds."""
    meeting = services.managed(principal(), _id(meeting_id))
    code, turns_at = services.current_code(principal(), meeting.id)
    template = "meetings/code_frag.html" if is_htmx() else "meetings/code.html"
    present = sum(1 for a in queries.attendance_of(meeting.id) if a.status == "present")
    # Scanned in the room by the mini-program; the digits beside it for whoever types them.
    qr = segno.make(codes.payload(meeting.id, code), error="m").svg_inline(
        scale=10, border=2, title="签到二维码"
    )
    return render_template(
        template, m=meeting, code=code, turns_at=turns_at, present=present, qr=Markup(qr)
    )


@bp.post("/meetings/<int:meeting_id>/present/<int:person_id>")
def meeting_mark(meeting_id: int, person_id: int):
    row = services.mark_present(principal(), _id(meeting_id), _id(person_id), form_value("note"))
    return done(f"已为 {row.person.name} 补记到会")


@bp.post("/meetings/<int:meeting_id>/leave/<int:person_id>")
def meeting_leave_decide(meeting_id: int, person_id: int):
    decision = request.form.get("decision")
    if decision not in ("approve", "reject"):
        raise InvalidInput(errors={"decision": ["请选择批准或不批准"]})
    row = services.decide_leave(principal(), _id(meeting_id), _id(person_id), decision == "approve")
    return done(f"{row.person.name} 的请假{'已批准' if decision == 'approve' else '未批准'}")


@bp.post("/meetings/<int:meeting_id>/minutes")
def meeting_minutes(meeting_id: int):
    services.record_minutes(principal(), _id(meeting_id), request.form.get("minutes") or "", [])
    return done("会议记录已保存")


@bp.post("/meetings/<int:meeting_id>/close")
def meeting_close(meeting_id: int):
    meeting = services.close(principal(), _id(meeting_id))
    return done(f"「{meeting.topic}」已结束，出勤与缺席已按积分细则记分")


@bp.post("/meetings/<int:meeting_id>/cancel")
def meeting_cancel(meeting_id: int):
    meeting = services.cancel(principal(), _id(meeting_id))
    return done(f"「{meeting.topic}」已取消")


# --- 承诺践诺 -------------------------------------------------------------------------------------


def _year() -> int:
    return arg_int("year", local_day(utcnow()).year, 2000, 2100)


@bp.get("/pledges")
def pledges_home():
    year = _year()
    rows = pledges.listed(principal(), year, arg_int("branch_id"))
    return render_template("meetings/pledges.html", year=year, rows=rows, verdicts=PLEDGE_VERDICTS)


@bp.get("/pledges.xlsx")
def pledges_export():
    year = _year()
    data = exports.pledge_ledger(pledges.listed(principal(), year, arg_int("branch_id")))
    return xlsx(data, file_name("pledges", year))


@bp.post("/pledges/<int:pledge_id>/review")
def pledge_review(pledge_id: int):
    data = load_form(
        PledgeReviewIn(),
        given(stage=form_value("stage"), verdict=form_value("verdict"), note=form_value("note")),
    )
    pledge = pledges.review(
        principal(), _id(pledge_id), data["stage"], data["verdict"], data.get("note")
    )
    return done(f"已评议 {pledge.person.name} 的承诺，积分已按细则记入")


# --- 我为职工办实事 -----------------------------------------------------------------------------


@bp.get("/deeds")
def deeds_home():
    rows = deeds.listed(principal(), arg_int("branch_id"))
    branches = managed_branches()
    return render_template(
        "meetings/deeds.html",
        rows=rows,
        branches=branches,
        branch_names={b.id: b.name for b in branches},
        statuses=DEED_STATUSES,
    )


@bp.post("/deeds")
def deeds_record():
    data = load_form(
        DeedIn(),
        given(
            branch_id=form_value("branch_id"),
            title=form_value("title"),
            beneficiary=form_value("beneficiary"),
            status=form_value("status"),
            wish_id=form_value("wish_id"),
        ),
    )
    deed = deeds.record(
        principal(),
        data["branch_id"],
        data["title"],
        data["beneficiary"],
        data["status"],
        data["wish_id"],
        data["doer_id"],
    )
    unit_of_work.flush()
    return done(f"已记录实事「{deed.title}」")


@bp.post("/deeds/<int:deed_id>/status")
def deed_status(deed_id: int):
    status = form_value("status")
    if status not in DEED_STATUSES:
        raise InvalidInput(errors={"status": ["请选择状态"]})
    deed = deeds.set_status(principal(), _id(deed_id), status)
    return done(f"「{deed.title}」已更新")


@bp.get("/meetings/compliance")
def meetings_compliance():
    """The committee's table alone (also part of the calendar page)."""
    mine_id = committee_or_404()
    period = _period()
    return render_template(
        "meetings/compliance.html", period=period, compliance=queries.compliance(mine_id, period)
    )
