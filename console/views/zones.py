"""责任区: the zone register with placards to print, the danger board (open / overdue / fixed /
verified by 区队 and level), the dangers list, patrol compliance of the week, the 三违 register
(the committee) and the ledgers (.xlsx). Read through zones.queries and zones.services with the
caller's principal: the page shows what the caller's API calls would."""

from __future__ import annotations

from datetime import date

from flask import Response, current_app, render_template, request, url_for

from clock import local_day
from console import charts
from console.auth import done, managed_branches, principal
from console.blueprint import bp
from console.tables import arg_int, arg_str, form_value, load_form, paginate
from console.views.branch import xlsx
from domain_errors import NotFound
from models import DANGER_LEVELS, DANGER_STATUSES, Danger, Person, Unit, Violation, db, utcnow
from web import unit_of_work
from web.downloads import file_name
from zones import dangers, exports, placard, queries, services
from zones.errors import NotZoneManager
from zones.schemas import ZoneIn, ZonePatch


def _week() -> date:
    raw = arg_str("week", 10)
    try:
        day = date.fromisoformat(raw) if raw else None
    except ValueError:
        day = None
    # the API's rule (zones.schemas.DAYS): 2000 … 2100, else this week
    return day if day is not None and 2000 <= day.year <= 2100 else local_day(utcnow())


@bp.get("/zones")
def zones_home():
    p = principal()
    status = arg_str("status", 16, DANGER_STATUSES)
    level = arg_str("level", 16, DANGER_LEVELS)
    overdue = arg_str("overdue", 4, ("1",)) == "1"
    week = _week()
    year = arg_int("year", local_day(utcnow()).year, 2000, 2100)
    board = dangers.board_counts(p)
    totals = {k: sum(r[k] for r in board) for k in ("open", "overdue", "fixed", "verified")}
    page = paginate(
        queries.managed_dangers(p, status=status or None, level=level or None, overdue=overdue),
        {"created_at": Danger.created_at, "deadline": Danger.deadline},
        "created_at",
        prefix="d_",
        page_size=10,
    )
    compliance = services.patrol_compliance(p, week)
    zones = [queries.zone_row(z) for z in queries.all_rows(services.managed_zones(p))]
    violations = None
    if p.person.mine_id in p.committee_of:
        violations = paginate(
            services.violations_visible(p),
            {"occurred_at": Violation.occurred_at},
            "occurred_at",
            prefix="v_",
            page_size=10,
        )
    return render_template(
        "zones/home.html",
        board=board,
        totals=totals,
        page=page,
        rows=[queries.danger_row(p, d) for d in page.items],
        zones=zones,
        compliance=compliance,
        week_start=services.week_start(week),
        violations=violations,
        status=status,
        level=level,
        overdue=overdue,
        levels=exports.LEVELS,
        statuses=exports.STATUSES,
        kinds=exports.KINDS,
        year=year,
        trend_chart=trend_chart(dangers.monthly_trend(p, year)),
    )


def trend_chart(months: list[dict]) -> dict:
    """Dangers reported and verified per month (bars), as plain ECharts data."""
    return {
        "color": [charts.RED, charts.GREEN],
        "tooltip": {"trigger": "axis", "renderMode": "richText"},
        "legend": {"bottom": 0, "data": ["上报", "验收闭环"]},
        "grid": {"left": 40, "right": 20, "top": 20, "bottom": 60},
        "xAxis": {"type": "category", "data": [m["month"][5:] + "月" for m in months]},
        "yAxis": {"type": "value", "minInterval": 1},
        "series": [
            {"name": "上报", "type": "bar", "data": [m["reported"] for m in months]},
            {"name": "验收闭环", "type": "bar", "data": [m["verified"] for m in months]},
        ],
    }


@bp.get("/zones/<int:zone_id>/placard.png")
def zone_placard(zone_id: int):
    """The zone's placard to print (managers of its 区队 only)."""
    p = principal()
    try:
        zone = services.get_zone(p, zone_id)
    except NotFound:
        raise NotFound("页面不存在或无权查看") from None
    if not services.zone_relations(p, zone) & {"secretary", "committee"}:
        raise NotZoneManager()
    config = current_app.config
    services.require_active(zone)
    card = placard.render(
        zone, config["ZONE_PLACARD_FONT"], placard.zone_code(zone, config["ZONE_PAGE"])
    )
    return Response(card.png, mimetype="image/png", headers={"Cache-Control": "no-store"})


@bp.get("/zones/dangers.xlsx")
def zones_danger_ledger():
    data = exports.danger_ledger(principal())
    return xlsx(data, file_name("dangers", str(local_day(utcnow()))))


@bp.get("/zones/violations.xlsx")
def zones_violation_register():
    p = principal()
    if p.person.mine_id not in p.committee_of:
        raise NotFound("页面不存在或无权查看")
    data = exports.violation_register(p)
    return xlsx(data, file_name("violations", str(local_day(utcnow()))))


# --- the zone register's editor: create, edit, hand over (the API's rules and messages) ---------


def _zone_choices() -> tuple[list[Unit], list[Person]]:
    """The 区队 the caller manages (units of their branches, or the mine's) and the party
    members of those branches (not left) — the form's choices."""
    p = principal()
    p.require("secretary", "committee")
    branches = [b.id for b in managed_branches()]
    units = list(
        db.session.scalars(
            db.select(Unit)
            .where(Unit.mine_id == p.person.mine_id, Unit.branch_id.in_(branches or [0]))
            .order_by(Unit.name)
        )
    )
    members = [
        m
        for m in db.session.scalars(
            db.select(Person)
            .where(
                Person.mine_id == p.person.mine_id,
                Person.branch_id.in_(branches or [0]),
                Person.left_at.is_(None),
            )
            .order_by(Person.employee_no)
        )
        if m.is_party_member
    ]
    return units, members


def _id_or_raw(name: str):
    raw = form_value(name)
    if raw == "":
        return None
    return int(raw) if raw.isascii() and raw.isdigit() and len(raw) < 10 else raw


def _zone_form(partial: bool) -> dict:
    """The form's values in the API's shape (ZoneIn / ZonePatch)."""
    deputies = [int(v) for v in request.form.getlist("deputy_ids") if v.isascii() and v.isdigit()][
        :6
    ]
    values = {
        "name": form_value("name"),
        "place": form_value("place"),
        "member_id": _id_or_raw("member_id"),
        "deputy_ids": deputies,
        "equipment": form_value("equipment") or None,
        "people_covered": form_value("people_covered") or None,
        "checklist": [
            line.strip() for line in form_value("checklist").splitlines() if line.strip()
        ],
        "patrols_per_week": _id_or_raw("patrols_per_week") or 0,
        "ends_on": form_value("ends_on") or None,
    }
    if not partial:
        values["unit_id"] = _id_or_raw("unit_id")
        values["starts_on"] = form_value("starts_on") or None
    elif values["member_id"] is None:
        del values["member_id"]
    return values


@bp.get("/zones/new")
def zone_new():
    """The form of a new zone."""
    units, members = _zone_choices()
    return render_template("zones/form.html", zone=None, units=units, members=members, history=[])


@bp.post("/zones")
def zone_create():
    """Define a zone (the API's POST /zones)."""
    _zone_choices()
    data = load_form(ZoneIn(), _zone_form(partial=False), messages=ZONE_MESSAGES)
    zone = services.create_zone(principal(), data)
    unit_of_work.flush()
    return done(f"已设立责任区「{zone.name}」", to=url_for("console.zones_home") + "#zone-table")


@bp.get("/zones/<int:zone_id>/edit")
def zone_edit(zone_id: int):
    """The form of a zone with its holders' history."""
    units, members = _zone_choices()
    zone = services.get_zone(principal(), zone_id)
    if not services.zone_relations(principal(), zone) & {"secretary", "committee"}:
        raise NotFound("页面不存在或无权查看")
    return render_template(
        "zones/form.html",
        zone=zone,
        units=units,
        members=members,
        history=services.holders(zone.id),
    )


@bp.post("/zones/<int:zone_id>")
def zone_update(zone_id: int):
    """Edit a zone (the API's PATCH /zones/{id}); a new responsible member is a hand-over kept
    in the history."""
    _zone_choices()
    data = load_form(ZonePatch(), _zone_form(partial=True), messages=ZONE_MESSAGES)
    before = services.get_zone(principal(), zone_id).member_id
    zone = services.update_zone(principal(), zone_id, data)
    unit_of_work.flush()
    handed = "，负责人已更换并记入历史" if zone.member_id != before else ""
    return done(
        f"已保存责任区「{zone.name}」{handed}", to=url_for("console.zone_edit", zone_id=zone.id)
    )


ZONE_MESSAGES = {
    "name": "请填写责任区名称（60 字以内）",
    "place": "请填写地点（100 字以内）",
    "member_id": "请选择负责党员",
    "unit_id": "请选择区队",
    "patrols_per_week": "每周巡查次数应为 0 到 21",
}
