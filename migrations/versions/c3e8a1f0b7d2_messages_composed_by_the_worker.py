"""Messages written in a request are composed by the worker: what to compose them from

Revision ID: c3e8a1f0b7d2
Revises: 36d590a84da9
Create Date: 2026-12-04 15:10:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c3e8a1f0b7d2'
down_revision = '36d590a84da9'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('message_content', schema=None) as batch_op:
        batch_op.add_column(sa.Column('composition', sa.JSON(none_as_null=True), nullable=True))


def downgrade():
    # A message not composed yet cannot be sent by the older code: compose them first
    # (let the worker empty the outbox) before going back.
    with op.batch_alter_table('message_content', schema=None) as batch_op:
        batch_op.drop_column('composition')
