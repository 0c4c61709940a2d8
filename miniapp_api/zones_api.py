"""党员责任区: zones, placards, patrols, hidden dangers (隐患) and 三违 stops over HTTP."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask import Response, current_app
from flask.views import MethodView
from flask_smorest import Blueprint

from clock import local_day
from miniapp_api.auth import current_principal, login_required
from miniapp_api.pagination import page_of
from miniapp_api.wishes_api import photo_url
from models import DANGER_LEVELS, DANGER_STATUSES, VIOLATION_KINDS, Upload, Zone, db, utcnow
from web import unit_of_work
from zones import dangers, placard, portraits, queries, services
from zones.schemas import (
    AssignIn,
    DangerIn,
    DangersQuery,
    FixIn,
    MemberPhotoIn,
    MyDangersQuery,
    PatrolIn,
    VerifyIn,
    ViolationIn,
    WeekQuery,
    ZoneIn,
    ZonePatch,
)

blp = Blueprint("zones", __name__, url_prefix="/api/v1", description="党员责任区、巡查、隐患与三违")


# -- answers ----------------------------------------------------------------------------------


class ZonePersonRef(ma.Schema):
    id = ma.fields.Integer(required=True)
    name = ma.fields.String(required=True)


class MemberRef(ZonePersonRef):
    phone_tail = ma.fields.String(required=True, metadata={"description": "手机号后四位"})


class ZoneOut(ma.Schema):
    id = ma.fields.Integer(required=True)
    name = ma.fields.String(required=True)
    place = ma.fields.String(required=True)
    unit_id = ma.fields.Integer(required=True)
    unit = ma.fields.String(required=True)
    equipment = ma.fields.String(allow_none=True, required=True)
    people_covered = ma.fields.String(allow_none=True, required=True)
    member = ma.fields.Nested(MemberRef, required=True)
    deputy_ids = ma.fields.List(ma.fields.Integer(), required=True)
    checklist = ma.fields.List(ma.fields.String(), required=True)
    patrols_per_week = ma.fields.Integer(required=True)
    starts_on = ma.fields.Date(required=True)
    ends_on = ma.fields.Date(allow_none=True, required=True)
    active = ma.fields.Boolean(required=True)


class HolderOut(ma.Schema):
    member = ma.fields.Nested(ZonePersonRef, required=True)
    since = ma.fields.DateTime(required=True)
    until = ma.fields.DateTime(allow_none=True, required=True)


class ZoneDetail(ZoneOut):
    holders = ma.fields.List(ma.fields.Nested(HolderOut), required=True)


class PatrolOut(ma.Schema):
    id = ma.fields.Integer(required=True)
    zone_id = ma.fields.Integer(required=True)
    member_id = ma.fields.Integer(required=True)
    patrolled_at = ma.fields.DateTime(required=True)
    checked = ma.fields.List(ma.fields.String(), required=True)
    findings = ma.fields.String(allow_none=True, required=True)


class PatrolComplianceOut(ma.Schema):
    zone_id = ma.fields.Integer(required=True)
    zone = ma.fields.String(required=True)
    unit = ma.fields.String(required=True)
    member = ma.fields.Nested(ZonePersonRef, required=True)
    required = ma.fields.Integer(required=True)
    done = ma.fields.Integer(required=True)
    missed = ma.fields.Integer(required=True)


class WeekComplianceOut(ma.Schema):
    week_start = ma.fields.Date(required=True)
    zones = ma.fields.List(ma.fields.Nested(PatrolComplianceOut), required=True)


class PhotoOut(ma.Schema):
    id = ma.fields.Integer(required=True)
    stage = ma.fields.String(required=True, metadata={"enum": ["report", "fix"]})
    url = ma.fields.String(required=True)


class DangerOut(ma.Schema):
    id = ma.fields.Integer(required=True)
    zone_id = ma.fields.Integer(allow_none=True, required=True)
    zone = ma.fields.String(allow_none=True, required=True)
    place = ma.fields.String(allow_none=True, required=True)
    unit_id = ma.fields.Integer(required=True)
    unit = ma.fields.String(required=True)
    description = ma.fields.String(allow_none=True, required=True)
    level = ma.fields.String(required=True, metadata={"enum": list(DANGER_LEVELS)})
    status = ma.fields.String(required=True, metadata={"enum": list(DANGER_STATUSES)})
    overdue = ma.fields.Boolean(required=True)
    anonymous = ma.fields.Boolean(required=True)
    reporter = ma.fields.Nested(
        ZonePersonRef, allow_none=True, required=True, metadata={"description": "匿名时仅党委可见"}
    )
    fixer = ma.fields.Nested(ZonePersonRef, allow_none=True, required=True)
    deadline = ma.fields.DateTime(allow_none=True, required=True)
    fix_note = ma.fields.String(allow_none=True, required=True)
    fixed_at = ma.fields.DateTime(allow_none=True, required=True)
    verified_at = ma.fields.DateTime(allow_none=True, required=True)
    reopen_count = ma.fields.Integer(required=True)
    created_at = ma.fields.DateTime(required=True)
    photos = ma.fields.List(ma.fields.Nested(PhotoOut), required=True)


class BoardRow(ma.Schema):
    unit_id = ma.fields.Integer(required=True)
    unit = ma.fields.String(required=True)
    level = ma.fields.String(required=True, metadata={"enum": list(DANGER_LEVELS)})
    open = ma.fields.Integer(required=True)
    overdue = ma.fields.Integer(required=True)
    fixed = ma.fields.Integer(required=True)
    verified = ma.fields.Integer(required=True)


class ViolationOut(ma.Schema):
    id = ma.fields.Integer(required=True)
    zone_id = ma.fields.Integer(allow_none=True, required=True)
    unit_id = ma.fields.Integer(required=True)
    unit = ma.fields.String(required=True)
    recorded_by = ma.fields.Nested(ZonePersonRef, required=True)
    offender_id = ma.fields.Integer(allow_none=True, required=True)
    offender_name = ma.fields.String(required=True)
    kind = ma.fields.String(required=True, metadata={"enum": list(VIOLATION_KINDS)})
    rule = ma.fields.String(required=True)
    action_taken = ma.fields.String(required=True)
    occurred_at = ma.fields.DateTime(required=True)
    created_at = ma.fields.DateTime(required=True)


def _zone_detail(zone) -> dict[str, Any]:
    row = queries.zone_row(zone)
    row["holders"] = [
        {"member": queries.person_ref(h.member), "since": h.since, "until": h.until}
        for h in services.holders(zone.id)
    ]
    return row


def _danger(danger) -> dict[str, Any]:
    return queries.danger_row(current_principal(), danger, photo_url)


def _days() -> dict[str, int]:
    return current_app.config["ZONE_DANGER_DAYS"]


# -- zones ------------------------------------------------------------------------------------


@blp.route("/zones")
class ZonesView(MethodView):
    @blp.arguments(ZoneIn)
    @blp.response(201, ZoneDetail)
    @login_required("secretary", "committee")
    def post(self, data: dict[str, Any]):
        """Define a zone of a 区队 I manage (branch secretary or committee)."""
        zone = services.create_zone(current_principal(), data)
        unit_of_work.flush()
        return _zone_detail(zone)

    @blp.response(200, ZoneOut(many=True))
    @blp.paginate()
    @login_required("secretary", "committee")
    def get(self, pagination_parameters):
        """The zones I manage (the register)."""
        stmt = services.managed_zones(current_principal()).order_by(Zone.id)
        return [queries.zone_row(z) for z in page_of(stmt, pagination_parameters)]


@blp.route("/zones/mine")
class MyZonesView(MethodView):
    @blp.response(200, ZoneOut(many=True))
    @login_required()
    def get(self):
        """The zones I am responsible for."""
        return [
            queries.zone_row(z) for z in queries.all_rows(queries.my_zones(current_principal()))
        ]


@blp.route("/zones/<int:zone_id>")
class ZoneView(MethodView):
    @blp.response(200, ZoneDetail)
    @login_required()
    def get(self, zone_id: int):
        """A zone of my mine (the page a placard's code opens)."""
        return _zone_detail(services.get_zone(current_principal(), zone_id))

    @blp.arguments(ZonePatch)
    @blp.response(200, ZoneDetail)
    @login_required("secretary", "committee")
    def patch(self, data: dict[str, Any], zone_id: int):
        """Edit a zone; a new member_id hands it over (history kept); ends_on ends it."""
        zone = services.update_zone(current_principal(), zone_id, data)
        unit_of_work.flush()
        return _zone_detail(zone)


@blp.route("/zones/<int:zone_id>/placard.png")
class PlacardView(MethodView):
    @blp.response(200, content_type="image/png")
    @login_required("secretary", "committee")
    def get(self, zone_id: int):
        """The zone's printable A5 placard (PNG, Chinese text, phone tail only, mini-program
        code); 409 zone_ended for an ended zone; 503 placard_font_missing without the font."""
        p = current_principal()
        zone = services.get_zone(p, zone_id)
        if not services.zone_relations(p, zone) & {"secretary", "committee"}:
            from zones.errors import NotZoneManager

            raise NotZoneManager()
        config = current_app.config
        services.require_active(zone)
        card = placard.render(
            zone, config["ZONE_PLACARD_FONT"], placard.zone_code(zone, config["ZONE_PAGE"])
        )
        return Response(
            card.png,
            mimetype="image/png",
            headers={"Cache-Control": "private, no-store"},
        )


# -- patrols ----------------------------------------------------------------------------------


@blp.route("/zones/<int:zone_id>/patrols")
class PatrolsView(MethodView):
    @blp.arguments(PatrolIn)
    @blp.response(201, PatrolOut)
    @login_required()
    def post(self, data: dict[str, Any], zone_id: int):
        """Record a patrol of my zone (the responsible member or a deputy)."""
        patrol = services.record_patrol(
            current_principal(),
            zone_id,
            data["patrolled_at"],
            data["checked"],
            data["findings"],
            data["photo_ids"],
        )
        unit_of_work.flush()
        return patrol


@blp.route("/admin/zones/patrols")
class ComplianceView(MethodView):
    @blp.arguments(WeekQuery, location="query")
    @blp.response(200, WeekComplianceOut)
    @login_required("secretary", "committee")
    def get(self, query: dict[str, Any]):
        """Patrols done / required per zone in a week (Mon–Sun, Shanghai): the missed ones."""
        day = query["week"] or local_day(utcnow())
        rows = services.patrol_compliance(current_principal(), day)
        return {
            "week_start": services.week_start(day),
            "zones": [
                {
                    "zone_id": r.zone.id,
                    "zone": r.zone.name,
                    "unit": r.zone.unit.name,
                    "member": queries.person_ref(r.zone.member),
                    "required": r.required,
                    "done": r.done,
                    "missed": r.missed,
                }
                for r in rows
            ],
        }


# -- dangers ----------------------------------------------------------------------------------


@blp.route("/dangers")
class DangersView(MethodView):
    @blp.arguments(DangerIn)
    @blp.response(201, DangerOut)
    @login_required()
    def post(self, data: dict[str, Any]):
        """Report a hidden danger (any bound employee): text and/or photos from /uploads."""
        danger = dangers.report_danger(current_principal(), **data)
        unit_of_work.flush()
        return _danger(danger)


@blp.route("/dangers/mine")
class MyDangersView(MethodView):
    @blp.arguments(MyDangersQuery, location="query")
    @blp.response(200, DangerOut(many=True))
    @blp.paginate()
    @login_required()
    def get(self, query: dict[str, Any], pagination_parameters):
        """Dangers I reported (role=reported), am to fix (fixing) or in my zones (zones)."""
        stmt = queries.my_dangers(current_principal(), query["role"])
        return [_danger(d) for d in page_of(stmt, pagination_parameters)]


@blp.route("/dangers/<int:danger_id>")
class DangerView(MethodView):
    @blp.response(200, DangerOut)
    @login_required()
    def get(self, danger_id: int):
        """A danger I reported, fix, am responsible for, or manage."""
        return _danger(dangers.get_visible(current_principal(), danger_id))


@blp.route("/dangers/<int:danger_id>/assign")
class AssignView(MethodView):
    @blp.arguments(AssignIn)
    @blp.response(200, DangerOut)
    @login_required()
    def post(self, data: dict[str, Any], danger_id: int):
        """Name the fixer and deadline (the branch secretary or the zone's member)."""
        danger = dangers.assign_danger(
            current_principal(), danger_id, data["fixer_id"], _days(), data["deadline"]
        )
        return _danger(danger)


@blp.route("/dangers/<int:danger_id>/fix")
class FixView(MethodView):
    @blp.arguments(FixIn)
    @blp.response(200, DangerOut)
    @login_required()
    def post(self, data: dict[str, Any], danger_id: int):
        """Report it fixed with photos (the assigned fixer)."""
        danger = dangers.fix_danger(current_principal(), danger_id, data["note"], data["photo_ids"])
        return _danger(danger)


@blp.route("/dangers/<int:danger_id>/verify")
class VerifyView(MethodView):
    @blp.arguments(VerifyIn)
    @blp.response(200, DangerOut)
    @login_required()
    def post(self, data: dict[str, Any], danger_id: int):
        """Accept the fix or reopen it (the reporter or the zone's member, never the fixer)."""
        danger = dangers.verify_danger(
            current_principal(),
            danger_id,
            data["accept"],
            data["note"],
            _days(),
            current_app.config["ZONE_POINTS_DANGER_FOUND"],
        )
        return _danger(danger)


@blp.route("/admin/dangers")
class ManagedDangersView(MethodView):
    @blp.arguments(DangersQuery, location="query")
    @blp.response(200, DangerOut(many=True))
    @blp.paginate()
    @login_required("secretary", "committee")
    def get(self, query: dict[str, Any], pagination_parameters):
        """Dangers of the 区队 I manage, newest first, by status, level, 区队 or overdue."""
        stmt = queries.managed_dangers(current_principal(), **query)
        return [_danger(d) for d in page_of(stmt, pagination_parameters)]


@blp.route("/admin/dangers/board")
class BoardView(MethodView):
    @blp.response(200, BoardRow(many=True))
    @login_required("secretary", "committee")
    def get(self):
        """The danger board: open / overdue / fixed / verified by 区队 and level."""
        return dangers.board_counts(current_principal())


# -- 三违 --------------------------------------------------------------------------------------


@blp.route("/violations")
class ViolationsView(MethodView):
    @blp.arguments(ViolationIn)
    @blp.response(201, ViolationOut)
    @login_required("member", "secretary", "committee")
    def post(self, data: dict[str, Any]):
        """Record a 三违 stop (a party member): visible to the committee and to me only."""
        violation = services.record_violation(
            current_principal(), data, current_app.config["ZONE_POINTS_VIOLATION_STOPPED"]
        )
        unit_of_work.flush()
        return queries.violation_row(violation)

    @blp.response(200, ViolationOut(many=True))
    @blp.paginate()
    @login_required()
    def get(self, pagination_parameters):
        """The committee: every 三违 record of the mine; anyone else: the ones they recorded."""
        stmt = services.violations_visible(current_principal())
        return [queries.violation_row(v) for v in page_of(stmt, pagination_parameters)]


@blp.route("/violations/<int:violation_id>")
class ViolationView(MethodView):
    @blp.response(200, ViolationOut)
    @login_required()
    def get(self, violation_id: int):
        """One 三违 record (the committee, or the member who recorded it)."""
        return queries.violation_row(services.get_violation(current_principal(), violation_id))


class MemberPhotoOut(ma.Schema):
    person_id = ma.fields.Integer(required=True)
    photo_id = ma.fields.Integer(required=True)
    url = ma.fields.String(required=True, metadata={"description": "签名链接"})


@blp.route("/people/<int:person_id>/photo")
class MemberPhotoView(MethodView):
    @blp.arguments(MemberPhotoIn)
    @blp.response(200, MemberPhotoOut)
    @login_required()
    def post(self, data: dict[str, Any], person_id: int):
        """Set a person's photo (the zone placard shows it): the person themself, or the
        secretary of their branch, or the committee (403 not_photo_manager); the photo is the
        caller's own unused upload (422 photo_not_usable) and replaces the last one."""
        row = portraits.set_photo(current_principal(), person_id, data["photo_id"])
        unit_of_work.flush()
        upload = db.session.get(Upload, row.upload_id)
        return {"person_id": row.person_id, "photo_id": row.upload_id, "url": photo_url(upload)}
