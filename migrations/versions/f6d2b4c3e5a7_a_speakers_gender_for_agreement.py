"""A speaker's gender, for the title of their role to agree with it ("modératrice")

Revision ID: f6d2b4c3e5a7
Revises: b7d41e0c9a25
Create Date: 2026-12-07 02:00:00

"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = 'f6d2b4c3e5a7'
down_revision = 'c9a5e7f6b8d0'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('speaker', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                'gender',
                sa.Enum('not_given', 'woman', 'man', name='speaker_gender', native_enum=False, create_constraint=True, length=32),
                server_default='not_given',
                nullable=False,
            )
        )


def downgrade():
    # The column's CHECK goes first: SQLite's batch copy would otherwise keep it without its column.
    with op.batch_alter_table('speaker', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_speaker_speaker_gender'), type_='check')
        batch_op.drop_column('gender')
