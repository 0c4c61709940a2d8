"""points adjustment requests (pending → approved / rejected by another committee member)

Revision ID: 0006_points_requests
Revises: 0005_talk_wishes
Create Date: 2026-11-22 09:00:00.000000

Manual adjustments made before this revision took effect at once; each becomes an approved
request on record (its author as the requester, no approver), so the committee's audit list
shows every adjustment. Idempotency records of anonymous requests (login answers, which hold a
bearer token) are deleted: they are no longer kept.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0006_points_requests'
down_revision = '0006_console'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('points_requests',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('mine_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('delta', sa.Integer(), nullable=False),
    sa.Column('reason', sa.String(length=255), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('requested_by_id', sa.Integer(), nullable=True),
    sa.Column('requested_at', sa.DateTime(), nullable=False),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', sa.DateTime(), nullable=True),
    sa.Column('decision_reason', sa.String(length=255), nullable=True),
    sa.Column('entry_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['decided_by_id'], ['people.id'], name=op.f('fk_points_requests_decided_by_id_people')),
    sa.ForeignKeyConstraint(['entry_id'], ['points_entries.id'], name=op.f('fk_points_requests_entry_id_points_entries')),
    sa.ForeignKeyConstraint(['mine_id'], ['mines.id'], name=op.f('fk_points_requests_mine_id_mines')),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_points_requests_person_id_people')),
    sa.ForeignKeyConstraint(['requested_by_id'], ['people.id'], name=op.f('fk_points_requests_requested_by_id_people')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_points_requests'))
    )
    with op.batch_alter_table('points_requests', schema=None) as batch_op:
        batch_op.create_index('ix_points_requests_mine_status', ['mine_id', 'status'], unique=False)
        batch_op.create_index(batch_op.f('ix_points_requests_person_id'), ['person_id'], unique=False)

    op.execute(
        """
        INSERT INTO points_requests (mine_id, person_id, delta, reason, status, requested_by_id,
                                     requested_at, decided_at, decision_reason, entry_id)
        SELECT p.mine_id, e.person_id, e.delta, e.reason, 'approved', e.actor_person_id,
               e.at, e.at, '审批制度实施前直接生效的调整', e.id
        FROM points_entries e JOIN people p ON p.id = e.person_id
        WHERE e.kind = 'manual'
        """
    )


    # Anonymous answers (logins: bearer tokens in clear) are no longer remembered; drop those kept.
    op.execute("DELETE FROM idempotency_records WHERE scope LIKE 'anon:%'")


def downgrade():
    with op.batch_alter_table('points_requests', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_points_requests_person_id'))
        batch_op.drop_index('ix_points_requests_mine_status')

    op.drop_table('points_requests')
