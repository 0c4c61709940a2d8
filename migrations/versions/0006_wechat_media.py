"""uploads: WeChat image check (status, trace id, notes, who judged) and purpose

Revision ID: 0006_wechat_media
Revises: 0005_talk_wishes
Create Date: 2026-12-01 10:00:00.000000

Uploads stored before image checks existed were already public: they are marked `pass`
(check_note "before_image_checks"); every later upload starts as `checking`.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0006_wechat_media'
down_revision = '0006_roster_leavers'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('uploads', schema=None) as batch_op:
        batch_op.add_column(sa.Column('purpose', sa.String(length=16), nullable=False, server_default='wish'))
        batch_op.add_column(sa.Column('check_status', sa.String(length=16), nullable=False, server_default='pass'))
        batch_op.add_column(sa.Column('check_trace_id', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('check_requested_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('check_note', sa.String(length=255), nullable=True))
        batch_op.add_column(sa.Column('check_label', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('checked_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('checked_by_id', sa.Integer(), nullable=True))
        batch_op.create_unique_constraint(batch_op.f('uq_uploads_check_trace_id'), ['check_trace_id'])
        batch_op.create_foreign_key(batch_op.f('fk_uploads_checked_by_id_people'), 'people', ['checked_by_id'], ['id'])
        batch_op.create_index('ix_uploads_check_status_created_at', ['check_status', 'created_at'], unique=False)
    op.execute("UPDATE uploads SET check_note = 'before_image_checks'")
    # The defaults were only for the rows that existed; the app sets both on every insert.
    with op.batch_alter_table('uploads', schema=None) as batch_op:
        batch_op.alter_column('purpose', existing_type=sa.String(length=16), existing_nullable=False, server_default=None)
        batch_op.alter_column('check_status', existing_type=sa.String(length=16), existing_nullable=False, server_default=None)


def downgrade():
    with op.batch_alter_table('uploads', schema=None) as batch_op:
        batch_op.drop_index('ix_uploads_check_status_created_at')
        batch_op.drop_constraint(batch_op.f('fk_uploads_checked_by_id_people'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('uq_uploads_check_trace_id'), type_='unique')
        batch_op.drop_column('checked_by_id')
        batch_op.drop_column('checked_at')
        batch_op.drop_column('check_label')
        batch_op.drop_column('check_note')
        batch_op.drop_column('check_requested_at')
        batch_op.drop_column('check_trace_id')
        batch_op.drop_column('check_status')
        batch_op.drop_column('purpose')
