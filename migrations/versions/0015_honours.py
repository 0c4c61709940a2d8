"""honours: the self-vote rule, nominations, the honour roll

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


def downgrade():
    with op.batch_alter_table('vote_campaigns') as batch_op:
        batch_op.drop_column('allow_self_vote')
