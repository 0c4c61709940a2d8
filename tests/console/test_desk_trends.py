"""Issue 27 item 4: 全矿概览's 12-month trends (talk compliance, wishes posted / completed,
voting turnout per campaign), their export, and empty states that say what is missing."""

from __future__ import annotations

import io

from openpyxl import load_workbook

from console import trends
from models import Ballot, db
from tests.console.sign_in import client_sign_in
from votes import queries as vote_queries


def test_months_to_crosses_the_year():
    assert trends.months_to("2026-02", 4) == ["2025-11", "2025-12", "2026-01", "2026-02"]
    assert len(trends.months_to("2026-12")) == 12


def test_trends_export_holds_every_sheet(app, demo):
    """导出趋势: the branches' month and the three trends, Chinese headers, 12 months."""
    committee = app.test_client()
    client_sign_in(committee, "committee")
    page = committee.get("/console/mine?month=2026-12").get_data(as_text=True)
    assert "近 12 个月趋势（截至 2026-12）" in page and "export=xlsx" in page
    r = committee.get("/console/mine?month=2026-12&export=xlsx")
    assert r.status_code == 200, r.get_data(as_text=True)[:300]
    assert "mine-trends-2026-12.xlsx" in r.headers["Content-Disposition"]
    wb = load_workbook(io.BytesIO(r.data))
    assert wb.sheetnames == ["各支部谈心（2026-12）", "谈心完成率", "心愿", "投票参与率"]
    talks = [[c.value for c in row] for row in wb["谈心完成率"].iter_rows()]
    assert talks[0] == ["月份", "结对党员", "已完成", "完成率"]
    assert [row[0] for row in talks[1:]] == trends.months_to("2026-12")
    turnout = [[c.value for c in row] for row in wb["投票参与率"].iter_rows()]
    assert turnout[0][0] == "评选" and len(turnout) >= 2


def test_turnout_counts_voters_not_ballots(app, demo):
    """Turnout: distinct voters whose ballots stand, against the bound people on the roster."""
    with app.app_context():
        rows = vote_queries.turnout(demo["mine_id"])
        assert rows, "the demo has an open campaign"
        for row in rows:
            voters = db.session.scalar(
                db.select(db.func.count(db.distinct(Ballot.voter_id))).where(
                    Ballot.campaign_id == row["campaign_id"], Ballot.voided_at.is_(None)
                )
            )
            assert row["voters"] == voters <= row["eligible"]
        assert vote_queries.turnout(10**9) == []


def test_empty_trends_say_what_is_missing(app, demo):
    """A span with nobody paired and no wishes shows sentences, not charts of nothing."""
    committee = app.test_client()
    client_sign_in(committee, "committee")
    page = committee.get("/console/mine?month=2001-06").get_data(as_text=True)
    assert "尚未结对：近 12 个月没有结对党员，暂无谈心完成率" in page
    assert "近 12 个月没有提交或完成的心愿" in page
    assert 'data-empty-chart="chart-talk-trend"' in page
    assert 'data-chart="chart-talk-trend-data"' not in page
