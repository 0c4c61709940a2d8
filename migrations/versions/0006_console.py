"""console sign-in: login tickets and the sign-in audit

Revision ID: 0006_console
Revises: 0005_talk_wishes
Create Date: 2026-11-22 03:10:00

"""
from alembic import op
import sqlalchemy as sa



# revision identifiers, used by Alembic.
revision = '0006_console'
down_revision = '0006_wechat_media'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'console_login_tickets',
        sa.Column('id', sa.String(length=32), nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('expires_at', sa.DateTime(), nullable=False),
        sa.Column('browser_ip', sa.String(length=64), nullable=True),
        sa.Column('confirmed_account_id', sa.Integer(), nullable=True),
        sa.Column('confirmed_at', sa.DateTime(), nullable=True),
        sa.Column('used_at', sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(['confirmed_account_id'], ['accounts.id'], name=op.f('fk_console_login_tickets_confirmed_account_id_accounts'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_console_login_tickets')),
    )
    with op.batch_alter_table('console_login_tickets', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_console_login_tickets_expires_at'), ['expires_at'], unique=False)

    op.create_table(
        'console_sign_ins',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('session_id', sa.String(length=36), nullable=False),
        sa.Column('account_id', sa.Integer(), nullable=False),
        sa.Column('person_id', sa.Integer(), nullable=False),
        sa.Column('mine_id', sa.Integer(), nullable=False),
        sa.Column('method', sa.String(length=8), nullable=False),
        sa.Column('ticket_id', sa.String(length=32), nullable=True),
        sa.Column('ip', sa.String(length=64), nullable=True),
        sa.Column('user_agent', sa.String(length=255), nullable=True),
        sa.Column('at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['account_id'], ['accounts.id'], name=op.f('fk_console_sign_ins_account_id_accounts')),
        sa.ForeignKeyConstraint(['mine_id'], ['mines.id'], name=op.f('fk_console_sign_ins_mine_id_mines')),
        sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_console_sign_ins_person_id_people')),
        sa.ForeignKeyConstraint(['session_id'], ['auth_sessions.id'], name=op.f('fk_console_sign_ins_session_id_auth_sessions'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_console_sign_ins')),
        sa.UniqueConstraint('session_id', name=op.f('uq_console_sign_ins_session_id')),
    )
    with op.batch_alter_table('console_sign_ins', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_console_sign_ins_account_id'), ['account_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_console_sign_ins_at'), ['at'], unique=False)
        batch_op.create_index(batch_op.f('ix_console_sign_ins_person_id'), ['person_id'], unique=False)


def downgrade():
    with op.batch_alter_table('console_sign_ins', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_console_sign_ins_person_id'))
        batch_op.drop_index(batch_op.f('ix_console_sign_ins_at'))
        batch_op.drop_index(batch_op.f('ix_console_sign_ins_account_id'))
    op.drop_table('console_sign_ins')
    with op.batch_alter_table('console_login_tickets', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_console_login_tickets_expires_at'))
    op.drop_table('console_login_tickets')
