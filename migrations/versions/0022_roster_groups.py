"""roster: a person's 班组 (people.group_id, a unit of kind "group" under their 区队)

Revision ID: 0022_roster_groups
Revises: 0023_wall
Create Date: 2026-12-06 07:30:00

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0022_roster_groups"
down_revision = "0023_wall"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("people", schema=None) as batch_op:
        batch_op.add_column(sa.Column("group_id", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_people_group_id"), ["group_id"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_people_group_id_units"), "units", ["group_id"], ["id"]
        )


def downgrade():
    with op.batch_alter_table("people", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_people_group_id_units"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_people_group_id"))
        batch_op.drop_column("group_id")
