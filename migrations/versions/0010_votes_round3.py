"""votes round three: the live tallies' stale mark and repair count in a row of their own
(vote_live_marks), and the tie rule at the 名额 boundary

Revision ID: 0010_votes_round3
Revises: 0009_fixes_points_sheets
Create Date: 2026-12-06 01:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0010_votes_round3'
down_revision = '0009_fixes_points_sheets'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'vote_live_marks',
        sa.Column('campaign_id', sa.Integer(), nullable=False),
        sa.Column('stale', sa.Boolean(), nullable=False),
        sa.Column('repairs', sa.Integer(), nullable=False),
        sa.Column('last_repair_at', sa.DateTime(), nullable=True),
        sa.Column('last_repair_note', sa.String(length=255), nullable=True),
        sa.Column('checked_at', sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(['campaign_id'], ['vote_campaigns.id'], name=op.f('fk_vote_live_marks_campaign_id_vote_campaigns')),
        sa.PrimaryKeyConstraint('campaign_id', name=op.f('pk_vote_live_marks')),
    )
    op.execute(
        "INSERT INTO vote_live_marks (campaign_id, stale, repairs) "
        "SELECT id, tallies_stale, 0 FROM vote_campaigns"
    )
    with op.batch_alter_table('vote_campaigns', schema=None) as batch_op:
        batch_op.add_column(sa.Column('tie_rule', sa.String(length=16), nullable=False, server_default='committee'))
        batch_op.drop_column('tallies_stale')
    with op.batch_alter_table('vote_campaigns', schema=None) as batch_op:
        batch_op.alter_column('tie_rule', server_default=None, existing_type=sa.String(length=16), existing_nullable=False)


def downgrade():
    with op.batch_alter_table('vote_campaigns', schema=None) as batch_op:
        batch_op.add_column(sa.Column('tallies_stale', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.drop_column('tie_rule')
    op.execute(
        "UPDATE vote_campaigns SET tallies_stale = (SELECT stale FROM vote_live_marks "
        "WHERE vote_live_marks.campaign_id = vote_campaigns.id) "
        "WHERE id IN (SELECT campaign_id FROM vote_live_marks)"
    )
    op.drop_table('vote_live_marks')
