"""The committee's list of a campaign's ballots (the API's ballots endpoint and the console's
ballots table read the same select)."""

from __future__ import annotations

from typing import Any

from models import Account, Ballot, Candidate, Person, Unit, db


def ballots_of(
    campaign_id: int,
    *,
    candidate_id: int | None = None,
    voided: bool | None = None,
    employee_no: str | None = None,
) -> Any:
    """A select of (Ballot, candidate's name, voter, voter's unit name, account bound_at) for
    every ballot of a campaign, filtered; unordered (the caller sorts and pages)."""
    cand_person = db.aliased(Person)
    stmt = (
        db.select(Ballot, cand_person.name, Person, Unit.name, Account.bound_at)
        .join(Candidate, Candidate.id == Ballot.candidate_id)
        .join(cand_person, cand_person.id == Candidate.person_id)
        .join(Person, Person.id == Ballot.voter_id)
        .outerjoin(Unit, Unit.id == Ballot.voter_unit_id)
        .outerjoin(Account, Account.id == Ballot.account_id)
        .where(Ballot.campaign_id == campaign_id)
    )
    if candidate_id is not None:
        stmt = stmt.where(Ballot.candidate_id == candidate_id)
    if voided is not None:
        stmt = stmt.where(Ballot.voided_at.is_not(None) if voided else Ballot.voided_at.is_(None))
    if employee_no:
        stmt = stmt.where(Person.employee_no == employee_no)
    return stmt
