"""Yearly ratings proposed from the records and confirmed by the committee: 五型党员 for a
party member whose year's points reach the mine's threshold, 五星党支部 for a branch whose
score — the mean of its meeting compliance (share of required meetings held) and its members'
attendance rate, in percent — reaches its threshold. Proposing again leaves decided ratings
alone; a committee member confirms or rejects each once."""

from __future__ import annotations

from sqlalchemy import update

from accounts.principal import Principal
from meetings import queries
from meetings.errors import RatingDecided, RatingNotFound
from models import Rating, db, utcnow
from models.unit_of_work import insert_once
from points import rulebook
from points.ledger import parse_period
from points.ranks import ranked


def branch_scores(mine_id: int, year: int) -> dict[int, int]:
    """Each branch's 五星 score for a year, 0–100."""
    period = parse_period(str(year))
    rates, _, _ = queries.attendance_rates(mine_id, period)
    out = {}
    for row in queries.compliance(mine_id, period):
        required = sum(k["required"] for k in row["kinds"])
        held = sum(min(k["held"], k["required"]) for k in row["kinds"])
        held_share = held / required if required else 1.0
        rate = rates.get(row["branch_id"])
        attend = rate.rate if rate is not None and rate.rate is not None else 0.0
        out[row["branch_id"]] = round(50 * held_share + 50 * attend)
    return out


def propose(principal: Principal, year: int) -> list[Rating]:
    """Propose the year's ratings from the thresholds; returns every rating of the year."""
    person = principal.require("committee")
    mine_id = person.mine_id
    cfg = rulebook.settings(mine_id)
    candidates: list[tuple[str, int, int]] = [
        ("member_five_type", p.id, total)
        for p, total, _ in ranked(mine_id, None, parse_period(str(year)))
        if total >= cfg.five_type_threshold
    ]
    candidates += [
        ("branch_five_star", bid, score)
        for bid, score in branch_scores(mine_id, year).items()
        if score >= cfg.five_star_threshold
    ]
    for kind, subject, score in candidates:
        existing = db.session.scalar(
            db.select(Rating).where(
                Rating.mine_id == mine_id,
                Rating.year == year,
                Rating.kind == kind,
                Rating.subject_id == subject,
            )
        )
        if existing is not None:
            if existing.status == "proposed":
                existing.score = score
            continue
        proposed = Rating(
            mine_id=mine_id,
            year=year,
            kind=kind,
            subject_id=subject,
            score=score,
            status="proposed",
            proposed_at=utcnow(),
        )
        insert_once(proposed)  # False: proposed by another request at the same instant
    return listed(principal, year)


def listed(principal: Principal, year: int) -> list[Rating]:
    person = principal.require("secretary", "committee")
    return list(
        db.session.scalars(
            db.select(Rating)
            .where(Rating.mine_id == person.mine_id, Rating.year == year)
            .order_by(Rating.kind, Rating.score.desc(), Rating.id)
        )
    )


def decide(principal: Principal, rating_id: int, approve: bool) -> Rating:
    """A committee member confirms or rejects a proposed rating, once."""
    person = principal.require("committee")
    rating = db.session.get(Rating, rating_id)
    if rating is None or rating.mine_id != person.mine_id:
        raise RatingNotFound()
    won = db.session.execute(
        update(Rating)
        .where(Rating.id == rating.id, Rating.status == "proposed")
        .values(
            status="confirmed" if approve else "rejected",
            decided_by_id=person.id,
            decided_at=utcnow(),
        )
        .execution_options(synchronize_session=False)
    )
    if won.rowcount != 1:
        raise RatingDecided()
    db.session.refresh(rating)
    return rating
