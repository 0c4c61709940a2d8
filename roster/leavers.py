"""People who leave the mine (离职): history stays, access and duties end at once.

`mark_left` is the one cascade, one step per domain, each through that domain's own service,
inside the caller's transaction:

- accounts: every token of their account is revoked (the next request is 401), their secretary
  and committee grants are removed; the account stays bound, and any later login or bind
  answers 403 `person_left`;
- pairings: their running pairings end with `member_left` / `employee_left` (history kept),
  so they drop out of monthly compliance from the next month, and open reviews of those
  pairings close;
- wishes: their open claims return to the pool and each wisher is told (`claim_returned`);
  their own wishes still waiting for review or for a claimer are closed;
- assessments: their duties end (leader of a 区队 or 班组, scoring staff of an office);
- votes: their candidacies in campaigns not yet in 公示 or published are withdrawn (no longer
  shown, voted for or honoured; ballots stay on record), and they can no longer be nominated.

Appearing again on a later roster brings them back (left_at cleared); pairings, claims, grants
and duties do not come back by themselves. Both are recorded (`LeaveRecord`: whom, by whom,
when, by an import or one at a time) for the committee's audit.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from accounts import grants, tokens
from models import Account, AuthSession, LeaveRecord, Person, RoleGrant, Wish, db, utcnow
from pairings import moves
from roster import groups, transfers
from roster.errors import AlreadyLeft, CannotLeaveSelf
from votes import campaigns as votes
from wishes import services as wishes


@dataclass
class LeaverOutcome:
    """What marking people as left undid, for the report."""

    people: int = 0
    tokens_revoked: int = 0
    grants_removed: int = 0
    pairings_ended: int = 0
    claims_returned: int = 0
    wishes_closed: int = 0
    candidacies_withdrawn: int = 0
    duties_removed: int = 0


def mark_left(
    people: list[Person],
    *,
    actor_id: int | None = None,
    now: datetime | None = None,
    source: str = "import",
) -> LeaverOutcome:
    """Mark these people as left and carry it through every domain (the caller commits)."""
    now = now or utcnow()
    people = [p for p in people if p.left_at is None]
    ids = {p.id for p in people}
    out = LeaverOutcome(people=len(people))
    if not ids:
        return out
    # A mine keeps at least one committee member (else only the CLI can restore one).
    grants.keep_a_committee_member({p.mine_id for p in people}, ids)
    for p in people:
        p.left_at = now
        record(p, "left", source, actor_id, now)
    db.session.flush()

    # accounts: access ends at once.
    account_ids = db.session.scalars(
        db.select(Account.id).where(Account.person_id.in_(sorted(ids)))
    ).all()
    out.tokens_revoked = sum(tokens.revoke_all(a) for a in account_ids)
    out.grants_removed = grants.revoke_every_grant(ids)

    # pairings: end with the reason, history kept; reviews of them are moot.
    ended = moves.end_pairings_of_leavers(ids, now)
    out.pairings_ended = len(ended)
    transfers.close_reviews_of({p.id for p in ended}, "resolved", actor_id, now)

    # wishes: claims back to the pool (wisher told), their own unclaimed wishes closed.
    out.claims_returned = len(wishes.return_claims_of_leavers(ids, now))
    out.wishes_closed = len(wishes.close_wishes_of_leavers(ids, now))

    # assessments: leader and scorer duties end (a 班组 names its leader anew).
    out.duties_removed = groups.drop_duties_of(ids)

    # votes: candidacies withdrawn (Redis learns it after the caller's commit).
    out.candidacies_withdrawn = sum(votes.withdraw_person(pid, "离职") for pid in sorted(ids))
    db.session.flush()
    return out


def leave(person: Person, *, actor_id: int | None = None) -> LeaverOutcome:
    """Mark one person as left (a committee act between two roster imports); not oneself."""
    if actor_id is not None and actor_id == person.id:
        raise CannotLeaveSelf()
    db.session.execute(db.select(Person.id).where(Person.id == person.id).with_for_update()).all()
    db.session.refresh(person)
    if person.left_at is not None:
        raise AlreadyLeft()
    return mark_left([person], actor_id=actor_id, source="single")


def record(person: Person, action: str, source: str, actor_id: int | None, now: datetime) -> None:
    """Note that a person left (or came back on a roster) for the committee's audit."""
    db.session.add(
        LeaveRecord(
            mine_id=person.mine_id,
            person_id=person.id,
            action=action,
            source=source,
            actor_id=actor_id,
            at=now,
        )
    )


def leave_impact(person: Person) -> LeaverOutcome:
    """What marking this person as left would undo, read without writing anything (for the
    confirmation a committee member sees first)."""
    now = utcnow()
    out = LeaverOutcome(people=0 if person.left_at is not None else 1)
    account_id = db.session.scalar(db.select(Account.id).where(Account.person_id == person.id))
    if account_id is not None:
        out.tokens_revoked = db.session.scalar(
            db.select(db.func.count())
            .select_from(AuthSession)
            .where(
                AuthSession.account_id == account_id,
                AuthSession.revoked_at.is_(None),
                AuthSession.expires_at > now,
            )
        )
    out.grants_removed = db.session.scalar(
        db.select(db.func.count()).select_from(RoleGrant).where(RoleGrant.person_id == person.id)
    )
    out.pairings_ended = len(moves.active_pairings_of({person.id}))
    out.claims_returned = db.session.scalar(
        db.select(db.func.count())
        .select_from(Wish)
        .where(Wish.claimer_id == person.id, Wish.status == "claimed")
    )
    out.wishes_closed = db.session.scalar(
        db.select(db.func.count())
        .select_from(Wish)
        .where(Wish.wisher_id == person.id, Wish.status.in_(("pending_review", "open")))
    )
    out.candidacies_withdrawn = len(votes.withdrawable_candidacies(person.id))
    out.duties_removed = groups.count_duties_of(person.id)
    return out
