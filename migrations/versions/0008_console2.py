"""roster leaves: who marked whom as left (离职), when and how, and returns on a later roster

Revision ID: 0008_console2
Revises: 0006_console
Create Date: 2026-11-22 06:00:00

"""
from alembic import op
import sqlalchemy as sa



# revision identifiers, used by Alembic.
revision = '0008_console2'
down_revision = '0006_points_requests'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'roster_leaves',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('mine_id', sa.Integer(), nullable=False),
        sa.Column('person_id', sa.Integer(), nullable=False),
        sa.Column('action', sa.String(length=8), nullable=False),
        sa.Column('source', sa.String(length=8), nullable=False),
        sa.Column('actor_id', sa.Integer(), nullable=True),
        sa.Column('at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['actor_id'], ['people.id'], name=op.f('fk_roster_leaves_actor_id_people')),
        sa.ForeignKeyConstraint(['mine_id'], ['mines.id'], name=op.f('fk_roster_leaves_mine_id_mines')),
        sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_roster_leaves_person_id_people')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_roster_leaves')),
    )
    with op.batch_alter_table('roster_leaves', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_roster_leaves_at'), ['at'], unique=False)
        batch_op.create_index(batch_op.f('ix_roster_leaves_mine_id'), ['mine_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_roster_leaves_person_id'), ['person_id'], unique=False)


def downgrade():
    with op.batch_alter_table('roster_leaves', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_roster_leaves_person_id'))
        batch_op.drop_index(batch_op.f('ix_roster_leaves_mine_id'))
        batch_op.drop_index(batch_op.f('ix_roster_leaves_at'))

    op.drop_table('roster_leaves')
