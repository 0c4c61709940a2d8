"""ECharts options built on the server as plain data (no functions: the page's script only
hands them to echarts.setOption, so the Content-Security-Policy needs no eval)."""

from __future__ import annotations

from typing import Any

from console.labels import CAMPAIGN_STATUS, WISH_STATUS

RED = "#c0392b"
GOLD = "#e6a23c"
GREEN = "#67c23a"
BLUE = "#409eff"
GREY = "#909399"
PALETTE = [RED, GOLD, BLUE, GREEN, "#8e44ad", GREY, "#16a085", "#d35400"]
TOOLTIP = {"trigger": "item", "renderMode": "richText"}


def compliance_donut(summary: dict[str, Any]) -> dict[str, Any]:
    """A branch's month: members done against members still due."""
    done = sum(1 for m in summary["members"] if m["status"] == "done")
    due = len(summary["members"]) - done
    resting = len(summary.get("no_one_to_care", []))
    rate = summary["rate"]
    return {
        "color": [GREEN, RED, GREY],
        "tooltip": TOOLTIP,
        "title": {
            "text": "—" if rate is None else f"{rate:.0%}",
            "subtext": "本月谈心完成率",
            "left": "center",
            "top": "38%",
            "textStyle": {"fontSize": 26, "color": "#303133"},
        },
        "legend": {"bottom": 0},
        "series": [
            {
                "type": "pie",
                "radius": ["55%", "75%"],
                "label": {"show": False},
                "data": [
                    {"name": "已完成", "value": done},
                    {"name": "未完成", "value": due},
                    {"name": "无关怀对象", "value": resting},
                ],
            }
        ],
    }


def compliance_members(summary: dict[str, Any]) -> dict[str, Any]:
    """Talks done per member this month against the requirement."""
    members = summary["members"]
    return {
        "color": [BLUE, RED],
        "tooltip": {"trigger": "axis", "renderMode": "richText"},
        "legend": {"data": ["已谈次数", "要求次数"], "bottom": 0},
        "grid": {"left": 40, "right": 20, "top": 20, "bottom": 60},
        "xAxis": {"type": "category", "data": [m["name"] for m in members]},
        "yAxis": {"type": "value", "minInterval": 1},
        "series": [
            {"name": "已谈次数", "type": "bar", "data": [m["done"] for m in members]},
            {"name": "要求次数", "type": "line", "data": [m["required"] for m in members]},
        ],
    }


def mine_compliance(rollup: dict[str, Any]) -> dict[str, Any]:
    """Compliance by branch: members done and due, stacked."""
    branches = rollup["branches"]
    return {
        "color": [GREEN, RED, GREY],
        "tooltip": {"trigger": "axis", "renderMode": "richText"},
        "legend": {"data": ["已完成", "未完成", "无关怀对象"], "bottom": 0},
        "grid": {"left": 40, "right": 20, "top": 20, "bottom": 70},
        "xAxis": {
            "type": "category",
            "data": [b["name"] for b in branches],
            "axisLabel": {"interval": 0, "rotate": 20},
        },
        "yAxis": {"type": "value", "minInterval": 1, "name": "党员数"},
        "series": [
            {"name": "已完成", "type": "bar", "stack": "m", "data": [b["done"] for b in branches]},
            {"name": "未完成", "type": "bar", "stack": "m", "data": [b["due"] for b in branches]},
            {
                "name": "无关怀对象",
                "type": "bar",
                "stack": "m",
                "data": [b.get("no_one_to_care", 0) for b in branches],
            },
        ],
    }


def wishes_by_month(months: list[dict[str, Any]]) -> dict[str, Any]:
    """Wishes posted per month by their current status, stacked, and completions."""
    shown = [s for s in WISH_STATUS if any(m["by_status"].get(s) for m in months)] or ["open"]
    series: list[dict[str, Any]] = [
        {
            "name": WISH_STATUS[s],
            "type": "bar",
            "stack": "w",
            "data": [m["by_status"].get(s, 0) for m in months],
        }
        for s in shown
    ]
    series.append({"name": "当月完成", "type": "line", "data": [m["completed"] for m in months]})
    return {
        "color": PALETTE,
        "tooltip": {"trigger": "axis", "renderMode": "richText"},
        "legend": {"bottom": 0, "data": [s["name"] for s in series]},
        "grid": {"left": 40, "right": 20, "top": 20, "bottom": 80},
        "xAxis": {"type": "category", "data": [m["month"][5:] + "月" for m in months]},
        "yAxis": {"type": "value", "minInterval": 1},
        "series": series,
    }


def campaign_status(counts: dict[str, int]) -> dict[str, Any]:
    """Campaigns by status."""
    return {
        "color": [GREY, RED, GOLD, GREEN],
        "tooltip": TOOLTIP,
        "legend": {"bottom": 0},
        "series": [
            {
                "type": "pie",
                "radius": ["40%", "70%"],
                "label": {"formatter": "{b}: {c}"},
                "data": [
                    {"name": CAMPAIGN_STATUS[s], "value": counts.get(s, 0)} for s in CAMPAIGN_STATUS
                ],
            }
        ],
    }


def leaderboard(rows: list[dict[str, Any]], title: str) -> dict[str, Any]:
    """One category's live ranking as horizontal bars, best on top."""
    rows = rows[:15][::-1]
    return {
        "color": [RED],
        "title": {"text": title, "left": "center", "textStyle": {"fontSize": 14}},
        "tooltip": {"trigger": "axis", "renderMode": "richText"},
        "grid": {"left": 90, "right": 40, "top": 30, "bottom": 20},
        "xAxis": {"type": "value", "minInterval": 1},
        "yAxis": {"type": "category", "data": [r["name"] for r in rows]},
        "series": [
            {
                "type": "bar",
                "data": [r["votes"] for r in rows],
                "label": {"show": True, "position": "right"},
            }
        ],
    }


def turnout_branches(turnout: dict[str, Any]) -> dict[str, Any]:
    """Per branch: bound employees against voters so far and today (bars)."""
    rows = turnout["by_branch"][:20][::-1]
    return {
        "color": [GREY, RED, GOLD],
        "tooltip": {"trigger": "axis", "renderMode": "richText"},
        "legend": {"data": ["可投票职工", "累计投票", "今日投票"], "bottom": 0},
        "grid": {"left": 110, "right": 30, "top": 10, "bottom": 40},
        "xAxis": {"type": "value", "minInterval": 1},
        "yAxis": {"type": "category", "data": [r["branch"] for r in rows]},
        "series": [
            {"name": "可投票职工", "type": "bar", "data": [r["eligible"] for r in rows]},
            {"name": "累计投票", "type": "bar", "data": [r["voters"] for r in rows]},
            {"name": "今日投票", "type": "bar", "data": [r["voters_today"] for r in rows]},
        ],
    }


def _month_label(month: str) -> str:
    return f"{month[2:4]}年{int(month[5:7])}月"


def compliance_trend(points: list[dict[str, Any]]) -> dict[str, Any]:
    """12 months of the mine's talk compliance: the rate as a line over members done and
    paired (a month nobody was paired has no rate: a gap, not a zero)."""
    return {
        "color": [RED, BLUE, GREEN],
        "tooltip": {"trigger": "axis", "renderMode": "richText"},
        "legend": {"data": ["完成率", "结对党员", "已完成"], "bottom": 0},
        "grid": {"left": 50, "right": 50, "top": 30, "bottom": 60},
        "xAxis": {"type": "category", "data": [_month_label(p["month"]) for p in points]},
        "yAxis": [
            {"type": "value", "name": "完成率 %", "min": 0, "max": 100},
            {"type": "value", "name": "人数", "minInterval": 1},
        ],
        "series": [
            {
                "name": "完成率",
                "type": "line",
                "connectNulls": False,
                "label": {"show": True, "formatter": "{c}%"},
                "data": [None if p["rate"] is None else round(p["rate"] * 100) for p in points],
            },
            {
                "name": "结对党员",
                "type": "bar",
                "yAxisIndex": 1,
                "data": [p["members"] for p in points],
            },
            {"name": "已完成", "type": "bar", "yAxisIndex": 1, "data": [p["done"] for p in points]},
        ],
    }


def turnout_days(turnout: dict[str, Any]) -> dict[str, Any]:
    """Voters per vote day (a line)."""
    days = turnout["by_day"]
    return {
        "color": [RED],
        "tooltip": {"trigger": "axis", "renderMode": "richText"},
        "grid": {"left": 40, "right": 20, "top": 20, "bottom": 30},
        "xAxis": {"type": "category", "data": [d["day"].isoformat() for d in days]},
        "yAxis": {"type": "value", "minInterval": 1},
        "series": [{"name": "投票人数", "type": "line", "data": [d["voters"] for d in days]}],
    }


def wishes_trend(points: list[dict[str, Any]]) -> dict[str, Any]:
    """12 months of wishes: posted and completed per month."""
    return {
        "color": [BLUE, GREEN],
        "tooltip": {"trigger": "axis", "renderMode": "richText"},
        "legend": {"data": ["提交", "完成"], "bottom": 0},
        "grid": {"left": 40, "right": 20, "top": 20, "bottom": 60},
        "xAxis": {"type": "category", "data": [_month_label(p["month"]) for p in points]},
        "yAxis": {"type": "value", "minInterval": 1},
        "series": [
            {"name": "提交", "type": "bar", "data": [p["posted"] for p in points]},
            {"name": "完成", "type": "line", "data": [p["completed"] for p in points]},
        ],
    }


def turnout_chart(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Voting turnout per campaign: the share of the mine's voters who cast a ballot."""
    return {
        "color": [GOLD],
        "tooltip": {"trigger": "axis", "renderMode": "richText"},
        "grid": {"left": 50, "right": 20, "top": 20, "bottom": 80},
        "xAxis": {
            "type": "category",
            "data": [r["title"] for r in rows],
            "axisLabel": {"interval": 0, "rotate": 20, "width": 120, "overflow": "truncate"},
        },
        "yAxis": {"type": "value", "name": "参与率 %", "min": 0, "max": 100},
        "series": [
            {
                "name": "参与率",
                "type": "bar",
                "label": {"show": True, "position": "top", "formatter": "{c}%"},
                "data": [0 if r["rate"] is None else round(r["rate"] * 100) for r in rows],
            }
        ],
    }
