"""honours: the quarter of an assessment's honour; an approved 优秀班组长 nomination mirrored
onto the roll (once: unique)

Revision ID: 0023_wall
Revises: 0020_assess2
Create Date: 2026-12-06 08:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0023_wall'
down_revision = '0020_assess2'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('honours', schema=None) as batch_op:
        batch_op.add_column(sa.Column('leader_nomination_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('quarter', sa.String(length=7), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f('fk_honours_leader_nomination_id_assessment_leader_awards'),
            'assessment_leader_awards', ['leader_nomination_id'], ['id'],
        )
        batch_op.create_unique_constraint('uq_honours_leader_nomination', ['leader_nomination_id'])
    # The team honours already on the roll learn their award's quarter.
    op.execute(
        "UPDATE honours SET quarter = (SELECT a.quarter FROM assessment_awards a"
        " WHERE a.id = honours.quarter_award_id) WHERE quarter_award_id IS NOT NULL"
    )


def downgrade():
    with op.batch_alter_table('honours', schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f('fk_honours_leader_nomination_id_assessment_leader_awards'),
            type_='foreignkey',
        )
        batch_op.drop_constraint('uq_honours_leader_nomination', type_='unique')
        batch_op.drop_column('quarter')
        batch_op.drop_column('leader_nomination_id')
