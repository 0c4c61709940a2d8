"""荣誉榜: the mine's honour roll — campaign honourees, 六好区队, 六型班组 and 优秀班组长 — with
filters (year, quarter, category, kind, state, name), sort, pages and 导出 of the filtered
rows; one honour in the drawer with revoke / restore, and a person's honours."""

from __future__ import annotations

import re

from flask import render_template

from console.auth import committee_or_404, done, principal
from console.blueprint import bp
from console.tables import (
    arg_int,
    arg_str,
    form_value,
    given,
    load_form,
    ordered,
    paginate,
    wants_export,
)
from console.views.branch import xlsx
from honours import exports, queries, services
from honours.schemas import QUARTER, RevokeIn
from models import Honour
from models.honours import HONOUR_KINDS
from models.votes import CATEGORY_KEYS, CATEGORY_NAMES
from web import unit_of_work
from web.downloads import file_name

STATES = {"standing": False, "revoked": True}
KIND_LABELS = {
    "person": "评选表彰（个人）",
    "team": "六好区队",
    "group": "六型班组",
    "leader": "优秀班组长",
}
SORTS = {"year": Honour.year, "awarded_on": Honour.awarded_on, "title": Honour.title}


def _quarter() -> str | None:
    """The quarter filter (YYYY-Qn); anything else is no filter, as a junk year is."""
    value = arg_str("quarter", 7)
    return value if re.match(QUARTER, value) else None


def _filters() -> dict:
    return {
        "year": arg_int("year", None, 2000, 2100),
        "quarter": _quarter(),
        "category": arg_str("category", 16, CATEGORY_KEYS) or None,
        "kind": arg_str("kind", 8, HONOUR_KINDS) or None,
        "q": arg_str("q", 32) or None,
        "revoked": STATES.get(arg_str("state", 10, tuple(STATES)) or ""),
    }


def _export(filters: dict):
    """The rows as filtered and sorted (every page) as the roll's workbook."""
    stmt, _, _ = ordered(queries.roll(principal(), **filters), SORTS, "year", tiebreak=Honour.id)
    data = exports.roll_workbook(stmt)
    return xlsx(data, file_name("honours", filters["year"], filters["quarter"]))


@bp.get("/honours")
def honour_roll():
    """The roll, newest year first, revoked honours shown to the committee (marked)."""
    committee_or_404()
    filters = _filters()
    if wants_export():
        return _export(filters)
    stmt = queries.roll(principal(), **filters)
    page = paginate(stmt, SORTS, "year", tiebreak=Honour.id)
    return render_template(
        "honours/list.html",
        page=page,
        years=queries.years(principal()),
        quarters=queries.quarters(principal()),
        kinds=KIND_LABELS,
        filtered=any(v is not None for v in filters.values()),
        categories=CATEGORY_NAMES,
        state=arg_str("state", 10, tuple(STATES)),
        out=lambda h: queries.honour_out(h, committee=True),
        **{k: v for k, v in filters.items() if k != "revoked"},
    )


@bp.get("/honours/export.xlsx")
def honour_export():
    """The roll as filtered, as .xlsx (Chinese headers, revoked ones marked)."""
    committee_or_404()
    return _export(_filters())


@bp.get("/honours/<int:honour_id>")
def honour_drawer(honour_id: int):
    """One honour: whose, the title, the citation, the photo; revoke with a reason, or
    restore a revoked one."""
    committee_or_404()
    honour = services.honour_for_committee(honour_id, principal())
    return render_template(
        "honours/drawer.html", h=honour, out=queries.honour_out(honour, committee=True)
    )


@bp.post("/honours/<int:honour_id>/<any(revoke, restore):action>")
def honour_action(honour_id: int, action: str):
    """Revoke (it leaves the public roll) or restore, with a reason; audited."""
    committee_or_404()
    data = load_form(
        RevokeIn(), given(reason=form_value("reason")), messages={"reason": "请填写理由"}
    )
    fn = services.revoke if action == "revoke" else services.restore
    honour = fn(honour_id, principal(), data["reason"])
    unit_of_work.flush()
    return done(f"「{honour.title}」{'已撤销' if action == 'revoke' else '已恢复'}")


@bp.get("/people/<int:person_id>/honours")
def person_honours(person_id: int):
    """A person's page: their standing honours (as the public sees them)."""
    committee_or_404()
    page = queries.person_page(person_id, principal())
    return render_template("honours/person.html", person=page)
