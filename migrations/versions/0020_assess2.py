"""assessments: the 25th's 包保 visit reminders (one per person, office and month); evidence
photos on deductions; 优秀班组长 nominations; a person's photo for the zone placard

Revision ID: 0020_assess2
Revises: 0013_inbox (re-chained onto the current head)
Create Date: 2026-12-06 05:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0020_assess2'
down_revision = '0017_rulebook'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('member_photos',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('upload_id', sa.Integer(), nullable=False),
    sa.Column('set_by_id', sa.Integer(), nullable=False),
    sa.Column('set_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_member_photos_person_id_people')),
    sa.ForeignKeyConstraint(['set_by_id'], ['people.id'], name=op.f('fk_member_photos_set_by_id_people')),
    sa.ForeignKeyConstraint(['upload_id'], ['uploads.id'], name=op.f('fk_member_photos_upload_id_uploads')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_member_photos')),
    sa.UniqueConstraint('person_id', name=op.f('uq_member_photos_person_id')),
    sa.UniqueConstraint('upload_id', name=op.f('uq_member_photos_upload_id'))
    )
    op.create_table('assessment_leader_awards',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('mine_id', sa.Integer(), nullable=False),
    sa.Column('quarter', sa.String(length=7), nullable=False),
    sa.Column('group_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('citation', sa.String(length=500), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('nominated_by_id', sa.Integer(), nullable=False),
    sa.Column('nominated_at', sa.DateTime(), nullable=False),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', sa.DateTime(), nullable=True),
    sa.Column('decision_reason', sa.String(length=255), nullable=True),
    sa.Column('points_request_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['decided_by_id'], ['people.id'], name=op.f('fk_assessment_leader_awards_decided_by_id_people')),
    sa.ForeignKeyConstraint(['group_id'], ['units.id'], name=op.f('fk_assessment_leader_awards_group_id_units')),
    sa.ForeignKeyConstraint(['mine_id'], ['mines.id'], name=op.f('fk_assessment_leader_awards_mine_id_mines')),
    sa.ForeignKeyConstraint(['nominated_by_id'], ['people.id'], name=op.f('fk_assessment_leader_awards_nominated_by_id_people')),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_assessment_leader_awards_person_id_people')),
    sa.ForeignKeyConstraint(['points_request_id'], ['points_requests.id'], name=op.f('fk_assessment_leader_awards_points_request_id_points_requests')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_assessment_leader_awards')),
    sa.UniqueConstraint('mine_id', 'quarter', 'group_id', name=op.f('uq_assessment_leader_awards_mine_id_quarter_group_id'))
    )
    with op.batch_alter_table('assessment_leader_awards', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_assessment_leader_awards_group_id'), ['group_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_assessment_leader_awards_mine_id'), ['mine_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_assessment_leader_awards_person_id'), ['person_id'], unique=False)
    op.create_table('assessment_photos',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('deduction_id', sa.Integer(), nullable=False),
    sa.Column('upload_id', sa.Integer(), nullable=False),
    sa.Column('added_by_id', sa.Integer(), nullable=False),
    sa.Column('added_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['added_by_id'], ['people.id'], name=op.f('fk_assessment_photos_added_by_id_people')),
    sa.ForeignKeyConstraint(['deduction_id'], ['assessment_deductions.id'], name=op.f('fk_assessment_photos_deduction_id_assessment_deductions')),
    sa.ForeignKeyConstraint(['upload_id'], ['uploads.id'], name=op.f('fk_assessment_photos_upload_id_uploads')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_assessment_photos')),
    sa.UniqueConstraint('upload_id', name=op.f('uq_assessment_photos_upload_id'))
    )
    with op.batch_alter_table('assessment_photos', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_assessment_photos_deduction_id'), ['deduction_id'], unique=False)
    op.create_table('assessment_visit_reminders',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('office_id', sa.Integer(), nullable=False),
    sa.Column('month', sa.String(length=7), nullable=False),
    sa.Column('teams', sa.Integer(), nullable=False),
    sa.Column('notification_id', sa.Integer(), nullable=True),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['notification_id'], ['notifications.id'], name=op.f('fk_assessment_visit_reminders_notification_id_notifications')),
    sa.ForeignKeyConstraint(['office_id'], ['units.id'], name=op.f('fk_assessment_visit_reminders_office_id_units')),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_assessment_visit_reminders_person_id_people')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_assessment_visit_reminders')),
    sa.UniqueConstraint('person_id', 'office_id', 'month', name=op.f('uq_assessment_visit_reminders_person_id_office_id_month'))
    )
    with op.batch_alter_table('assessment_visit_reminders', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_assessment_visit_reminders_office_id'), ['office_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_assessment_visit_reminders_person_id'), ['person_id'], unique=False)


def downgrade():
    op.drop_table('member_photos')
    with op.batch_alter_table('assessment_leader_awards', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_assessment_leader_awards_person_id'))
        batch_op.drop_index(batch_op.f('ix_assessment_leader_awards_mine_id'))
        batch_op.drop_index(batch_op.f('ix_assessment_leader_awards_group_id'))
    op.drop_table('assessment_leader_awards')
    with op.batch_alter_table('assessment_visit_reminders', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_assessment_visit_reminders_person_id'))
        batch_op.drop_index(batch_op.f('ix_assessment_visit_reminders_office_id'))
    op.drop_table('assessment_visit_reminders')
    with op.batch_alter_table('assessment_photos', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_assessment_photos_deduction_id'))
    op.drop_table('assessment_photos')
