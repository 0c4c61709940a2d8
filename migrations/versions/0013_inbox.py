"""inbox: a notification is also its person's inbox item (read_at); subscribe consents held
per person and template, and the consent reports already counted

Revision ID: 0013_inbox
Revises: 0014_input2
Create Date: 2026-12-06 01:30:00

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0013_inbox"
down_revision = "0014_input2"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.add_column(sa.Column("read_at", sa.DateTime(), nullable=True))
        batch_op.create_index(
            "ix_notifications_person_id_read_at", ["person_id", "read_at"], unique=False
        )

    op.create_table(
        "subscribe_consents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("template_id", sa.String(length=64), nullable=False),
        sa.Column("remaining", sa.Integer(), nullable=False),
        sa.Column("last_result", sa.String(length=16), nullable=True),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"], ["people.id"], name=op.f("fk_subscribe_consents_person_id_people")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_subscribe_consents")),
        sa.UniqueConstraint(
            "person_id", "template_id", name=op.f("uq_subscribe_consents_person_id_template_id")
        ),
    )
    with op.batch_alter_table("subscribe_consents", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_subscribe_consents_person_id"), ["person_id"], unique=False
        )

    op.create_table(
        "consent_reports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.String(length=64), nullable=False),
        sa.Column("results", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"], ["people.id"], name=op.f("fk_consent_reports_person_id_people")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_consent_reports")),
        sa.UniqueConstraint(
            "person_id", "request_id", name=op.f("uq_consent_reports_person_id_request_id")
        ),
    )
    with op.batch_alter_table("consent_reports", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_consent_reports_created_at"), ["created_at"], unique=False
        )


def downgrade():
    with op.batch_alter_table("consent_reports", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_consent_reports_created_at"))
    op.drop_table("consent_reports")
    with op.batch_alter_table("subscribe_consents", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_subscribe_consents_person_id"))
    op.drop_table("subscribe_consents")
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.drop_index("ix_notifications_person_id_read_at")
        batch_op.drop_column("read_at")
