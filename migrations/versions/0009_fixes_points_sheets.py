"""points sheets: an imported assessment sheet waits for another committee member's approval

Revision ID: 0009_fixes_points_sheets
Revises: 0008_console2
Create Date: 2026-11-22 07:00:00

"""
from alembic import op
import sqlalchemy as sa



# revision identifiers, used by Alembic.
revision = '0009_fixes_points_sheets'
down_revision = '0008_console2'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'vote_points_sheets',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('campaign_id', sa.Integer(), nullable=False),
        sa.Column('scores', sa.JSON(), nullable=False),
        sa.Column('person_ids', sa.JSON(), nullable=False),
        sa.Column('filename', sa.String(length=255), nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('requested_by_id', sa.Integer(), nullable=False),
        sa.Column('requested_at', sa.DateTime(), nullable=False),
        sa.Column('decided_by_id', sa.Integer(), nullable=True),
        sa.Column('decided_at', sa.DateTime(), nullable=True),
        sa.Column('decision_reason', sa.String(length=255), nullable=True),
        sa.ForeignKeyConstraint(['campaign_id'], ['vote_campaigns.id'], name=op.f('fk_vote_points_sheets_campaign_id_vote_campaigns')),
        sa.ForeignKeyConstraint(['requested_by_id'], ['people.id'], name=op.f('fk_vote_points_sheets_requested_by_id_people')),
        sa.ForeignKeyConstraint(['decided_by_id'], ['people.id'], name=op.f('fk_vote_points_sheets_decided_by_id_people')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_vote_points_sheets')),
    )
    with op.batch_alter_table('vote_points_sheets', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_vote_points_sheets_campaign_id'), ['campaign_id'], unique=False)


def downgrade():
    with op.batch_alter_table('vote_points_sheets', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_vote_points_sheets_campaign_id'))
    op.drop_table('vote_points_sheets')
