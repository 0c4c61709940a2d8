"""honours: the self-vote rule, nominations (推荐), the honour roll

Revision ID: 0015_honours
Revises: 0013_inbox
Create Date: 2026-12-06 04:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0015_honours'
down_revision = '0013_inbox'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('vote_campaigns') as batch_op:
        batch_op.add_column(sa.Column('allow_self_vote', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column('nominations_start_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('nominations_end_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('nomination_cap', sa.SmallInteger(), nullable=True))

    op.create_table('vote_nominations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('campaign_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('category', sa.String(length=16), nullable=False),
    sa.Column('branch_id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=True),
    sa.Column('nominated_by_id', sa.Integer(), nullable=False),
    sa.Column('story', sa.Text(), nullable=False),
    sa.Column('photo', sa.String(length=128), nullable=True),
    sa.Column('content_check', sa.String(length=16), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('live_key', sa.SmallInteger(), nullable=True),
    sa.Column('decline_reason', sa.String(length=255), nullable=True),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', sa.DateTime(), nullable=True),
    sa.Column('candidate_id', sa.Integer(), nullable=True),
    sa.Column('withdrawn_at', sa.DateTime(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['branch_id'], ['branches.id'], name=op.f('fk_vote_nominations_branch_id_branches')),
    sa.ForeignKeyConstraint(['campaign_id'], ['vote_campaigns.id'], name=op.f('fk_vote_nominations_campaign_id_vote_campaigns')),
    sa.ForeignKeyConstraint(['candidate_id'], ['vote_candidates.id'], name=op.f('fk_vote_nominations_candidate_id_vote_candidates')),
    sa.ForeignKeyConstraint(['decided_by_id'], ['people.id'], name=op.f('fk_vote_nominations_decided_by_id_people')),
    sa.ForeignKeyConstraint(['nominated_by_id'], ['people.id'], name=op.f('fk_vote_nominations_nominated_by_id_people')),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_vote_nominations_person_id_people')),
    sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name=op.f('fk_vote_nominations_unit_id_units')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_vote_nominations')),
    sa.UniqueConstraint('campaign_id', 'person_id', 'category', 'live_key', name='uq_vote_nominations_live')
    )
    with op.batch_alter_table('vote_nominations', schema=None) as batch_op:
        batch_op.create_index('ix_vote_nominations_campaign_branch', ['campaign_id', 'branch_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_vote_nominations_person_id'), ['person_id'], unique=False)

    op.create_table('honours',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('mine_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=True),
    sa.Column('unit_id', sa.Integer(), nullable=True),
    sa.Column('category', sa.String(length=16), nullable=True),
    sa.Column('title', sa.String(length=120), nullable=False),
    sa.Column('year', sa.SmallInteger(), nullable=False),
    sa.Column('campaign_id', sa.Integer(), nullable=True),
    sa.Column('candidate_id', sa.Integer(), nullable=True),
    sa.Column('quarter_award_id', sa.Integer(), nullable=True),
    sa.Column('citation', sa.Text(), nullable=False),
    sa.Column('photo', sa.String(length=128), nullable=True),
    sa.Column('awarded_on', sa.Date(), nullable=False),
    sa.Column('revoked_at', sa.DateTime(), nullable=True),
    sa.Column('revoke_reason', sa.String(length=255), nullable=True),
    sa.Column('revoked_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['campaign_id'], ['vote_campaigns.id'], name=op.f('fk_honours_campaign_id_vote_campaigns')),
    sa.ForeignKeyConstraint(['candidate_id'], ['vote_candidates.id'], name=op.f('fk_honours_candidate_id_vote_candidates')),
    sa.ForeignKeyConstraint(['quarter_award_id'], ['assessment_awards.id'], name=op.f('fk_honours_quarter_award_id_assessment_awards')),
    sa.ForeignKeyConstraint(['mine_id'], ['mines.id'], name=op.f('fk_honours_mine_id_mines')),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_honours_person_id_people')),
    sa.ForeignKeyConstraint(['revoked_by_id'], ['people.id'], name=op.f('fk_honours_revoked_by_id_people')),
    sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name=op.f('fk_honours_unit_id_units')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_honours')),
    sa.UniqueConstraint('candidate_id', name='uq_honours_candidate'),
    sa.UniqueConstraint('quarter_award_id', name='uq_honours_quarter_award')
    )
    with op.batch_alter_table('honours', schema=None) as batch_op:
        batch_op.create_index('ix_honours_mine_year', ['mine_id', 'year'], unique=False)
        batch_op.create_index(batch_op.f('ix_honours_person_id'), ['person_id'], unique=False)

    op.create_table('honour_audit',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('honour_id', sa.Integer(), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('action', sa.String(length=32), nullable=False),
    sa.Column('reason', sa.String(length=255), nullable=True),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['people.id'], name=op.f('fk_honour_audit_actor_id_people')),
    sa.ForeignKeyConstraint(['honour_id'], ['honours.id'], name=op.f('fk_honour_audit_honour_id_honours')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_honour_audit'))
    )
    with op.batch_alter_table('honour_audit', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_honour_audit_honour_id'), ['honour_id'], unique=False)


def downgrade():
    op.drop_table('honour_audit')
    op.drop_table('honours')
    op.drop_table('vote_nominations')
    with op.batch_alter_table('vote_campaigns') as batch_op:
        batch_op.drop_column('nomination_cap')
        batch_op.drop_column('nominations_end_at')
        batch_op.drop_column('nominations_start_at')
        batch_op.drop_column('allow_self_vote')
