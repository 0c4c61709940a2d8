"""区队考核: the committee's month board (区队 × office, submitted or pending, totals, grades,
ranks), the month's objections, the lock, the .xlsx in the paper layout, the template (read
only here: versions are saved through the API's POST /admin/assessments/templates)."""

from __future__ import annotations

from flask import render_template, url_for

from assessments import exports, queries, rounds, templates
from console.auth import committee_or_404, done, principal
from console.blueprint import bp
from console.tables import arg_int
from console.views.branch import xlsx
from models import utcnow
from web import unit_of_work


@bp.get("/assessments")
def assessments_board():
    """The board of the month asked for (default: the newest), with its objections."""
    committee_or_404()
    p = principal()
    months = queries.months(p)
    month_id = arg_int("month_id") or (months[0].id if months else None)
    if month_id is None:
        return render_template("assessments/board.html", months=[], board=None)
    board = queries.board(p, month_id)
    month = board["month"]
    objections = queries.objections(p, month.id)
    names = {r["team_id"]: r["team"] for r in board["rows"]}
    return render_template(
        "assessments/board.html",
        months=months,
        board=board,
        objections=objections,
        team_names=names,
        lock_refusal=rounds.lock_refusal(month, utcnow()) if month.status == "open" else None,
    )


@bp.post("/assessments/<int:month_id>/lock")
def assessments_lock(month_id: int):
    """Lock the month (the API's POST /admin/assessments/months/<id>/lock)."""
    committee_or_404()
    month = rounds.lock(principal(), month_id)
    unit_of_work.flush()
    return done(
        f"{month.month} 考核已锁定，总分、等级和名次为最终结果",
        to=url_for("console.assessments_board", month_id=month_id),
    )


@bp.get("/assessments/<int:month_id>/export.xlsx")
def assessments_export(month_id: int):
    """The month in the paper layout: the ranking, then one sheet per 区队."""
    mine_id = committee_or_404()
    month = rounds.month_of(mine_id, month_id)
    data = exports.month_workbook(principal(), month.id)
    return xlsx(data, f"区队考核-{month.month}.xlsx", f"assessment-{month.month}.xlsx")


@bp.get("/assessments/<int:month_id>/teams/<int:team_id>")
def assessments_sheet(month_id: int, team_id: int):
    """One 区队's sheet of the month."""
    committee_or_404()
    sheet = queries.sheet(principal(), month_id, team_id)
    return render_template("assessments/sheet.html", sheet=sheet)


@bp.get("/assessments/templates/<int:template_id>")
def assessments_template(template_id: int):
    """One version of a template: its groups with weights and its items."""
    committee_or_404()
    template = templates.get(principal(), template_id)
    return render_template(
        "assessments/template.html", template=template, groups=templates.groups(template)
    )
