"""The wish lifecycle as data: which action moves a wish from which statuses to which.

    pending_review ─approve→ open ─claim→ claimed ─fulfil→ fulfilled ─confirm→ completed
          └─reject→ rejected    ↑  └─release / expire─┘
    pending_review, open ─withdraw→ withdrawn (the wisher, before a claim)
    pending_review, open, claimed, fulfilled ─close→ closed (the secretary)

Services apply a transition with a conditional UPDATE (`WHERE status IN from_statuses`), so
two requests racing on the same wish cannot both win.
"""

from __future__ import annotations

from dataclasses import dataclass

from wishes.errors import InvalidTransition


@dataclass(frozen=True)
class Transition:
    action: str
    sources: tuple[str, ...]
    target: str
    needs_reason: bool = False


TRANSITIONS: dict[str, Transition] = {
    t.action: t
    for t in (
        Transition("approve", ("pending_review",), "open"),
        Transition("reject", ("pending_review",), "rejected", needs_reason=True),
        Transition("claim", ("open",), "claimed"),
        Transition("release", ("claimed",), "open", needs_reason=True),
        Transition("expire", ("claimed",), "open"),
        Transition("fulfil", ("claimed",), "fulfilled"),
        Transition("confirm", ("fulfilled",), "completed"),
        Transition("withdraw", ("pending_review", "open"), "withdrawn"),
        Transition(
            "close", ("pending_review", "open", "claimed", "fulfilled"), "closed", needs_reason=True
        ),
    )
}

# Statuses anyone bound in the mine may see (the wisher masked); the rest stay with the wisher,
# the claimer and the managers.
PUBLIC_STATUSES = ("open", "claimed", "fulfilled", "completed")
FINAL_STATUSES = ("rejected", "completed", "withdrawn", "closed")


def transition(action: str) -> Transition:
    """The transition named `action` (a programming error if unknown)."""
    return TRANSITIONS[action]


def check(action: str, status: str) -> Transition:
    """The transition if `status` allows `action`; InvalidTransition otherwise."""
    t = TRANSITIONS[action]
    if status not in t.sources:
        raise InvalidTransition()
    return t


def allowed_actions(status: str) -> list[str]:
    """Actions the status allows (before asking who may take them)."""
    return [a for a, t in TRANSITIONS.items() if status in t.sources and a != "expire"]
