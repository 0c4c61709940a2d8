"""console sign-in: the browser's user agent and a short code shown on both screens

Revision ID: 0014_input2
Revises: 0012_zones
Create Date: 2026-12-06 01:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0014_input2'
down_revision = '0012_zones'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('console_login_tickets') as batch_op:
        batch_op.add_column(sa.Column('browser_user_agent', sa.String(length=255), nullable=True))
        batch_op.add_column(sa.Column('code', sa.String(length=8), nullable=True))


def downgrade():
    with op.batch_alter_table('console_login_tickets') as batch_op:
        batch_op.drop_column('code')
        batch_op.drop_column('browser_user_agent')
