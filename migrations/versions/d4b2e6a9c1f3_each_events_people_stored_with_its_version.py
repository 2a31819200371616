"""Each event's people, as the summaries last counted them, stored with its version

Revision ID: d4b2e6a9c1f3
Revises: 249137376f1b
Create Date: 2026-12-04 18:00:00.000000

So that a process that has just started, or another web process, reads them instead of
counting the whole programme again (see app/services/reporting/summaries.py). Added columns only: no
table is rebuilt, so the triggers on attendance, registration and delegate stay.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'd4b2e6a9c1f3'
down_revision = '249137376f1b'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('participants_version', schema=None) as batch_op:
        batch_op.add_column(sa.Column('people_version', sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column('people_ids', sa.LargeBinary(), nullable=True))
        batch_op.add_column(sa.Column('people_details', sa.JSON(), nullable=True))


def downgrade():
    # Not in batch mode: on SQLite, re-creating the table under its name fails, as the
    # triggers on attendance, registration and delegate name it (SQLite 3.35+ drops columns).
    for column in ('people_details', 'people_ids', 'people_version'):
        op.execute(f'ALTER TABLE participants_version DROP COLUMN {column}')
