"""Who is asking: the account, its roster person and the roles that follow."""

from __future__ import annotations

from dataclasses import dataclass, field

from accounts.errors import NotBound, PersonLeft, RoleRequired
from models import Account, Person, RoleGrant, db


@dataclass(frozen=True)
class PersonView:
    """A plain copy of the caller's roster entry, for answers that need no ORM row (/me): what a
    cached principal gives without touching the request's database session."""

    id: int
    employee_no: str
    name: str
    mine_id: int
    unit_id: int
    unit_name: str
    branch_id: int | None
    branch_name: str | None
    political_status: str
    is_cadre: bool


def person_view(person: Person) -> PersonView:
    """The plain view of a loaded Person (its unit and branch loaded too)."""
    branch = person.branch
    return PersonView(
        id=person.id,
        employee_no=person.employee_no,
        name=person.name,
        mine_id=person.mine_id,
        unit_id=person.unit_id,
        unit_name=person.unit.name,
        branch_id=branch.id if branch is not None else None,
        branch_name=branch.name if branch is not None else None,
        political_status=person.political_status,
        is_cadre=person.is_cadre,
    )


@dataclass
class Principal:
    """The caller of a request or a CLI command, with roles resolved once.

    An account bound to a person who has left the mine acts as if unbound (no person, no
    roles), except that it is told why: `left` is set and require_bound says person_left.
    """

    account: Account | None
    person: Person | None
    roles: list[str] = field(default_factory=list)
    secretary_of: list[int] = field(default_factory=list)
    committee_of: list[int] = field(default_factory=list)  # mine ids
    left: bool = False

    @property
    def bound(self) -> bool:
        return self.person is not None

    @property
    def person_id(self) -> int | None:
        return self.person.id if self.person else None

    @property
    def account_id(self) -> int | None:
        """The caller's account id (no ORM row needed on a cached principal)."""
        return self.account.id if self.account is not None else None

    def has(self, role: str) -> bool:
        return role in self.roles

    @property
    def view(self) -> PersonView | None:
        """The plain roster entry (None when unbound or left)."""
        return person_view(self.person) if self.person is not None else None

    def check_bound(self) -> None:
        """NotBound / PersonLeft unless the caller has a roster person (no ORM row needed)."""
        if not self.bound:
            raise PersonLeft() if self.left else NotBound()

    def check(self, *roles: str) -> None:
        """check_bound, then RoleRequired unless the caller holds any of `roles`."""
        self.check_bound()
        if not any(r in self.roles for r in roles):
            raise RoleRequired()

    def require_bound(self) -> Person:
        self.check_bound()
        return self.person

    def require_view(self) -> PersonView:
        """require_bound's plain counterpart: the roster entry's ids and names, for hot paths
        that need no ORM row (a vote, the leaderboard)."""
        self.check_bound()
        view = self.view
        assert view is not None  # check_bound: bound
        return view

    def require(self, *roles: str) -> Person:
        """The caller's person if they hold any of `roles`; NotBound / RoleRequired otherwise."""
        self.check(*roles)
        return self.person

    def manages_branch(self, branch_id: int | None, mine_id: int | None = None) -> bool:
        """Secretary of that branch, or committee of its mine."""
        if branch_id is not None and branch_id in self.secretary_of:
            return True
        return mine_id is not None and mine_id in self.committee_of


def roles_for(person: Person | None) -> tuple[list[str], list[int], list[int]]:
    """(roles, secretary branch ids, committee mine ids) for a roster person."""
    if person is None:
        return [], [], []
    roles = ["employee"]
    if person.is_party_member:
        roles.append("member")
    grants = db.session.scalars(db.select(RoleGrant).where(RoleGrant.person_id == person.id)).all()
    secretary_of = sorted({g.branch_id for g in grants if g.role == "secretary" and g.branch_id})
    committee_of = [person.mine_id] if any(g.role == "committee" for g in grants) else []
    if secretary_of:
        roles.append("secretary")
    if committee_of:
        roles.append("committee")
    return roles, secretary_of, committee_of


def principal_for(account: Account | None) -> Principal:
    """Build the principal of an account (None: anonymous)."""
    person = account.person if account is not None else None
    if person is not None and person.left_at is not None:
        return Principal(account, None, left=True)
    roles, secretary_of, committee_of = roles_for(person)
    return Principal(account, person, roles, secretary_of, committee_of)


def principal_for_person(person: Person) -> Principal:
    """A principal for a roster person acting without an account (CLI, tests)."""
    account = db.session.scalar(db.select(Account).where(Account.person_id == person.id))
    if person.left_at is not None:
        return Principal(account, None, left=True)
    roles, secretary_of, committee_of = roles_for(person)
    return Principal(account, person, roles, secretary_of, committee_of)
