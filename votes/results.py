"""Results: the public vote and the member points, normalised per category and weighted.

Each half is scaled to 0..100 within its category (the best candidate gets 100), then
total = w_votes × vote_score + w_points × points_score with the weights normalised to sum to 1.
Votes are the database's non-voided ballots; points come from the ledger
(`points.ledger.totals` over the campaign's points period) or, with points_source = "sheet",
from an imported assessment sheet. Publishing freezes the result in the campaign row.
"""

from __future__ import annotations

import copy
import csv
import io
import math
from datetime import datetime
from typing import Any

import workbooks
from models import Ballot, Campaign, Candidate, Person, db
from models.votes import CATEGORY_NAMES
from votes.errors import PointsSheetInvalid
from votes.settings import settings


def vote_counts(campaign_id: int) -> dict[int, int]:
    """Non-voided ballots per candidate, from the database (the durable record)."""
    return {
        cid: int(n)
        for cid, n in db.session.execute(
            db.select(Ballot.candidate_id, db.func.count())
            .where(Ballot.campaign_id == campaign_id, Ballot.voided_at.is_(None))
            .group_by(Ballot.candidate_id)
        )
    }


def _last_vote_at(campaign_id: int) -> dict[int, str]:
    """The time of each candidate's last counted ballot (ISO, UTC): the "earlier" tie rule."""
    return {
        cid: at.isoformat()
        for cid, at in db.session.execute(
            db.select(Ballot.candidate_id, db.func.max(Ballot.cast_at))
            .where(Ballot.campaign_id == campaign_id, Ballot.voided_at.is_(None))
            .group_by(Ballot.candidate_id)
        )
        if at is not None
    }


def points_of(campaign: Campaign, candidates: list[Candidate], until: datetime) -> dict[int, float]:
    """Points per candidate id from the ledger or the imported sheet."""
    if campaign.points_source == "sheet":
        return {c.id: float(c.assessed_points or 0) for c in candidates}
    from points.ledger import totals

    by_person = totals(
        sorted({c.person_id for c in candidates}),
        since=campaign.points_since,
        until=campaign.points_until or until,
    )
    return {c.id: float(by_person.get(c.person_id, 0)) for c in candidates}


def _ranked(entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    entries.sort(key=lambda e: (-e["total"], -e["votes"], e["candidate_id"]))
    rank, previous = 0, None
    for i, entry in enumerate(entries, start=1):
        key = (entry["total"], entry["votes"])
        if key != previous:
            rank, previous = i, key
        entry["rank"] = rank
    return entries


def compute_results(campaign: Campaign, frozen_at: datetime) -> dict[str, Any]:
    """Scores of every candidate still standing (not withdrawn), per category, with the weights
    used."""
    candidates = db.session.scalars(
        db.select(Candidate)
        .where(Candidate.campaign_id == campaign.id, Candidate.withdrawn_at.is_(None))
        .options(db.joinedload(Candidate.person).joinedload(Person.unit))
    ).all()
    votes = vote_counts(campaign.id)
    last_votes = _last_vote_at(campaign.id)
    points = points_of(campaign, candidates, frozen_at)
    total_weight = (campaign.weight_votes + campaign.weight_points) or 1.0
    w_votes = campaign.weight_votes / total_weight
    w_points = campaign.weight_points / total_weight
    categories = []
    for key in campaign.categories:
        group = [c for c in candidates if c.category == key]
        max_votes = max((votes.get(c.id, 0) for c in group), default=0)
        max_points = max((max(points.get(c.id, 0.0), 0.0) for c in group), default=0.0)
        entries = []
        for c in group:
            v, p = votes.get(c.id, 0), points.get(c.id, 0.0)
            vote_score = round(100.0 * v / max_votes, 2) if max_votes else 0.0
            points_score = round(100.0 * max(p, 0.0) / max_points, 2) if max_points else 0.0
            entries.append(
                {
                    "candidate_id": c.id,
                    "name": c.person.name,
                    "unit": c.person.unit.name if c.person.unit else "",
                    "votes": v,
                    "vote_score": vote_score,
                    "points": p,
                    "points_score": points_score,
                    "total": round(w_votes * vote_score + w_points * points_score, 2),
                    "last_vote_at": last_votes.get(c.id),
                }
            )
        categories.append({"key": key, "name": CATEGORY_NAMES[key], "entries": _ranked(entries)})
    return {
        "weights": {"votes": round(w_votes, 4), "points": round(w_points, 4)},
        "points_source": campaign.points_source,
        "computed_at": frozen_at.isoformat(),
        "categories": categories,
    }


TIE_RULE_NAMES = {
    "committee": "由评选委员会决定",
    "votes": "得票多者优先",
    "earlier": "最后一票较早者优先",
}
TIE_BROKEN_BY = {
    "votes": "得票多者优先",
    "earlier": "最后一票较早者优先",
    "candidate_id": "按候选人编号（得票与最后一票时间均相同）",
    "committee": "评选委员会决定",
}


def _tie_keys(rule: str, entry: dict[str, Any]) -> list[tuple[str, Any]]:
    votes = ("votes", -entry["votes"])
    earlier = ("earlier", entry.get("last_vote_at") or "9999")
    return [votes, earlier] if rule == "votes" else [earlier, votes]


def _break_tie(rule: str, tied: list[dict[str, Any]], places: int) -> tuple[list[int], str]:
    """The ids honoured of a tied group by `rule` ("votes" or "earlier", the other criterion
    next, the candidate id last) and the criterion that separated the last place."""

    def key(entry: dict[str, Any]) -> tuple:
        return (*(v for _, v in _tie_keys(rule, entry)), entry["candidate_id"])

    ordered = sorted(tied, key=key)
    inside, outside = ordered[places - 1], ordered[places]
    broken_by = "candidate_id"
    for (name, a), (_, b) in zip(_tie_keys(rule, inside), _tie_keys(rule, outside), strict=True):
        if a != b:
            broken_by = name
            break
    return [e["candidate_id"] for e in ordered[:places]], broken_by


def honour(
    results: dict[str, Any], quotas: dict[str, int], tie_rule: str = "committee"
) -> dict[str, Any]:
    """A copy of `results` with each category's quota and `honoured` on its best `quota` entries
    that were not removed by an upheld objection (the next one moves up).

    A tie at the boundary (equal totals for the last honoured place and the first one after
    it) is never broken silently: the category gets `tie` {candidates, places, rule, broken_by
    or decision} and its tied entries `tied`. With the rule "committee" (the default) none of
    the tied candidates is honoured until the committee decides (`decide_tie`, with a reason;
    publish waits for it); "votes" and "earlier" break it at once and say so."""
    out = copy.deepcopy(results)
    for category in out["categories"]:
        quota = int(quotas.get(category["key"], 0))
        category["quota"] = quota
        previous = category.pop("tie", None)
        standing = []
        for entry in category["entries"]:
            entry.setdefault("removed", False)
            entry["tied"] = False
            if not entry["removed"]:
                standing.append(entry)
        honoured = {e["candidate_id"] for e in standing[:quota]}
        if 0 < quota < len(standing) and standing[quota - 1]["total"] == standing[quota]["total"]:
            boundary = standing[quota]["total"]
            tied = [e for e in standing if e["total"] == boundary]
            above = {e["candidate_id"] for e in standing if e["total"] > boundary}
            places = quota - len(above)
            ids = sorted(e["candidate_id"] for e in tied)
            tie: dict[str, Any] = {
                "candidates": ids,
                "places": places,
                "rule": tie_rule,
                "rule_name": TIE_RULE_NAMES.get(tie_rule, tie_rule),
            }
            for e in tied:
                e["tied"] = True
            if tie_rule == "committee":
                decision = (previous or {}).get("decision")
                if (
                    decision
                    and previous.get("candidates") == ids
                    and previous.get("places") == places
                ):
                    tie["decision"] = decision
                    tie["broken_by"] = "committee"
                    chosen = set(decision["chosen"])
                else:
                    tie["decision"] = None
                    chosen = set()
            else:
                picked, broken_by = _break_tie(tie_rule, tied, places)
                tie["broken_by"] = broken_by
                chosen = set(picked)
            if "broken_by" in tie:
                tie["broken_by_name"] = TIE_BROKEN_BY[tie["broken_by"]]
            category["tie"] = tie
            honoured = above | chosen
        for entry in category["entries"]:
            entry["honoured"] = entry["candidate_id"] in honoured and not entry["removed"]
    return out


def undecided_ties(results: dict[str, Any] | None) -> list[str]:
    """Category keys whose boundary tie still waits for the committee's decision."""
    return [
        c["key"]
        for c in (results or {}).get("categories", [])
        if c.get("tie") and c["tie"]["rule"] == "committee" and not c["tie"].get("decision")
    ]


def winners(results: dict[str, Any] | None, with_tied: bool = False) -> list[dict[str, Any]]:
    """The honoured entries of frozen results, per category in rank order; `with_tied` adds the
    candidates of a boundary tie the committee has not decided yet (shown in 公示 as tied)."""

    def shown(category: dict[str, Any], entry: dict[str, Any]) -> bool:
        if entry.get("honoured"):
            return True
        tie = category.get("tie") or {}
        return (
            with_tied
            and entry.get("tied", False)
            and not entry.get("removed")
            and tie.get("rule") == "committee"
            and not tie.get("decision")
        )

    return [
        {**entry, "category": category["key"]}
        for category in (results or {}).get("categories", [])
        for entry in category["entries"]
        if shown(category, entry)
    ]


def read_points_sheet(
    campaign: Campaign, filename: str, content: bytes, author_id: int | None = None
) -> dict[int, float]:
    """Candidate id → points from a sheet (工号/employee_no, 积分/points): all or none.

    Every row is checked and every bad row named (422 points_sheet_invalid): a candidate of
    this campaign, a finite number within the single-adjustment limit (POINTS_MANUAL_MAX), and
    not the author's own row — nobody sets their own points."""
    rows = _read_rows(filename, content)
    if not rows:
        raise PointsSheetInvalid(errors={"rows": [{"row": 1, "errors": {"file": ["没有数据行"]}}]})
    header_number, header_cells = rows[0]
    header = [str(h or "").strip() for h in header_cells]
    try:
        no_col = next(i for i, h in enumerate(header) if h in ("employee_no", "工号"))
        pts_col = next(i for i, h in enumerate(header) if h in ("points", "积分"))
    except StopIteration:
        raise PointsSheetInvalid(
            errors={
                "rows": [
                    {"row": header_number, "errors": {"header": ["需要「工号」和「积分」两列"]}}
                ]
            }
        ) from None
    limit = settings().points_manual_max
    by_no: dict[str, list[Candidate]] = {}
    for c in campaign.candidates:
        by_no.setdefault(c.person.employee_no, []).append(c)
    bad, values = [], {}
    for n, row in rows[1:]:
        cells = list(row) + [None] * (max(no_col, pts_col) + 1 - len(row))
        no = str(cells[no_col] or "").strip()
        if not no and cells[pts_col] in (None, ""):
            continue
        errors = {}
        if no not in by_no:
            errors["employee_no"] = ["不是本次评选的候选人"]
        elif author_id is not None and any(c.person_id == author_id for c in by_no[no]):
            errors["employee_no"] = ["不能为自己设置积分"]
        try:
            pts = float(str(cells[pts_col]).strip())
        except ValueError:
            errors["points"] = ["积分必须是数字"]
        else:
            # float() takes "nan", "inf" and 1e309 (= inf): none of them is a score.
            if not math.isfinite(pts) or abs(pts) > limit:
                errors["points"] = [f"积分须为有限数值，绝对值不超过 {limit}"]
        if errors:
            bad.append({"row": n, "errors": errors})
        else:
            values[no] = pts
    if bad:
        raise PointsSheetInvalid(errors={"rows": bad})
    return {c.id: pts for no, pts in values.items() for c in by_no[no]}


def apply_points_sheet(campaign: Campaign, scores: dict[int, float]) -> int:
    """Set the candidates' assessed points and switch the campaign to points_source = "sheet";
    returns how many candidates were set (those still in the campaign)."""
    by_id = {c.id: c for c in campaign.candidates}
    n = 0
    for candidate_id, pts in scores.items():
        candidate = by_id.get(int(candidate_id))
        if candidate is not None:
            candidate.assessed_points = pts
            n += 1
    campaign.points_source = "sheet"
    return n


def import_points_sheet(campaign: Campaign, filename: str, content: bytes) -> int:
    """The operator's import (`flask votes import-points`, no person behind it): read and apply
    at once. Through the API a sheet is a request another committee member approves
    (votes.points_sheets)."""
    return apply_points_sheet(campaign, read_points_sheet(campaign, filename, content))


# A points sheet lists the campaign's candidates: a few hundred rows at most.
POINTS_SHEET_MAX_ROWS = 5_000
POINTS_SHEET_LIMITS = workbooks.Limits(max_rows=POINTS_SHEET_MAX_ROWS, max_columns=64)


def _read_rows(filename: str, content: bytes) -> list[tuple[int, list[Any]]]:
    """(row number, cells) of the sheet's rows that hold something, within the limits: an .xlsx
    through the one bounded workbook reader (a row number jump costs nothing), a CSV up to
    POINTS_SHEET_MAX_ROWS rows."""
    out: list[tuple[int, list[Any]]] = []
    if filename.lower().endswith(".xlsx"):
        try:
            with workbooks.open_workbook(content, POINTS_SHEET_LIMITS) as wb:
                for number, cells in wb.rows(wb.active):
                    if cells:
                        out.append((number, list(cells)))
        except workbooks.WorkbookDamaged as exc:
            raise PointsSheetInvalid("无法读取该 Excel 文件") from exc
        return out
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = content.decode("gb18030", errors="replace")
    try:
        for number, row in enumerate(csv.reader(io.StringIO(text, newline="")), start=1):
            if not any(cell.strip() for cell in row):
                continue
            if len(out) >= POINTS_SHEET_MAX_ROWS:
                raise workbooks.TooManyRows(
                    f"一个工作表最多 {POINTS_SHEET_MAX_ROWS} 行，请分批处理"
                )
            out.append((number, row))
    except csv.Error as exc:  # a bare CR inside a field, NUL bytes: not a sheet we can read
        raise PointsSheetInvalid("无法读取该 CSV 文件") from exc
    return out
