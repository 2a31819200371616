"""Messages to an audience: attachments, and a time to send them

Revision ID: c9a5e7f6b8d0
Revises: b7d41e0c9a25
Create Date: 2026-12-07 02:00:00

"""

from alembic import op
import sqlalchemy as sa

from app.database.types import UTCDateTime

# revision identifiers, used by Alembic.
revision = "c9a5e7f6b8d0"
down_revision = "b7d41e0c9a25"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("mailing", schema=None) as batch_op:
        batch_op.add_column(sa.Column("scheduled_dt", UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column("started_dt", UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column("cancelled_dt", UTCDateTime(), nullable=True))
    # Every mailing so far was sent at once.
    op.execute("UPDATE mailing SET started_dt = created_dt")
    op.create_table(
        "mailing_attachment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("mailing_id", sa.Integer(), nullable=True),
        sa.Column("document_id", sa.Integer(), nullable=True),
        sa.Column("account_id", sa.Integer(), nullable=True),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("stored_name", sa.String(length=100), nullable=True),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("content_type", sa.String(length=100), nullable=False),
        sa.Column("size_bytes", sa.Integer(), nullable=False),
        sa.Column("url", sa.String(length=500), nullable=True),
        sa.Column("created_dt", UTCDateTime(), nullable=False),
        sa.CheckConstraint(
            "(stored_name IS NULL) <> (url IS NULL)", name=op.f("ck_mailing_attachment_file_or_link")
        ),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["account.id"],
            name=op.f("fk_mailing_attachment_account_id_account"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["document_id"],
            ["document.id"],
            name=op.f("fk_mailing_attachment_document_id_document"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["event_id"], ["event.id"], name=op.f("fk_mailing_attachment_event_id_event"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["mailing_id"],
            ["mailing.id"],
            name=op.f("fk_mailing_attachment_mailing_id_mailing"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mailing_attachment")),
    )
    with op.batch_alter_table("mailing_attachment", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_mailing_attachment_event_id"), ["event_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_mailing_attachment_mailing_id"), ["mailing_id"], unique=False)


def downgrade():
    op.drop_table("mailing_attachment")
    with op.batch_alter_table("mailing", schema=None) as batch_op:
        batch_op.drop_column("cancelled_dt")
        batch_op.drop_column("started_dt")
        batch_op.drop_column("scheduled_dt")
