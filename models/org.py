"""The organisation: mine (矿) → party branch (党支部) → unit (区队/班组)."""

from __future__ import annotations

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import db


class Mine(db.Model):
    __tablename__ = "mines"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)


class Branch(db.Model):
    __tablename__ = "branches"
    __table_args__ = (UniqueConstraint("mine_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    mine_id: Mapped[int] = mapped_column(ForeignKey("mines.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))

    mine: Mapped[Mine] = relationship()


UNIT_KINDS = ("team", "office", "group", "other")


class Unit(db.Model):
    """A production team or office; every employee belongs to one, each covered by a branch."""

    __tablename__ = "units"
    __table_args__ = (UniqueConstraint("mine_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    mine_id: Mapped[int] = mapped_column(ForeignKey("mines.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    branch_id: Mapped[int | None] = mapped_column(ForeignKey("branches.id"), index=True)
    # 区队 (team: a production team), 机关科室 (office), 班组 (group: a shift group under a
    # team, parent_id) or other; the monthly assessment scores teams, offices score them.
    kind: Mapped[str] = mapped_column(String(16), default="other", server_default="other")
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), index=True)

    branch: Mapped[Branch | None] = relationship()
