"""The video platforms: the programme's credentials, and each event's link to its meeting

Revision ID: a7e3c5d4f6b8
Revises: b7d41e0c9a25
Create Date: 2026-12-07 02:00:00

"""
from alembic import op
import sqlalchemy as sa

from app.database.types import UTCDateTime

# revision identifiers, used by Alembic.
revision = 'a7e3c5d4f6b8'
down_revision = 'b8f4d6e5a7c9'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'platform_credentials',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('zoom_account_id', sa.String(length=100), server_default='', nullable=False),
        sa.Column('zoom_client_id', sa.String(length=100), server_default='', nullable=False),
        sa.Column('zoom_client_secret', sa.Text(), server_default='', nullable=False),
        sa.Column('graph_tenant_id', sa.String(length=100), server_default='', nullable=False),
        sa.Column('graph_client_id', sa.String(length=100), server_default='', nullable=False),
        sa.Column('graph_client_secret', sa.Text(), server_default='', nullable=False),
        sa.Column('webex_token', sa.Text(), server_default='', nullable=False),
        sa.Column('zoom_webhook_secret', sa.Text(), server_default='', nullable=False),
        sa.Column('updated_dt', UTCDateTime(), nullable=False),
        sa.CheckConstraint('id = 1', name=op.f('ck_platform_credentials_one_row')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_platform_credentials')),
    )
    op.create_table(
        'meeting_link',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('event_id', sa.Integer(), nullable=False),
        sa.Column('platform', sa.Enum('zoom', 'teams', 'webex', name='platform', native_enum=False, create_constraint=True, length=32), nullable=False),
        sa.Column('meeting_id', sa.String(length=200), nullable=False),
        sa.Column('meeting_kind', sa.String(length=20), server_default='', nullable=False),
        sa.Column('topic', sa.String(length=300), server_default='', nullable=False),
        sa.Column('organizer_id', sa.String(length=100), server_default='', nullable=False),
        sa.Column('join_url', sa.String(length=1000), server_default='', nullable=False),
        sa.Column('state', sa.Enum('linked', 'failed', 'gone', name='state', native_enum=False, create_constraint=True, length=32), nullable=False),
        sa.Column('last_error', sa.Text(), server_default='', nullable=False),
        sa.Column('linked_dt', UTCDateTime(), nullable=False),
        sa.Column('checked_dt', UTCDateTime(), nullable=True),
        sa.Column('fetched_dt', UTCDateTime(), nullable=True),
        sa.Column('fetched_import_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['event_id'], ['event.id'], name=op.f('fk_meeting_link_event_id_event'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['fetched_import_id'], ['attendance_import.id'], name=op.f('fk_meeting_link_fetched_import_id_attendance_import'), ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_meeting_link')),
        sa.UniqueConstraint('event_id', name=op.f('uq_meeting_link_event_id')),
    )
    op.create_table(
        'platform_registrant',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('registration_id', sa.Integer(), nullable=False),
        sa.Column('meeting_link_id', sa.Integer(), nullable=False),
        sa.Column('on_platform', sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column('registrant_id', sa.String(length=100), server_default='', nullable=False),
        sa.Column('join_url', sa.String(length=1000), server_default='', nullable=False),
        sa.Column('attempts', sa.Integer(), server_default='0', nullable=False),
        sa.Column('next_attempt_dt', UTCDateTime(), nullable=True),
        sa.Column('last_error', sa.Text(), server_default='', nullable=False),
        sa.Column('updated_dt', UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['meeting_link_id'], ['meeting_link.id'], name=op.f('fk_platform_registrant_meeting_link_id_meeting_link'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['registration_id'], ['registration.id'], name=op.f('fk_platform_registrant_registration_id_registration'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_platform_registrant')),
        sa.UniqueConstraint('registration_id', name=op.f('uq_platform_registrant_registration_id')),
    )
    op.create_index('ix_platform_registrant_due', 'platform_registrant', ['meeting_link_id', 'next_attempt_dt'], unique=False)
    op.create_table(
        'live_participant',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('meeting_link_id', sa.Integer(), nullable=False),
        sa.Column('participant_key', sa.String(length=200), nullable=False),
        sa.Column('in_room', sa.Boolean(), nullable=False),
        sa.Column('event_ts', sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(['meeting_link_id'], ['meeting_link.id'], name=op.f('fk_live_participant_meeting_link_id_meeting_link'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_live_participant')),
        sa.UniqueConstraint('meeting_link_id', 'participant_key', name=op.f('uq_live_participant_meeting_link_id')),
    )


def downgrade():
    op.drop_table('live_participant')
    op.drop_index('ix_platform_registrant_due', table_name='platform_registrant')
    op.drop_table('platform_registrant')
    op.drop_table('meeting_link')
    op.drop_table('platform_credentials')
