"""What of a wish each viewer may see: the public sees 张*, no phone; the claimer, the branch
secretary and committee see the wisher's name and phone."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from accounts.principal import Principal
from media.store import public_check
from models import Person, Upload, Wish, WishEvent
from wishes import photos, services, states


def mask_name(name: str | None) -> str:
    """张三 → 张*, 欧阳修 → 欧*: the surname's first character and one star."""
    name = (name or "").strip()
    return f"{name[0]}*" if name else "*"


def _person(person: Person | None, full: bool) -> dict[str, Any] | None:
    if person is None:
        return None
    if full:
        return {
            "id": person.id,
            "name": person.name,
            "phone": person.phone,
            "unit": person.unit.name if person.unit else None,
        }
    return {"id": None, "name": mask_name(person.name), "phone": None, "unit": None}


def _claimer(wish: Wish, full: bool) -> dict[str, Any] | None:
    """A member's name is public (党员助圆梦); their phone only for those who see the wisher."""
    if wish.claimer is None:
        return None
    c = wish.claimer
    return {
        "id": c.id,
        "name": c.name,
        "phone": c.phone if full else None,
        "unit": c.unit.name if c.unit else None,
    }


def summary(wish: Wish, p: Principal) -> dict[str, Any]:
    """A list row."""
    full = services.sees_identity(p, wish)
    return {
        "id": wish.id,
        "title": wish.title,
        "category": wish.category,
        "status": wish.status,
        "branch": {"id": wish.branch.id, "name": wish.branch.name},
        "wisher": _person(wish.wisher, full),
        "claimer": _claimer(wish, full),
        "created_at": wish.created_at,
        "claim_deadline": wish.claim_deadline,
    }


def detail(
    wish: Wish, p: Principal, photo_url: Callable[[Upload], str], events: list[WishEvent] | None
) -> dict[str, Any]:
    """The detail view; the history only for those who see the wisher's identity."""
    full = services.sees_identity(p, wish)
    rel = services.relations(p, wish)
    out = summary(wish, p)
    out.update(
        content=wish.content,
        content_check=wish.content_check if rel & {"secretary", "committee"} else None,
        on_behalf=wish.author_id != wish.wisher_id,
        author=_person(wish.author, full) if wish.author_id != wish.wisher_id else None,
        source_talk_id=wish.source_talk_id if rel & {"secretary", "committee"} else None,
        reviewed_at=wish.reviewed_at,
        reject_reason=wish.reject_reason if full else None,
        claimed_at=wish.claimed_at,
        fulfil_note=wish.fulfil_note,
        fulfilled_at=wish.fulfilled_at,
        photos=[
            {"id": u.id, "url": photo_url(u), "check": public_check(u)}
            for u in photos.shown_on_wish(p, wish)
        ],
        rating=wish.rating,
        thanks=wish.thanks,
        completed_at=wish.completed_at,
        closed_reason=wish.closed_reason if full else None,
        my_relation=sorted(rel),
        actions=available_actions(wish, p),
        history=[
            {
                "action": e.action,
                "from_status": e.from_status,
                "to_status": e.to_status,
                "actor": e.actor.name if e.actor else None,
                "reason": e.reason,
                "at": e.at,
            }
            for e in events
        ]
        if full and events is not None
        else None,
    )
    return out


def available_actions(wish: Wish, p: Principal) -> list[str]:
    """What the caller could do now (the client shows these buttons)."""
    rel = services.relations(p, wish)
    person = p.person
    acts = []
    for action in states.allowed_actions(wish.status):
        if action in ("approve", "reject") and "secretary" in rel:
            acts.append(action)
        elif action == "close" and rel & {"secretary", "committee"}:
            acts.append(action)
        elif (
            action == "claim"
            and person is not None
            and person.is_party_member
            and "wisher" not in rel
        ):
            acts.append(action)
        elif action in ("release", "fulfil") and "claimer" in rel:
            acts.append(action)
        elif action in ("confirm", "withdraw") and services._acts_for_wisher(p, wish):
            acts.append(action)
    return acts
