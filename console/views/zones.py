"""责任区: the zone register with placards to print, the danger board (open / overdue / fixed /
verified by 区队 and level), the dangers list, patrol compliance of the week, the 三违 register
(the committee) and the ledgers (.xlsx). Read through zones.queries and zones.services with the
caller's principal: the page shows what the caller's API calls would."""

from __future__ import annotations

from datetime import date

from flask import Response, current_app, render_template

from clock import local_day
from console import charts
from console.auth import principal
from console.blueprint import bp
from console.tables import arg_int, arg_str, paginate
from console.views.branch import xlsx
from domain_errors import NotFound
from models import DANGER_LEVELS, DANGER_STATUSES, Danger, Violation, utcnow
from web.downloads import file_name
from zones import dangers, exports, placard, queries, services
from zones.errors import NotZoneManager


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
