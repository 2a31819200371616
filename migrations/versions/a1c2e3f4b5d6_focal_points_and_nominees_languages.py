"""The language of the emails to focal points and nominees

Revision ID: a1c2e3f4b5d6
Revises: f3a4b5c6d7e8
Create Date: 2026-12-07 07:40:00

Those on record before were written to in the site's own language: "" keeps it so.

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a1c2e3f4b5d6'
down_revision = 'f3a4b5c6d7e8'
branch_labels = None
depends_on = None


def upgrade():
    for table in ('focal_point', 'nomination'):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column('language', sa.String(length=8), server_default='', nullable=False))


def downgrade():
    for table in ('nomination', 'focal_point'):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column('language')
