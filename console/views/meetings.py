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
from console import bulk, labels
from console.auth import committee_or_404, done, is_htmx, managed_branches, principal
from console.blueprint import bp
from console.exports import Column, export_table, when
from console.tables import (
    arg_int,
    arg_str,
    form_value,
    given,
    load_form,
    paginate_rows,
    wants_export,
)
from console.views.branch import xlsx
from domain_errors import InvalidInput, NotFound
from inputs import MAX_ID
from meetings import codes, deeds, exports, pledges, queries, services
from meetings.schemas import DeedIn, MeetingIn, PledgeReviewIn
from models import DEED_STATUSES, MEETING_KINDS, MEETING_STATUSES, PLEDGE_VERDICTS, utcnow
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


def _matches(text: str, *values: str | None) -> bool:
    return not text or any(text.lower() in (v or "").lower() for v in values)


def _calendar_rows(p, period) -> list:
    """The period's meetings the caller manages, as the calendar's filters cut them (branch,
    type, status, words of the topic or place)."""
    kind = arg_str("kind", 16, MEETING_KINDS)
    status = arg_str("status", 16, MEETING_STATUSES)
    q = arg_str("q", 32)
    rows = queries.calendar(p, period, arg_int("branch_id"))
    return [
        m
        for m in rows
        if (not kind or m.kind == kind)
        and (not status or m.status == status)
        and _matches(q, m.topic, m.place)
    ]


MEETING_SORTS = {
    "starts_at": lambda m: (m.starts_at, m.id),
    "kind": lambda m: (m.kind, m.starts_at, m.id),
    "status": lambda m: (m.status, m.starts_at, m.id),
}


@bp.get("/meetings")
def meetings_home():
    p = principal()
    p.require("secretary", "committee")
    period = _period()
    branch_id = arg_int("branch_id")
    page, rows = paginate_rows(_calendar_rows(p, period), MEETING_SORTS, "starts_at", "asc")
    if wants_export():
        return xlsx(exports.meeting_register(rows), file_name("meetings", period.key))
    counts = queries.counts([m.id for m in page.items])
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
        page=page,
        counts=counts,
        branches=branches,
        branch_names={b.id: b.name for b in branches},
        branch_id=branch_id,
        kinds=MEETING_KINDS,
        statuses=MEETING_STATUSES,
        kind=arg_str("kind", 16, MEETING_KINDS),
        status=arg_str("status", 16, MEETING_STATUSES),
        q=arg_str("q", 32),
        filtered=bool(
            branch_id or request.args.get("kind") or request.args.get("status") or arg_str("q", 32)
        ),
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
    _, rows = paginate_rows(_calendar_rows(p, period), MEETING_SORTS, "starts_at", "asc")
    return xlsx(exports.meeting_register(rows), file_name("meetings", period.key))


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


@bp.post("/meetings/<int:meeting_id>/leave")
def meeting_leave_bulk(meeting_id: int):
    """批量批准 / 批量不批准 the ticked requests for leave (`ids`: the people), each on its own:
    one already decided, or the caller's own, is reported and the others still go through."""
    decision = request.form.get("decision")
    if decision not in ("approve", "reject"):
        raise InvalidInput(errors={"decision": ["请选择批准或不批准"]})
    meeting_id = _id(meeting_id)
    approve = decision == "approve"

    def act(person_id: int) -> str:
        row = services.decide_leave(principal(), meeting_id, person_id, approve)
        return row.person.name

    outcomes = bulk.each(bulk.selected_ids(), act)
    return bulk.report("批准请假" if approve else "不批准请假", outcomes)


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


PLEDGE_STATES = {"mid": "待年中评议", "end": "待年终评议", "done": "已完成评议"}
PLEDGE_SORTS = {
    "employee_no": lambda p: p.person.employee_no,
    "name": lambda p: p.person.name,
}


def _pledge_rows(year: int) -> list:
    """The year's pledges as the filters cut them (branch, review state, a name or 工号)."""
    state = arg_str("state", 4, tuple(PLEDGE_STATES))
    q = arg_str("q", 32)
    rows = pledges.listed(principal(), year, arg_int("branch_id"))
    if state == "mid":
        rows = [p for p in rows if not p.mid_verdict]
    elif state == "end":
        rows = [p for p in rows if not p.end_verdict]
    elif state == "done":
        rows = [p for p in rows if p.mid_verdict and p.end_verdict]
    return [p for p in rows if _matches(q, p.person.name, p.person.employee_no)]


@bp.get("/pledges")
def pledges_home():
    year = _year()
    page, rows = paginate_rows(_pledge_rows(year), PLEDGE_SORTS, "employee_no", "asc")
    if wants_export():
        return xlsx(exports.pledge_ledger(rows), file_name("pledges", year))
    return render_template(
        "meetings/pledges.html",
        year=year,
        page=page,
        verdicts=PLEDGE_VERDICTS,
        branches=managed_branches(),
        branch_id=arg_int("branch_id"),
        states=PLEDGE_STATES,
        state=arg_str("state", 4, tuple(PLEDGE_STATES)),
        q=arg_str("q", 32),
    )


@bp.get("/pledges.xlsx")
def pledges_export():
    year = _year()
    _, rows = paginate_rows(_pledge_rows(year), PLEDGE_SORTS, "employee_no", "asc")
    return xlsx(exports.pledge_ledger(rows), file_name("pledges", year))


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


DEED_SORTS = {
    "created_at": lambda d: (d.created_at, d.id),
    "done_at": lambda d: (d.done_at, d.id) if d.done_at else None,
}


def _deed_columns(branch_names: dict[int, str]) -> list[Column]:
    return [
        Column("支部", lambda d: branch_names.get(d.branch_id, ""), 22),
        Column("实事", lambda d: d.title, 40),
        Column("服务对象", lambda d: d.beneficiary, 16),
        Column("关联心愿", lambda d: f"#{d.wish_id}" if d.wish_id else "", 10),
        Column("状态", lambda d: labels.label(d.status, "deed_status"), 10),
        Column("登记时间", lambda d: when(d.created_at), 18),
        Column("办结时间", lambda d: when(d.done_at), 18),
    ]


@bp.get("/deeds")
def deeds_home():
    branches = managed_branches()
    branch_names = {b.id: b.name for b in branches}
    status = arg_str("status", 16, DEED_STATUSES)
    q = arg_str("q", 32)
    rows = [
        d
        for d in deeds.listed(principal(), arg_int("branch_id"))
        if (not status or d.status == status) and _matches(q, d.title, d.beneficiary)
    ]
    page, rows = paginate_rows(rows, DEED_SORTS, "created_at")
    if wants_export():
        bid = arg_int("branch_id")
        name = file_name("deeds", (branch_names[bid], bid) if bid in branch_names else None)
        return export_table(name, "实事清单", _deed_columns(branch_names), rows)
    return render_template(
        "meetings/deeds.html",
        page=page,
        branches=branches,
        branch_names=branch_names,
        branch_id=arg_int("branch_id"),
        statuses=DEED_STATUSES,
        status=status,
        q=q,
        filtered=bool(arg_int("branch_id") or status or q),
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
