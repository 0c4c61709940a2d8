"""Who stands in a campaign whose results are not yet published (read by the points audit list,
which flags manual points for such a candidate: they move the `points` half of the results)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Exists

from models import Campaign, Candidate, db


def unpublished_candidacies(person_ids: list[int]) -> dict[int, list[dict]]:
    """person id → [{campaign_id, title, status, category}] for campaigns not yet published."""
    if not person_ids:
        return {}
    rows = db.session.execute(
        db.select(Candidate.person_id, Candidate.category, Campaign.id, Campaign.title)
        .add_columns(Campaign.status)
        .join(Campaign, Campaign.id == Candidate.campaign_id)
        .where(Candidate.person_id.in_(sorted(set(person_ids))), Campaign.status != "published")
        .order_by(Campaign.id, Candidate.id)
    ).all()
    found: dict[int, list[dict]] = {}
    for person_id, category, campaign_id, title, status in rows:
        found.setdefault(person_id, []).append(
            {"campaign_id": campaign_id, "title": title, "status": status, "category": category}
        )
    return found


def stands_in_unpublished_campaign(person_id: Any) -> Exists:
    """A clause true when the person (a column or id) is a candidate of a campaign whose results
    are not yet published — the audit list's filter for flagged adjustments."""
    return (
        db.select(Candidate.id)
        .join(Campaign, Campaign.id == Candidate.campaign_id)
        .where(Candidate.person_id == person_id, Campaign.status != "published")
        .exists()
    )
