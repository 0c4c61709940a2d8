"""The campaign workbook (台账): results and every ballot. User text is written as text, never
as a formula."""

from __future__ import annotations

import io
from typing import Any

from openpyxl import Workbook

from models import Account, Ballot, Campaign, Candidate, Person, Unit, db
from models.votes import CATEGORY_NAMES
from spreadsheets import write_only_cell
from votes import clock
from votes.results import compute_results

STATUS_NAMES = {
    "draft": "草稿",
    "nominating": "推荐中",
    "open": "投票中",
    "closed": "已结束",
    "notice": "公示中",
    "published": "已公布",
}


def _cell(ws, value: Any) -> Any:
    return write_only_cell(ws, value)


def _row(ws, values: list[Any]) -> None:
    ws.append([_cell(ws, v) for v in values])


def _local(at) -> str:
    return at.astimezone(clock.SHANGHAI).strftime("%Y-%m-%d %H:%M:%S") if at else ""


def _tie_text(category: dict) -> str:
    """How a tie at the 名额 boundary was broken, in words (the export's note)."""
    tie = category["tie"]
    names = {e["candidate_id"]: e["name"] for e in category["entries"]}
    tied = "、".join(names.get(c, str(c)) for c in tie["candidates"])
    text = f"{tied} 并列争 {tie['places']} 个名额；规则：{tie.get('rule_name', tie['rule'])}"
    decision = tie.get("decision")
    if decision:
        chosen = "、".join(names.get(c, str(c)) for c in decision["chosen"])
        return f"{text}；评选委员会决定：{chosen}；理由：{decision['reason']}"
    if tie.get("broken_by"):
        return f"{text}；依据：{tie.get('broken_by_name', tie['broken_by'])}"
    return f"{text}；尚待评选委员会决定"


def _pct(rate: float | None) -> str:
    return "" if rate is None else f"{rate:.1%}"


def _turnout_sheet(wb: Workbook, campaign: Campaign) -> None:
    """参与情况: bound employees, voters today and overall, per branch, per unit and per day."""
    from votes.turnout import turnout

    t = turnout(campaign)
    ws = wb.create_sheet("参与情况")
    _row(ws, ["统计日", t["day"].isoformat()])
    _row(
        ws,
        [
            "可投票职工（已绑定）",
            t["eligible"],
            "累计投票人数",
            t["voters"],
            "参与率",
            _pct(t["rate"]),
        ],
    )
    _row(ws, ["当日投票人数", t["voters_today"], "当日参与率", _pct(t["rate_today"])])
    for title, rows, key in (("党支部", t["by_branch"], "branch"), ("单位", t["by_unit"], "unit")):
        _row(ws, [])
        _row(ws, [title, "可投票职工", "累计投票人数", "参与率", "当日投票人数", "当日参与率"])
        for r in rows:
            _row(
                ws,
                [
                    r[key],
                    r["eligible"],
                    r["voters"],
                    _pct(r["rate"]),
                    r["voters_today"],
                    _pct(r["rate_today"]),
                ],
            )
    _row(ws, [])
    _row(ws, ["投票日", "投票人数"])
    for d in t["by_day"]:
        _row(ws, [d["day"].isoformat(), d["voters"]])


def campaign_workbook(campaign: Campaign) -> bytes:
    """The .xlsx bytes of a campaign's results and ballots (streamed row by row)."""
    results = campaign.results or compute_results(campaign, frozen_at=clock.now())
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("评选结果")
    _row(ws, ["评选活动", campaign.title])
    _row(ws, ["状态", STATUS_NAMES.get(campaign.status, campaign.status)])
    _row(ws, ["结果", "已冻结（公布时）" if campaign.results else "未公布，按当前数据计算"])
    _row(ws, ["票数权重", results["weights"]["votes"], "积分权重", results["weights"]["points"]])
    _row(ws, [])
    _row(
        ws,
        [
            "类别",
            "名次",
            "候选人",
            "单位",
            "票数",
            "票数得分",
            "积分",
            "积分得分",
            "综合得分",
            "当选",
            "末位并列",
        ],
    )
    for category in results["categories"]:
        for e in category["entries"]:
            _row(
                ws,
                [
                    category["name"],
                    e["rank"],
                    e["name"],
                    e["unit"],
                    e["votes"],
                    e["vote_score"],
                    e["points"],
                    e["points_score"],
                    e["total"],
                    "是" if e.get("honoured") else "",
                    "是" if e.get("tied") else "",
                ],
            )
    for category in results["categories"]:
        if category.get("tie"):
            _row(ws, [])
            _row(ws, [f"{category['name']}：名额末位并列", _tie_text(category)])
    ws = wb.create_sheet("选票")
    _row(
        ws,
        [
            "选票号",
            "投票时间",
            "投票日",
            "投票人工号",
            "投票人",
            "投票人单位",
            "候选人",
            "类别",
            "IP",
            "客户端",
            "设备信息",
            "账号绑定时间",
            "写入方式",
            "是否作废",
            "作废时间",
            "作废原因",
        ],
    )
    cand_person = db.aliased(Person)
    stmt = (
        db.select(
            Ballot, Person.employee_no, Person.name, Unit.name, cand_person.name, Account.bound_at
        )
        .join(Person, Person.id == Ballot.voter_id)
        .outerjoin(Unit, Unit.id == Ballot.voter_unit_id)
        .join(Candidate, Candidate.id == Ballot.candidate_id)
        .join(cand_person, cand_person.id == Candidate.person_id)
        .outerjoin(Account, Account.id == Ballot.account_id)
        .where(Ballot.campaign_id == campaign.id)
        .order_by(Ballot.id)
        .execution_options(yield_per=2000)
    )
    for b, voter_no, voter_name, unit, cand_name, bound_at in db.session.execute(stmt):
        _row(
            ws,
            [
                b.id,
                _local(b.cast_at),
                b.vote_day.isoformat(),
                voter_no,
                voter_name,
                unit or "",
                cand_name,
                CATEGORY_NAMES.get(b.category, b.category),
                b.ip or "",
                b.user_agent or "",
                b.client_hints or "",
                _local(bound_at),
                b.path,
                "是" if b.voided_at else "否",
                _local(b.voided_at),
                b.void_reason or "",
            ],
        )
    _turnout_sheet(wb, campaign)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
