"""Agenda items get times and a room; events get a join passcode and dial-in numbers

Revision ID: e5c1a3b2d4f6
Revises: b7d41e0c9a25
Create Date: 2026-12-07 01:50:00

"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = 'e5c1a3b2d4f6'
down_revision = 'd4b0f2a1c3e5'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('event', schema=None) as batch_op:
        batch_op.add_column(sa.Column('join_passcode', sa.String(length=100), server_default='', nullable=False))
        batch_op.add_column(sa.Column('dial_in', sa.Text(), server_default='', nullable=False))
    with op.batch_alter_table('agenda_item', schema=None) as batch_op:
        batch_op.add_column(sa.Column('start_dt', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('end_dt', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('room', sa.String(length=200), server_default='', nullable=False))
        batch_op.create_check_constraint(
            'ends_after_start', 'start_dt IS NULL OR end_dt IS NULL OR end_dt > start_dt'
        )
        batch_op.create_check_constraint('end_needs_start', 'end_dt IS NULL OR start_dt IS NOT NULL')


def downgrade():
    with op.batch_alter_table('agenda_item', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_agenda_item_end_needs_start'), type_='check')
        batch_op.drop_constraint(op.f('ck_agenda_item_ends_after_start'), type_='check')
        batch_op.drop_column('room')
        batch_op.drop_column('end_dt')
        batch_op.drop_column('start_dt')
    with op.batch_alter_table('event', schema=None) as batch_op:
        batch_op.drop_column('dial_in')
        batch_op.drop_column('join_passcode')
