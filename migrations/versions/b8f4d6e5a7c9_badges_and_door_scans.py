"""Badges (a role for the colour band, when last printed) and the scans of the check-in page

Revision ID: b8f4d6e5a7c9
Revises: b7d41e0c9a25
Create Date: 2026-12-07 02:00:00

"""
from alembic import op
import sqlalchemy as sa

from app.database import UTCDateTime

# revision identifiers, used by Alembic.
revision = 'b8f4d6e5a7c9'
down_revision = 'e5c1a3b2d4f6'
branch_labels = None
depends_on = None


def upgrade():
    # Columns added in place (no CHECK in the column: on SQLite that would rebuild the table, and
    # a rebuilt registration table loses the participants triggers); PostgreSQL gets the CHECK.
    with op.batch_alter_table('registration', schema=None) as batch_op:
        batch_op.add_column(sa.Column('badge_role', sa.String(length=32), server_default='delegate', nullable=False))
        batch_op.add_column(sa.Column('badge_printed_dt', UTCDateTime(), nullable=True))
    if op.get_bind().dialect.name == 'postgresql':
        op.create_check_constraint(
            op.f('ck_registration_badge_role'),
            'registration',
            "badge_role IN ('delegate', 'speaker', 'organiser', 'press')",
        )
    op.create_table(
        'door_scan',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('event_id', sa.Integer(), nullable=False),
        sa.Column('client_id', sa.String(length=64), nullable=False),
        sa.Column('registration_id', sa.Integer(), nullable=True),
        sa.Column('scanned_dt', UTCDateTime(), nullable=False),
        sa.Column('recorded_dt', UTCDateTime(), nullable=False),
        sa.Column('outcome', sa.String(length=16), nullable=False),
        sa.ForeignKeyConstraint(['event_id'], ['event.id'], name=op.f('fk_door_scan_event_id_event'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['registration_id'], ['registration.id'], name=op.f('fk_door_scan_registration_id_registration'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_door_scan')),
        sa.UniqueConstraint('event_id', 'client_id', name='uq_door_scan_event_client'),
    )


def downgrade():
    op.drop_table('door_scan')
    if op.get_bind().dialect.name == 'postgresql':
        op.drop_constraint(op.f('ck_registration_badge_role'), 'registration', type_='check')
    # Not in batch mode, for the triggers (see upgrade); SQLite 3.35+ drops columns.
    for column in ('badge_printed_dt', 'badge_role'):
        op.execute(f'ALTER TABLE registration DROP COLUMN {column}')
