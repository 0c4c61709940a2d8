"""三会一课 and 主题党日 over HTTP: schedule, the rotating sign-in code, sign-in, marks, leave,
minutes and photos, close (the rulebook's points), attendance rates and each branch's
required meetings; pledges (承诺践诺), deeds (我为职工办实事) and the yearly ratings."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask import current_app
from flask.views import MethodView
from flask_smorest import Blueprint

from meetings import codes, deeds, pledges, queries, ratings, services
from meetings.schemas import (
    CalendarQuery,
    DeedIn,
    DeedsQuery,
    DeedStatusIn,
    LeaveDecideIn,
    LeaveIn,
    MarkIn,
    MeetingIn,
    MinutesIn,
    PledgeIn,
    PledgeReviewIn,
    PledgesQuery,
    RatingDecideIn,
    SignInIn,
    YearIn,
)
from miniapp_api.attempts import AttemptLimit, account_key, limited
from miniapp_api.auth import current_principal, login_required
from miniapp_api.wishes_api import photo_url
from models import (
    ATTENDANCE_STATUSES,
    DEED_STATUSES,
    MEETING_KIND_NAMES,
    MEETING_KINDS,
    MEETING_STATUSES,
    PLEDGE_VERDICTS,
    RATING_KINDS,
    RATING_STATUSES,
    Attendance,
    Meeting,
    Upload,
    db,
    utcnow,
)
from points.ledger import parse_period
from points.schemas import YearQuery
from web import unit_of_work

blp = Blueprint(
    "meetings",
    __name__,
    url_prefix="/api/v1",
    description="三会一课、承诺践诺、为职工办实事、评星定级",
)


# -- answers ----------------------------------------------------------------------------------


class CountsOut(ma.Schema):
    expected = ma.fields.Integer(required=True)
    present = ma.fields.Integer(required=True)
    leave_pending = ma.fields.Integer(required=True)
    leave = ma.fields.Integer(required=True)
    absent = ma.fields.Integer(required=True)


class MeetingOut(ma.Schema):
    id = ma.fields.Integer(required=True)
    branch_id = ma.fields.Integer(required=True)
    kind = ma.fields.String(required=True, validate=ma.validate.OneOf(MEETING_KINDS))
    kind_name = ma.fields.String(required=True)
    topic = ma.fields.String(required=True)
    place = ma.fields.String(required=True)
    starts_at = ma.fields.DateTime(required=True)
    ends_at = ma.fields.DateTime(required=True)
    unit_id = ma.fields.Integer(allow_none=True, required=True)
    status = ma.fields.String(required=True, validate=ma.validate.OneOf(MEETING_STATUSES))
    counts = ma.fields.Nested(CountsOut, required=True)


class AttendanceOut(ma.Schema):
    person_id = ma.fields.Integer(required=True)
    name = ma.fields.String(required=True)
    status = ma.fields.String(required=True, validate=ma.validate.OneOf(ATTENDANCE_STATUSES))
    signed_at = ma.fields.DateTime(allow_none=True, required=True)
    method = ma.fields.String(allow_none=True, required=True)
    note = ma.fields.String(allow_none=True, required=True)
    leave_reason = ma.fields.String(allow_none=True, required=True)


class MeetingPhotoOut(ma.Schema):
    id = ma.fields.Integer(required=True)
    url = ma.fields.String(required=True)


class MeetingDetail(MeetingOut):
    minutes = ma.fields.String(allow_none=True, required=True)
    photos = ma.fields.List(ma.fields.Nested(MeetingPhotoOut), required=True)
    mine = ma.fields.Nested(
        AttendanceOut, allow_none=True, required=True, metadata={"description": "我的出勤"}
    )
    attendance = ma.fields.List(
        ma.fields.Nested(AttendanceOut),
        required=True,
        metadata={"description": "全部应到人员（仅书记、党委可见，其他人为空）"},
    )


class MyMeetingOut(MeetingOut):
    my_status = ma.fields.String(required=True, validate=ma.validate.OneOf(ATTENDANCE_STATUSES))


class CodeOut(ma.Schema):
    code = ma.fields.String(required=True)
    turns_at = ma.fields.DateTime(required=True)
    payload = ma.fields.String(
        required=True, metadata={"description": "二维码内容：meeting:<id>:<code>"}
    )


class SignInOut(ma.Schema):
    status = ma.fields.String(required=True)
    signed_at = ma.fields.DateTime(required=True)
    already = ma.fields.Boolean(required=True, metadata={"description": "此前已签到"})


class RateOut(ma.Schema):
    present = ma.fields.Integer(required=True)
    absent = ma.fields.Integer(required=True)
    leave = ma.fields.Integer(required=True)
    rate = ma.fields.Float(allow_none=True, required=True)


class BranchRateOut(RateOut):
    branch_id = ma.fields.Integer(required=True)


class MemberRateOut(RateOut):
    person_id = ma.fields.Integer(required=True)
    name = ma.fields.String(required=True)
    branch_id = ma.fields.Integer(allow_none=True, required=True)


class AttendanceReportOut(ma.Schema):
    period = ma.fields.String(required=True)
    branches = ma.fields.List(ma.fields.Nested(BranchRateOut), required=True)
    members = ma.fields.List(ma.fields.Nested(MemberRateOut), required=True)


class KindHeldOut(ma.Schema):
    kind = ma.fields.String(required=True)
    held = ma.fields.Integer(required=True)
    required = ma.fields.Integer(required=True)
    ok = ma.fields.Boolean(required=True)


class MeetingComplianceOut(ma.Schema):
    branch_id = ma.fields.Integer(required=True)
    branch = ma.fields.String(required=True)
    kinds = ma.fields.List(ma.fields.Nested(KindHeldOut), required=True)
    ok = ma.fields.Boolean(required=True)


class PledgeOut(ma.Schema):
    id = ma.fields.Integer(required=True)
    person_id = ma.fields.Integer(required=True)
    name = ma.fields.Function(lambda p: p.person.name, required=True, metadata={"type": "string"})
    year = ma.fields.Integer(required=True)
    items = ma.fields.List(ma.fields.String(), required=True)
    submitted_at = ma.fields.DateTime(required=True)
    mid_verdict = ma.fields.String(
        allow_none=True, required=True, validate=ma.validate.OneOf(PLEDGE_VERDICTS)
    )
    mid_note = ma.fields.String(allow_none=True, required=True)
    end_verdict = ma.fields.String(
        allow_none=True, required=True, validate=ma.validate.OneOf(PLEDGE_VERDICTS)
    )
    end_note = ma.fields.String(allow_none=True, required=True)


class DeedOut(ma.Schema):
    id = ma.fields.Integer(required=True)
    branch_id = ma.fields.Integer(required=True)
    title = ma.fields.String(required=True)
    beneficiary = ma.fields.String(required=True)
    status = ma.fields.String(required=True, validate=ma.validate.OneOf(DEED_STATUSES))
    wish_id = ma.fields.Integer(allow_none=True, required=True)
    doer_id = ma.fields.Integer(allow_none=True, required=True)
    created_at = ma.fields.DateTime(required=True)
    done_at = ma.fields.DateTime(allow_none=True, required=True)


class RatingOut(ma.Schema):
    id = ma.fields.Integer(required=True)
    year = ma.fields.Integer(required=True)
    kind = ma.fields.String(required=True, validate=ma.validate.OneOf(RATING_KINDS))
    subject_id = ma.fields.Integer(required=True)
    score = ma.fields.Integer(required=True)
    status = ma.fields.String(required=True, validate=ma.validate.OneOf(RATING_STATUSES))
    decided_at = ma.fields.DateTime(allow_none=True, required=True)


# -- helpers ------------------------------------------------------------------------------------


def meeting_out(m: Meeting, counts: dict[str, int] | None = None) -> dict[str, Any]:
    if counts is None:
        counts = queries.counts([m.id]).get(m.id, {})
    return {
        "id": m.id,
        "branch_id": m.branch_id,
        "kind": m.kind,
        "kind_name": MEETING_KIND_NAMES[m.kind],
        "topic": m.topic,
        "place": m.place,
        "starts_at": m.starts_at,
        "ends_at": m.ends_at,
        "unit_id": m.unit_id,
        "status": m.status,
        "counts": {s: int(counts.get(s, 0)) for s in ATTENDANCE_STATUSES},
    }


def attendance_out(a: Attendance) -> dict[str, Any]:
    return {
        "person_id": a.person_id,
        "name": a.person.name,
        "status": a.status,
        "signed_at": a.signed_at,
        "method": a.method,
        "note": a.note,
        "leave_reason": a.leave_reason,
    }


def detail_out(meeting_id: int) -> dict[str, Any]:
    meeting, manages, mine = queries.visible(current_principal(), meeting_id)
    uploads = [db.session.get(Upload, i) for i in queries.photos_of(meeting.id)]
    return {
        **meeting_out(meeting),
        "minutes": meeting.minutes,
        "photos": [{"id": u.id, "url": photo_url(u)} for u in uploads if u is not None],
        "mine": attendance_out(mine) if mine is not None else None,
        "attendance": [attendance_out(a) for a in queries.attendance_of(meeting.id)]
        if manages
        else [],
    }


# -- meetings -----------------------------------------------------------------------------------


@blp.route("/meetings")
class MeetingsView(MethodView):
    @blp.arguments(MeetingIn)
    @blp.response(201, MeetingDetail)
    @login_required("secretary", "committee")
    def post(self, data: dict[str, Any]):
        """Schedule a meeting of a branch the caller manages; the required attendees are its
        party members (a 党小组会 with `unit_id`: that unit's), each notified."""
        meeting = services.schedule(
            current_principal(),
            data["branch_id"],
            data["kind"],
            data["topic"],
            data["place"],
            data["starts_at"],
            data["ends_at"],
            data["unit_id"],
        )
        unit_of_work.flush()
        return detail_out(meeting.id)

    @blp.arguments(CalendarQuery, location="query")
    @blp.response(200, MeetingOut(many=True))
    @login_required("secretary", "committee")
    def get(self, query: dict[str, Any]):
        """The meeting calendar of the caller's branches (committee: the mine's) over a
        period, by start, with attendance counts."""
        period = parse_period(query.get("period"))
        rows = queries.calendar(current_principal(), period, query.get("branch_id"))
        counts = queries.counts([m.id for m in rows])
        return [meeting_out(m, counts.get(m.id, {})) for m in rows]


@blp.route("/meetings/mine")
class MyMeetingsView(MethodView):
    @blp.arguments(CalendarQuery, location="query")
    @blp.response(200, MyMeetingOut(many=True))
    @login_required()
    def get(self, query: dict[str, Any]):
        """The meetings I am required at over a period (default this year), newest first."""
        period = parse_period(query.get("period"))
        rows = queries.my_meetings(current_principal().person_id, period)
        counts = queries.counts([m.id for m, _ in rows])
        return [{**meeting_out(m, counts.get(m.id, {})), "my_status": a.status} for m, a in rows]


@blp.route("/meetings/<int:meeting_id>")
class MeetingView(MethodView):
    @blp.response(200, MeetingDetail)
    @login_required()
    def get(self, meeting_id: int):
        """A meeting: its managers see everyone's attendance, an attendee their own."""
        return detail_out(meeting_id)


@blp.route("/meetings/<int:meeting_id>/code")
class CodeView(MethodView):
    @blp.response(200, CodeOut)
    @login_required("secretary", "committee")
    def get(self, meeting_id: int):
        """The sign-in code to show in the room now (it changes every 30 s)."""
        code, turns_at = services.current_code(current_principal(), meeting_id)
        return {"code": code, "turns_at": turns_at, "payload": codes.payload(meeting_id, code)}


# A wrong code (422: invalid_code, code_expired or a malformed one) counts; without a cap a
# member could try the million six-digit codes until one of the room's two live codes matched.
SIGN_IN_FAILURES = AttemptLimit(
    "meeting-sign-in",
    lambda: current_app.config["SIGN_IN_FAILURE_LIMITS"],
    account_key,
    lambda status: status == 422,
)


@blp.route("/meetings/<int:meeting_id>/sign-in")
class SignInView(MethodView):
    @limited(SIGN_IN_FAILURES)
    @blp.arguments(SignInIn)
    @blp.response(200, SignInOut)
    @login_required()
    def post(self, data: dict[str, Any], meeting_id: int):
        """Sign in with the code shown in the room (current or previous 30-s step): 409
        meeting_over / meeting_not_started, 422 code_expired / invalid_code, 403
        not_an_attendee, 429 rate_limited after SIGN_IN_FAILURE_LIMITS wrong codes. Signing in
        twice is harmless."""
        row, new = services.sign_in(current_principal(), meeting_id, data["code"])
        return {"status": row.status, "signed_at": row.signed_at, "already": not new}


@blp.route("/meetings/<int:meeting_id>/attendance/<int:person_id>/present")
class MarkView(MethodView):
    @blp.arguments(MarkIn)
    @blp.response(200, AttendanceOut)
    @login_required("secretary", "committee")
    def post(self, data: dict[str, Any], meeting_id: int, person_id: int):
        """Mark an attendee present who cannot scan, with a note; never oneself (403
        own_attendance)."""
        row = services.mark_present(current_principal(), meeting_id, person_id, data["note"])
        return attendance_out(row)


@blp.route("/meetings/<int:meeting_id>/leave")
class LeaveView(MethodView):
    @blp.arguments(LeaveIn)
    @blp.response(200, AttendanceOut)
    @login_required()
    def post(self, data: dict[str, Any], meeting_id: int):
        """Ask for leave (请假) before the meeting starts (409 leave_too_late after)."""
        return attendance_out(
            services.request_leave(current_principal(), meeting_id, data["reason"])
        )


@blp.route("/meetings/<int:meeting_id>/leave/<int:person_id>/decide")
class LeaveDecideView(MethodView):
    @blp.arguments(LeaveDecideIn)
    @blp.response(200, AttendanceOut)
    @login_required("secretary", "committee")
    def post(self, data: dict[str, Any], meeting_id: int, person_id: int):
        """Approve or refuse a pending leave; never one's own (403 own_leave)."""
        row = services.decide_leave(current_principal(), meeting_id, person_id, data["approve"])
        return attendance_out(row)


@blp.route("/meetings/<int:meeting_id>/minutes")
class MinutesView(MethodView):
    @blp.arguments(MinutesIn)
    @blp.response(200, MeetingDetail)
    @login_required("secretary", "committee")
    def put(self, data: dict[str, Any], meeting_id: int):
        """Record the minutes (content-checked) and attach photos (own uploads)."""
        services.record_minutes(current_principal(), meeting_id, data["minutes"], data["photo_ids"])
        unit_of_work.flush()
        return detail_out(meeting_id)


@blp.route("/meetings/<int:meeting_id>/close")
class CloseView(MethodView):
    @blp.response(200, MeetingDetail)
    @login_required("secretary", "committee")
    def post(self, meeting_id: int):
        """Close a meeting that has started: the rest are absent; attendance and absence
        without leave reach the points ledger under the rulebook (409 meeting_closed twice)."""
        services.close(current_principal(), meeting_id)
        unit_of_work.flush()
        return detail_out(meeting_id)


@blp.route("/meetings/<int:meeting_id>/cancel")
class CancelView(MethodView):
    @blp.response(200, MeetingDetail)
    @login_required("secretary", "committee")
    def post(self, meeting_id: int):
        """Cancel a meeting not yet closed (no points either way)."""
        services.cancel(current_principal(), meeting_id)
        unit_of_work.flush()
        return detail_out(meeting_id)


@blp.route("/admin/meetings/attendance")
class AttendanceReportView(MethodView):
    @blp.arguments(CalendarQuery, location="query")
    @blp.response(200, AttendanceReportOut)
    @login_required("secretary", "committee")
    def get(self, query: dict[str, Any]):
        """Attendance rates per branch and member over a period (e.g. 2026-Q2), closed
        meetings only; approved leave counts neither way."""
        principal = current_principal()
        mine_id = principal.person.mine_id
        branch_id = query.get("branch_id")
        if mine_id not in principal.committee_of:
            if branch_id is None and principal.secretary_of:
                branch_id = principal.secretary_of[0]
            if branch_id not in principal.secretary_of:
                branch_id = -1
        period = parse_period(query.get("period"))
        branches, members, people = queries.attendance_rates(mine_id, period, branch_id)

        def rate(r) -> dict[str, Any]:
            return {"present": r.present, "absent": r.absent, "leave": r.leave, "rate": r.rate}

        return {
            "period": period.key,
            "branches": [{"branch_id": b, **rate(r)} for b, r in sorted(branches.items())],
            "members": [
                {
                    "person_id": pid,
                    "name": people[pid].name,
                    "branch_id": people[pid].branch_id,
                    **rate(r),
                }
                for pid, r in sorted(members.items())
                if pid in people
            ],
        }


@blp.route("/admin/meetings/compliance")
class ComplianceView(MethodView):
    @blp.arguments(CalendarQuery, location="query")
    @blp.response(200, MeetingComplianceOut(many=True))
    @login_required("committee")
    def get(self, query: dict[str, Any]):
        """Whether each branch held its required meetings over a period (the mine's
        requirements: GET /admin/rulebook/settings)."""
        period = parse_period(query.get("period"))
        return queries.compliance(current_principal().person.mine_id, period)


# -- pledges --------------------------------------------------------------------------------------


@blp.route("/pledges/mine")
class MyPledgeView(MethodView):
    @blp.arguments(YearQuery, location="query")
    @blp.response(200, PledgeOut(many=True))
    @login_required("member")
    def get(self, query: dict[str, Any]):
        """My pledge of a year (default this year): an empty list when none is made."""
        year = query.get("year") or int(parse_period(None).key)
        found = pledges.mine(current_principal().person_id, year)
        return [found] if found is not None else []

    @blp.arguments(PledgeIn)
    @blp.response(200, PledgeOut)
    @login_required("member")
    def put(self, data: dict[str, Any]):
        """Make or rewrite my pledge for a year (content-checked items), until it is reviewed
        (409 pledge_reviewed)."""
        pledge = pledges.submit(current_principal(), data["year"], data["items"])
        unit_of_work.flush()
        return pledge


@blp.route("/admin/pledges")
class PledgesView(MethodView):
    @blp.arguments(PledgesQuery, location="query")
    @blp.response(200, PledgeOut(many=True))
    @login_required("secretary", "committee")
    def get(self, query: dict[str, Any]):
        """The pledges of a year the caller reviews."""
        year = query.get("year") or int(parse_period(None).key)
        return pledges.listed(current_principal(), year, query.get("branch_id"))


@blp.route("/admin/pledges/<int:pledge_id>/review")
class ReviewView(MethodView):
    @blp.arguments(PledgeReviewIn)
    @blp.response(200, PledgeOut)
    @login_required("secretary", "committee")
    def post(self, data: dict[str, Any], pledge_id: int):
        """Review a pledge at mid-year or year end (kept / partly / not_kept), once per stage;
        the verdict's rule scores it. Never one's own (403 own_pledge)."""
        return pledges.review(
            current_principal(), pledge_id, data["stage"], data["verdict"], data["note"]
        )


# -- deeds ----------------------------------------------------------------------------------------


@blp.route("/admin/deeds")
class DeedsView(MethodView):
    @blp.arguments(DeedIn)
    @blp.response(201, DeedOut)
    @login_required("secretary", "committee")
    def post(self, data: dict[str, Any]):
        """Record a deed of a branch (我为职工办实事), optionally a fulfilled wish (422
        wish_not_fulfilled, 409 wish_already_linked)."""
        deed = deeds.record(
            current_principal(),
            data["branch_id"],
            data["title"],
            data["beneficiary"],
            data["status"],
            data["wish_id"],
            data["doer_id"],
        )
        unit_of_work.flush()
        return deed

    @blp.arguments(DeedsQuery, location="query")
    @blp.response(200, DeedOut(many=True))
    @login_required("secretary", "committee")
    def get(self, query: dict[str, Any]):
        """The deeds of the caller's branches (committee: the mine's), newest first."""
        return deeds.listed(current_principal(), query.get("branch_id"))


@blp.route("/admin/deeds/<int:deed_id>/status")
class DeedStatusView(MethodView):
    @blp.arguments(DeedStatusIn)
    @blp.response(200, DeedOut)
    @login_required("secretary", "committee")
    def post(self, data: dict[str, Any], deed_id: int):
        """Move a deed along; when done, its doer earns the rulebook's deed points."""
        return deeds.set_status(current_principal(), deed_id, data["status"])


# -- ratings --------------------------------------------------------------------------------------


@blp.route("/admin/ratings")
class RatingsView(MethodView):
    @blp.arguments(YearQuery, location="query")
    @blp.response(200, RatingOut(many=True))
    @login_required("secretary", "committee")
    def get(self, query: dict[str, Any]):
        """The year's 五型党员 / 五星党支部 ratings, proposed and decided."""
        year = query.get("year") or utcnow().year
        return ratings.listed(current_principal(), year)

    @blp.arguments(YearIn)
    @blp.response(200, RatingOut(many=True))
    @login_required("committee")
    def post(self, data: dict[str, Any]):
        """Propose the year's ratings from the rulebook's thresholds (decided ones stay)."""
        rows = ratings.propose(current_principal(), data["year"])
        unit_of_work.flush()
        return rows


@blp.route("/admin/ratings/<int:rating_id>/decide")
class RatingDecideView(MethodView):
    @blp.arguments(RatingDecideIn)
    @blp.response(200, RatingOut)
    @login_required("committee")
    def post(self, data: dict[str, Any], rating_id: int):
        """Confirm or reject a proposed rating (409 rating_decided once decided)."""
        return ratings.decide(current_principal(), rating_id, data["approve"])
