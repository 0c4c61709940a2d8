"""Points for deeds: a verified danger's reporter and a 三违 stop's recorder get a points
request (pending) that reaches the ledger only when a committee member who is neither the
person nor the one whose act raised it approves it — the maker-checker of points/requests.

Values are ZONE_POINTS_DANGER_FOUND and ZONE_POINTS_VIOLATION_STOPPED (0 turns one off). Only
party members earn points. An anonymous report earns none: a request names the reporter to
the branch's secretary on the points pages, which the reporter chose not to be."""

from __future__ import annotations

from models import Person, PointsRequest
from points.requests import file_pending

REASON_MAX = 255


def propose(person: Person, delta: int, reason: str, raised_by_id: int) -> PointsRequest | None:
    """A pending points request for a party member of the mine (None when it earns nothing)."""
    if delta <= 0 or not person.is_party_member or person.left_at is not None:
        return None
    return file_pending(
        PointsRequest,
        raised_by_id,
        mine_id=person.mine_id,
        person_id=person.id,
        delta=delta,
        reason=reason[:REASON_MAX],
    )
