"""全矿概览: the committee's charts of the whole mine."""

from __future__ import annotations

from flask import render_template

from console import charts
from console.auth import committee_or_404, principal
from console.blueprint import bp
from console.tables import arg_int
from console.views.branch import _month
from pairings import compliance
from pairings.months import local
from votes import queries as vote_queries
from wishes import queries as wish_queries


@bp.get("/mine")
def mine_overview():
    """Compliance by branch, wishes by month and status, campaigns by status."""
    mine_id = committee_or_404()
    month = _month()
    rollup = compliance.mine_rollup(mine_id, month)
    year = arg_int("year", int(month[:4]), 2000, 2100)
    months = wish_queries.monthly_counts(principal(), year)
    counts = vote_queries.status_counts(mine_id)
    open_campaigns = vote_queries.running(mine_id)
    waiting = wish_queries.waiting_for_review(mine_id)
    return render_template(
        "mine/overview.html",
        month=month,
        year=year,
        rollup=rollup,
        counts=counts,
        open_campaigns=open_campaigns,
        waiting=waiting,
        posted=sum(m["posted"] for m in months),
        completed=sum(m["completed"] for m in months),
        local=local,
        compliance_chart=charts.mine_compliance(rollup),
        wishes_chart=charts.wishes_by_month(months),
        campaign_chart=charts.campaign_status(counts),
    )
