"""assessments: 六型班组 — a group sheet's item may be scored by the group's own 区队 (office_id
NULL); a quarter award records the points requests it asked for

Revision ID: 0021_groups
Revises: 0022_roster_groups
Create Date: 2026-12-06 08:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0021_groups'
down_revision = '0022_roster_groups'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('assessment_items', schema=None) as batch_op:
        batch_op.alter_column('office_id', existing_type=sa.Integer(), nullable=True)
    with op.batch_alter_table('assessment_awards', schema=None) as batch_op:
        batch_op.add_column(sa.Column('points_request_ids', sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table('assessment_awards', schema=None) as batch_op:
        batch_op.drop_column('points_request_ids')
    # Items scored by a 班组's own 区队 cannot exist before this revision: they go, with what
    # was recorded against them (photos and objections of their deductions, the deductions).
    orphans = "SELECT id FROM assessment_items WHERE office_id IS NULL"
    deductions = f"SELECT id FROM assessment_deductions WHERE item_id IN ({orphans})"
    op.execute(f"DELETE FROM assessment_photos WHERE deduction_id IN ({deductions})")
    op.execute(f"DELETE FROM assessment_objections WHERE deduction_id IN ({deductions})")
    op.execute(f"DELETE FROM assessment_deductions WHERE item_id IN ({orphans})")
    op.execute('DELETE FROM assessment_items WHERE office_id IS NULL')
    with op.batch_alter_table('assessment_items', schema=None) as batch_op:
        batch_op.alter_column('office_id', existing_type=sa.Integer(), nullable=False)
