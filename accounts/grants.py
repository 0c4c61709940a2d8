"""Granting and revoking the secretary and committee roles."""

from __future__ import annotations

from accounts.errors import BranchRequired, LastCommitteeMember, UnknownBranch
from accounts.principal_cache import person_key
from domain_errors import InvalidInput
from models import GRANTABLE_ROLES, Branch, Mine, Person, RoleGrant, db


def grant(person: Person, role: str, branch_name: str | None = None) -> RoleGrant:
    """Make a person secretary of a branch of their mine, or committee of their mine."""
    if role not in GRANTABLE_ROLES:
        raise InvalidInput(errors={"role": [f"角色应为 {' / '.join(GRANTABLE_ROLES)}"]})
    branch_id = None
    if role == "secretary":
        if not branch_name:
            raise BranchRequired(errors={"branch": ["书记角色需要指定党支部"]})
        branch = db.session.scalar(
            db.select(Branch).where(Branch.mine_id == person.mine_id, Branch.name == branch_name)
        )
        if branch is None:
            raise UnknownBranch()
        branch_id = branch.id
    existing = db.session.scalar(
        db.select(RoleGrant).where(
            RoleGrant.person_id == person.id,
            RoleGrant.role == role,
            RoleGrant.branch_id.is_(None)
            if branch_id is None
            else RoleGrant.branch_id == branch_id,
        )
    )
    if existing is not None:
        return existing
    g = RoleGrant(person_id=person.id, role=role, branch_id=branch_id)
    db.session.add(g)
    db.session.flush()
    return g


def revoke(person: Person, role: str, branch_name: str | None = None) -> int:
    """Remove a grant (all of that role when no branch is named); returns how many."""
    stmt = db.select(RoleGrant).where(RoleGrant.person_id == person.id, RoleGrant.role == role)
    if branch_name:
        stmt = stmt.join(Branch, Branch.id == RoleGrant.branch_id).where(Branch.name == branch_name)
    grants = db.session.scalars(stmt).all()
    if role == "committee" and grants:
        keep_a_committee_member({person.mine_id}, {person.id})
    for g in grants:
        db.session.delete(g)
    return len(grants)


def revoke_every_grant(person_ids: set[int]) -> int:
    """Take every secretary and committee grant from these people (they left); how many."""
    if not person_ids:
        return 0
    result = db.session.execute(
        db.delete(RoleGrant)
        .where(RoleGrant.person_id.in_(sorted(person_ids)))
        .execution_options(
            synchronize_session=False, auth_epochs=[person_key(p) for p in person_ids]
        )
    )
    return result.rowcount


def keep_a_committee_member(mine_ids: set[int], removing: set[int]) -> None:
    """Refuse (409) to take the committee role from `removing` when that leaves one of these
    mines with no committee member: only the CLI could then give one back.

    The mines' rows are locked first (in id order), so two committee members removing each
    other at the same instant are serialised: the second sees the first's change and is
    refused."""
    for mine_id in sorted(mine_ids):
        db.session.execute(db.select(Mine.id).where(Mine.id == mine_id).with_for_update()).all()
        holders = set(
            db.session.scalars(
                db.select(RoleGrant.person_id)
                .join(Person, Person.id == RoleGrant.person_id)
                .where(
                    RoleGrant.role == "committee",
                    Person.mine_id == mine_id,
                    Person.left_at.is_(None),
                )
            ).all()
        )
        if holders and not holders - removing:
            raise LastCommitteeMember()
