"""votes: commit-time gate support, 公示 and objections, reminders to non-voters

Revision ID: 0006_votes_notice
Revises: 0005_talk_wishes
Create Date: 2026-12-02 10:00:00.000000

"""
from alembic import op
import sqlalchemy as sa



# revision identifiers, used by Alembic.
revision = '0006_votes_notice'
down_revision = '0005_talk_wishes'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('vote_campaigns', schema=None) as batch_op:
        batch_op.add_column(sa.Column('remind_non_voters', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column('quotas', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('notice_days', sa.SmallInteger(), nullable=False, server_default='5'))
        batch_op.add_column(sa.Column('notice_starts_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('notice_ends_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('config_version', sa.Integer(), nullable=False, server_default='0'))

    with op.batch_alter_table('vote_candidates', schema=None) as batch_op:
        batch_op.add_column(sa.Column('withdrawn_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('withdraw_reason', sa.String(length=255), nullable=True))

    with op.batch_alter_table('vote_ballots', schema=None) as batch_op:
        batch_op.create_index('ix_vote_ballots_campaign_day', ['campaign_id', 'vote_day'], unique=False)

    op.create_table('vote_objections',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('campaign_id', sa.Integer(), nullable=False),
    sa.Column('candidate_id', sa.Integer(), nullable=False),
    sa.Column('objector_id', sa.Integer(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('content_check', sa.String(length=16), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('open_key', sa.Integer(), nullable=True),
    sa.Column('answer', sa.Text(), nullable=True),
    sa.Column('answered_by_id', sa.Integer(), nullable=True),
    sa.Column('answered_at', sa.DateTime(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['answered_by_id'], ['people.id'], name=op.f('fk_vote_objections_answered_by_id_people')),
    sa.ForeignKeyConstraint(['campaign_id'], ['vote_campaigns.id'], name=op.f('fk_vote_objections_campaign_id_vote_campaigns')),
    sa.ForeignKeyConstraint(['candidate_id'], ['vote_candidates.id'], name=op.f('fk_vote_objections_candidate_id_vote_candidates')),
    sa.ForeignKeyConstraint(['objector_id'], ['people.id'], name=op.f('fk_vote_objections_objector_id_people')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_vote_objections')),
    sa.UniqueConstraint('objector_id', 'open_key', name='uq_vote_objections_open')
    )
    with op.batch_alter_table('vote_objections', schema=None) as batch_op:
        batch_op.create_index('ix_vote_objections_campaign_status', ['campaign_id', 'status'], unique=False)
        batch_op.create_index(batch_op.f('ix_vote_objections_objector_id'), ['objector_id'], unique=False)

    op.create_table('vote_reminders',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('campaign_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('sent', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['campaign_id'], ['vote_campaigns.id'], name=op.f('fk_vote_reminders_campaign_id_vote_campaigns')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_vote_reminders')),
    sa.UniqueConstraint('campaign_id', 'day', name=op.f('uq_vote_reminders_campaign_id_day'))
    )


def downgrade():
    op.drop_table('vote_reminders')
    with op.batch_alter_table('vote_objections', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_vote_objections_objector_id'))
        batch_op.drop_index('ix_vote_objections_campaign_status')
    op.drop_table('vote_objections')
    with op.batch_alter_table('vote_ballots', schema=None) as batch_op:
        batch_op.drop_index('ix_vote_ballots_campaign_day')
    with op.batch_alter_table('vote_candidates', schema=None) as batch_op:
        batch_op.drop_column('withdraw_reason')
        batch_op.drop_column('withdrawn_at')
    with op.batch_alter_table('vote_campaigns', schema=None) as batch_op:
        batch_op.drop_column('config_version')
        batch_op.drop_column('notice_ends_at')
        batch_op.drop_column('notice_starts_at')
        batch_op.drop_column('notice_days')
        batch_op.drop_column('quotas')
        batch_op.drop_column('remind_non_voters')
