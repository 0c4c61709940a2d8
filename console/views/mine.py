"""全矿概览: the committee's charts of the whole mine, its 12-month trends and their export."""

from __future__ import annotations

from flask import render_template

from console import charts, labels, trends
from console.auth import committee_or_404, principal
from console.blueprint import bp
from console.exports import Column, when, workbook_of
from console.tables import arg_int, wants_export
from console.views.branch import _month
from pairings import compliance
from pairings.months import local
from spreadsheets import XLSX_MIME
from votes import queries as vote_queries
from web.downloads import attachment, file_name
from wishes import queries as wish_queries


def _rate(value: float | None) -> str:
    return "" if value is None else f"{value:.0%}"


TREND_SHEETS = {
    "谈心完成率": [
        Column("月份", lambda r: r["month"], 10),
        Column("结对党员", lambda r: r["members"], 10),
        Column("已完成", lambda r: r["done"], 10),
        Column("完成率", lambda r: _rate(r["rate"]), 10),
    ],
    "心愿": [
        Column("月份", lambda r: r["month"], 10),
        Column("提交", lambda r: r["posted"], 10),
        Column("完成", lambda r: r["completed"], 10),
    ],
    "投票参与率": [
        Column("评选", lambda r: r["title"], 30),
        Column("状态", lambda r: labels.label(r["status"], "campaign_status"), 10),
        Column("开始时间", lambda r: when(r["starts_at"]), 18),
        Column("参与人数", lambda r: r["voters"], 10),
        Column("可投票人数", lambda r: r["eligible"], 12),
        Column("参与率", lambda r: _rate(r["rate"]), 10),
    ],
}
BRANCH_COLUMNS = [
    Column("党支部", lambda b: b["name"], 24),
    Column("结对党员", lambda b: b["members"], 10),
    Column("已完成", lambda b: b["done"], 10),
    Column("未完成", lambda b: b["due"], 10),
    Column("完成率", lambda b: _rate(b["rate"]), 10),
]


@bp.get("/mine")
def mine_overview():
    """Compliance by branch, wishes by month and status, campaigns by status."""
    mine_id = committee_or_404()
    month = _month()
    rollup = compliance.mine_rollup(mine_id, month)
    year = arg_int("year", int(month[:4]), 2000, 2100)
    months = wish_queries.monthly_counts(principal(), year)
    counts = vote_queries.status_counts(mine_id)
    trend = trends.build(principal(), mine_id, month)
    if wants_export():
        data = workbook_of(
            [
                (f"各支部谈心（{month}）", BRANCH_COLUMNS, rollup["branches"]),
                ("谈心完成率", TREND_SHEETS["谈心完成率"], trend["talks"]),
                ("心愿", TREND_SHEETS["心愿"], trend["wishes"]),
                ("投票参与率", TREND_SHEETS["投票参与率"], trend["turnout"]),
            ]
        )
        return attachment(data, file_name("mine-trends", month), XLSX_MIME)
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
        trend=trend,
        compliance_trend=charts.compliance_trend(trend["talks"]),
        wishes_trend=charts.wishes_trend(trend["wishes"]),
        turnout_chart=charts.turnout_chart(trend["turnout"]),
    )
