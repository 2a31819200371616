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
down_revision = 'b7d41e0c9a25'
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


def downgrade():
    op.drop_table('meeting_link')
    op.drop_table('platform_credentials')
