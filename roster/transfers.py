"""Transfers: when the roster moves a person to another branch, their running pairings that now
cross branches are listed for the secretaries of both branches, who confirm or end them.

A pairing goes on while it is reviewed. Each side (the member's branch, the employee's branch)
confirms for itself — a committee member or a secretary of both branches confirms both at once —
and when both sides have confirmed, the review closes as `kept` and the pairing moves under the
member's branch (the old row ends with `member_moved`, history kept). Either side may end it
instead (reason `member_moved` / `employee_moved`). A pairing whose two people end up in the same
branch again needs no review: it follows the member's branch by itself.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import Any

from sqlalchemy import or_
from sqlalchemy.orm import joinedload

from accounts.principal import Principal
from domain_errors import Forbidden
from models import Branch, Pairing, PairingReview, Person, RoleGrant, db, utcnow
from notifications import notify
from pairings import moves
from pairings.months import local
from people import MAX_ID
from roster.errors import ReviewClosed, ReviewNotFound

REVIEW_PAGE = "pages/pairings/reviews"


def _person_ref(p: Person, branch_name: str) -> dict[str, Any]:
    return {"id": p.id, "employee_no": p.employee_no, "name": p.name, "branch": branch_name}


def crossing_after(
    moved: dict[int, str], leaving: set[int], branch_name: dict[int, str]
) -> list[dict[str, Any]]:
    """The running pairings that planned moves (person id → new branch name) would make cross
    branches, for the preview; pairings of people who are leaving end instead."""
    out = []
    for pairing in moves.active_pairings_of(set(moved)):
        if {pairing.member_id, pairing.employee_id} & leaving:
            continue
        member, employee = pairing.member, pairing.employee
        m = moved.get(member.id) or branch_name.get(member.branch_id or 0, "")
        e = moved.get(employee.id) or branch_name.get(employee.branch_id or 0, "")
        if m != e:
            out.append(
                {
                    "pairing_id": pairing.id,
                    "review_id": None,
                    "cause": "member_moved" if member.id in moved else "employee_moved",
                    "member": _person_ref(member, m),
                    "employee": _person_ref(employee, e),
                }
            )
    return out


def _open_review(pairing_id: int) -> PairingReview | None:
    return db.session.scalar(
        db.select(PairingReview).where(
            PairingReview.pairing_id == pairing_id, PairingReview.open.is_(True)
        )
    )


def _close(review: PairingReview, outcome: str, actor_id: int | None, now: datetime) -> None:
    review.open, review.closed_at, review.outcome, review.closed_by_id = (
        None,
        now,
        outcome,
        actor_id,
    )


def close_reviews_of(pairing_ids: set[int], outcome: str, actor_id: int | None, now: datetime):
    """Close the open reviews of these pairings (they ended some other way)."""
    if not pairing_ids:
        return
    for review in db.session.scalars(
        db.select(PairingReview).where(
            PairingReview.pairing_id.in_(sorted(pairing_ids)), PairingReview.open.is_(True)
        )
    ):
        _close(review, outcome, actor_id, now)


def review_moves(
    moved: set[int], leaving: set[int], actor_id: int | None, now: datetime
) -> list[dict[str, Any]]:
    """After the roster moved these people: open (or update) a review for each running pairing
    that now crosses branches, carry pairings whose two people moved together, tell the
    secretaries of both branches. Returns the open reviews of those pairings."""
    names = {b.id: b.name for b in db.session.scalars(db.select(Branch))}
    opened: list[PairingReview] = []
    current: list[PairingReview] = []
    for pairing in moves.active_pairings_of(moved):
        if {pairing.member_id, pairing.employee_id} & leaving:
            continue
        m, e = pairing.member.branch_id, pairing.employee.branch_id
        review = _open_review(pairing.id)
        if m == e or m is None or e is None:
            if review is not None:
                _close(review, "resolved", actor_id, now)
            if m is not None and pairing.branch_id != m:
                moves.move_pairing(pairing, m, actor_id, now)
            continue
        cause = "member_moved" if pairing.branch_id != m else "employee_moved"
        if review is None:
            review = PairingReview(
                mine_id=pairing.mine_id,
                pairing_id=pairing.id,
                cause=cause,
                member_branch_id=m,
                employee_branch_id=e,
                open=True,
                opened_at=now,
            )
            db.session.add(review)
            opened.append(review)
        elif (review.member_branch_id, review.employee_branch_id) != (m, e):
            # Moved again before anyone decided: the new sides decide afresh.
            review.cause, review.member_branch_id, review.employee_branch_id = cause, m, e
            review.member_side_by_id = review.member_side_at = None
            review.employee_side_by_id = review.employee_side_at = None
            opened.append(review)
        current.append(review)
    db.session.flush()
    _tell_secretaries(opened, names, now)
    return [
        {
            "pairing_id": r.pairing_id,
            "review_id": r.id,
            "cause": r.cause,
            "member": _person_ref(r.pairing.member, names.get(r.member_branch_id, "")),
            "employee": _person_ref(r.pairing.employee, names.get(r.employee_branch_id, "")),
        }
        for r in current
    ]


def _tell_secretaries(reviews: list[PairingReview], names: dict[int, str], now: datetime):
    """One message per secretary of either branch: how many pairings wait for them."""
    if not reviews:
        return
    by_branch: dict[int, int] = defaultdict(int)
    for r in reviews:
        for b in {r.member_branch_id, r.employee_branch_id}:
            by_branch[b] += 1
    waiting: dict[int, dict[int, int]] = defaultdict(dict)
    for person_id, branch_id in db.session.execute(
        db.select(RoleGrant.person_id, RoleGrant.branch_id).where(
            RoleGrant.role == "secretary", RoleGrant.branch_id.in_(sorted(by_branch))
        )
    ):
        waiting[person_id][branch_id] = by_branch[branch_id]
    at = local(now).strftime("%Y-%m-%d %H:%M")  # China time, as every message shows it
    for person_id, counts in sorted(waiting.items()):
        count = sum(counts.values())
        branches = "、".join(names.get(b, "") for b in sorted(counts))
        notify(
            person_id,
            "pairing_reviews",
            {
                "count": count,
                "branches": branches,
                "at": at,
                "text": f"人员调动后有 {count} 个结对跨了支部，请确认继续或解除",
            },
            REVIEW_PAGE,
        )


# -- the secretaries' side ------------------------------------------------------------------


def review_view(review: PairingReview, names: dict[int, str] | None = None) -> dict[str, Any]:
    """A review as the API and the console show it."""
    if names is None:
        ids = {review.member_branch_id, review.employee_branch_id, review.pairing.branch_id}
        names = {
            b.id: b.name for b in db.session.scalars(db.select(Branch).where(Branch.id.in_(ids)))
        }
    pairing = review.pairing

    def side(by: int | None, at: datetime | None) -> dict[str, Any] | None:
        return {"by_id": by, "at": at} if by is not None else None

    def branch(branch_id: int) -> dict[str, Any]:
        return {"id": branch_id, "name": names.get(branch_id, "")}

    # A pairing a secretary ended directly (DELETE /pairings/{id}) leaves nothing to decide.
    undecided = bool(review.open) and bool(pairing.active)
    return {
        "id": review.id,
        "status": "open" if undecided else "closed",
        "outcome": review.outcome or (None if undecided else "resolved"),
        "cause": review.cause,
        "opened_at": review.opened_at,
        "closed_at": review.closed_at,
        "pairing_id": pairing.id,
        "pairing_active": bool(pairing.active),
        "pairing_branch": branch(pairing.branch_id),
        "member": _person_ref(pairing.member, names.get(review.member_branch_id, "")),
        "employee": _person_ref(pairing.employee, names.get(review.employee_branch_id, "")),
        "member_branch": branch(review.member_branch_id),
        "employee_branch": branch(review.employee_branch_id),
        "member_side": side(review.member_side_by_id, review.member_side_at),
        "employee_side": side(review.employee_side_by_id, review.employee_side_at),
    }


def branch_reviews(branch: Branch, status: str = "open"):
    """A select of the reviews that concern a branch (either side, or the pairing's branch)."""
    stmt = (
        db.select(PairingReview)
        .join(Pairing, Pairing.id == PairingReview.pairing_id)
        .where(
            or_(
                PairingReview.member_branch_id == branch.id,
                PairingReview.employee_branch_id == branch.id,
                Pairing.branch_id == branch.id,
            )
        )
        .options(
            joinedload(PairingReview.pairing).options(
                joinedload(Pairing.member), joinedload(Pairing.employee)
            )
        )
    )
    if status == "open":
        stmt = stmt.where(PairingReview.open.is_(True), Pairing.active.is_(True))
    elif status == "closed":
        stmt = stmt.where(or_(PairingReview.open.is_(None), Pairing.active.is_(None)))
    return stmt.order_by(PairingReview.opened_at.desc(), PairingReview.id.desc())


def _sides(principal: Principal, review: PairingReview) -> tuple[bool, bool]:
    return (
        principal.manages_branch(review.member_branch_id, review.mine_id),
        principal.manages_branch(review.employee_branch_id, review.mine_id),
    )


def _get_for_decision(principal: Principal, review_id: int) -> tuple[PairingReview, bool, bool]:
    """The review under a row lock, and which sides the caller speaks for."""
    principal.require("secretary", "committee")
    review = db.session.scalar(
        db.select(PairingReview)
        .where(PairingReview.id == review_id if 0 < review_id <= MAX_ID else False)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if review is None:
        raise ReviewNotFound()
    member_side, employee_side = _sides(principal, review)
    if not (member_side or employee_side):
        if principal.manages_branch(review.pairing.branch_id, review.mine_id):
            raise Forbidden("只有结对双方所在支部的书记或党委可以处理")
        raise ReviewNotFound()
    db.session.refresh(review.pairing)
    if review.open and not review.pairing.active:
        _close(review, "resolved", None, utcnow())  # the pairing ended some other way
        db.session.flush()
    if not review.open:
        raise ReviewClosed()
    return review, member_side, employee_side


def confirm_review(principal: Principal, review_id: int) -> PairingReview:
    """Confirm the cross-branch pairing for the side(s) the caller manages; when both sides
    have, it goes on under the member's branch."""
    review, member_side, employee_side = _get_for_decision(principal, review_id)
    now, me = utcnow(), principal.person_id
    if member_side and review.member_side_by_id is None:
        review.member_side_by_id, review.member_side_at = me, now
    if employee_side and review.employee_side_by_id is None:
        review.employee_side_by_id, review.employee_side_at = me, now
    if review.member_side_by_id is not None and review.employee_side_by_id is not None:
        _close(review, "kept", me, now)
        if review.pairing.branch_id != review.member_branch_id:
            # The review follows the pairing to the member's branch; the old row keeps A's history.
            review.pairing = moves.move_pairing(review.pairing, review.member_branch_id, me, now)
    db.session.flush()
    return review


def end_review(principal: Principal, review_id: int) -> PairingReview:
    """End the cross-branch pairing (either side may), history kept."""
    review, _, _ = _get_for_decision(principal, review_id)
    now, me = utcnow(), principal.person_id
    moves.end_pairing(review.pairing, review.cause, me, now)
    _close(review, "ended", me, now)
    db.session.flush()
    return review


def get_review(principal: Principal, review_id: int) -> PairingReview:
    """A review the caller may see (a secretary of a branch it concerns, or committee)."""
    principal.require("secretary", "committee")
    review = db.session.get(PairingReview, review_id) if 0 < review_id <= MAX_ID else None
    if review is None or not (
        any(_sides(principal, review))
        or principal.manages_branch(review.pairing.branch_id, review.mine_id)
    ):
        raise ReviewNotFound()
    return review
