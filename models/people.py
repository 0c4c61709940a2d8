"""Roster people (花名册) and the roles granted to them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import UTCDateTime, db, utcnow
from models.org import Branch, Mine, Unit

POLITICAL_STATUSES = ("masses", "member", "probationary")
PARTY_STATUSES = ("member", "probationary")


class Person(db.Model):
    """One line of the roster; the id every member_id / employee_id in the API names."""

    __tablename__ = "people"
    __table_args__ = (UniqueConstraint("mine_id", "employee_no"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    mine_id: Mapped[int] = mapped_column(ForeignKey("mines.id"), index=True)
    employee_no: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(64))
    phone: Mapped[str] = mapped_column(String(32))
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    # The 班组 (a unit of kind "group" whose parent is the person's unit) the roster's 班组
    # column puts them in; the unit stays the 区队, so everything keyed on unit_id is unchanged.
    group_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), index=True)
    branch_id: Mapped[int | None] = mapped_column(ForeignKey("branches.id"), index=True)
    political_status: Mapped[str] = mapped_column(String(16), default="masses")
    is_cadre: Mapped[bool] = mapped_column(Boolean, default=False)
    # The 工号 this person had before HR renumbered them (the roster's 原工号 column).
    previous_employee_no: Mapped[str | None] = mapped_column(String(32))
    # Set when the person leaves the mine (离职): history stays, access and duties end.
    left_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    mine: Mapped[Mine] = relationship()
    unit: Mapped[Unit] = relationship(foreign_keys=[unit_id])
    group: Mapped[Unit | None] = relationship(foreign_keys=[group_id])
    branch: Mapped[Branch | None] = relationship()

    @property
    def is_party_member(self) -> bool:
        return self.political_status in PARTY_STATUSES

    @property
    def has_left(self) -> bool:
        return self.left_at is not None


ROLES = ("employee", "member", "secretary", "committee")
GRANTABLE_ROLES = ("secretary", "committee")


class RoleGrant(db.Model):
    """A secretary's branch or a committee member's mine; the other roles follow from the roster."""

    __tablename__ = "role_grants"
    __table_args__ = (UniqueConstraint("person_id", "role", "branch_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(16))
    branch_id: Mapped[int | None] = mapped_column(ForeignKey("branches.id"), index=True)
    granted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    person: Mapped[Person] = relationship()
    branch: Mapped[Branch | None] = relationship()
