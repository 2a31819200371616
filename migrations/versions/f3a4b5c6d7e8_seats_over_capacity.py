"""Seats given over capacity on purpose (protocol); the focal points of delegations

Revision ID: f3a4b5c6d7e8
Revises: c3a9e1f0b2d4
Create Date: 2026-12-07 02:50:00

The capacity's backstop CHECK now lets the confirmed count go beyond the capacity by
the seats organisers gave over it (event.protocol_seats), and no further.

"""
from alembic import op
import sqlalchemy as sa



# revision identifiers, used by Alembic.
revision = 'f3a4b5c6d7e8'
down_revision = 'b5c6d7e8f9a0'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('event', schema=None) as batch_op:
        batch_op.add_column(sa.Column('protocol_seats', sa.Integer(), server_default='0', nullable=False))
        batch_op.drop_constraint(op.f('ck_event_confirmed_within_capacity'), type_='check')
        batch_op.create_check_constraint(
            'confirmed_within_capacity',
            sa.text('capacity IS NULL OR confirmed_count <= capacity + protocol_seats'),
        )
        batch_op.create_check_constraint('protocol_seats_not_negative', sa.text('protocol_seats >= 0'))
        batch_op.add_column(sa.Column('nomination_quota', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('nominations_close_dt', sa.DateTime(timezone=True), nullable=True))
        batch_op.create_check_constraint(
            'nomination_quota_positive', sa.text('nomination_quota IS NULL OR nomination_quota >= 1')
        )
    op.create_table('focal_point',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('country', sa.String(length=2), server_default='', nullable=False),
    sa.Column('organisation', sa.String(length=200), server_default='', nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('created_dt', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("(country = '') <> (organisation = '')", name=op.f('ck_focal_point_one_delegation')),
    sa.CheckConstraint('email = lower(email)', name=op.f('ck_focal_point_email_lowercase')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_focal_point')),
    sa.UniqueConstraint('country', 'organisation', 'email', name='uq_focal_point_delegation_email')
    )
    op.create_table('nomination',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('focal_point_id', sa.Integer(), nullable=True),
    sa.Column('country', sa.String(length=2), server_default='', nullable=False),
    sa.Column('organisation', sa.String(length=200), server_default='', nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('role', sa.Enum('head', 'member', 'adviser', name='nominee_role', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('created_dt', sa.DateTime(timezone=True), nullable=False),
    sa.Column('replaced_dt', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("(country = '') <> (organisation = '')", name=op.f('ck_nomination_one_delegation')),
    sa.CheckConstraint('email = lower(email)', name=op.f('ck_nomination_email_lowercase')),
    sa.ForeignKeyConstraint(['event_id'], ['event.id'], name=op.f('fk_nomination_event_id_event'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['focal_point_id'], ['focal_point.id'], name=op.f('fk_nomination_focal_point_id_focal_point'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_nomination'))
    )
    op.create_index('ix_nomination_delegation', 'nomination', ['event_id', 'country', 'organisation'], unique=False)


def downgrade():
    op.drop_index('ix_nomination_delegation', table_name='nomination')
    op.drop_table('nomination')
    op.drop_table('focal_point')
    # Seats over capacity cannot be kept under the stricter check: the capacity grows to
    # hold them (nobody loses a confirmed seat by a downgrade).
    op.execute(
        "UPDATE event SET capacity = confirmed_count "
        "WHERE capacity IS NOT NULL AND confirmed_count > capacity"
    )
    with op.batch_alter_table('event', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_event_nomination_quota_positive'), type_='check')
        batch_op.drop_column('nominations_close_dt')
        batch_op.drop_column('nomination_quota')
        batch_op.drop_constraint(op.f('ck_event_protocol_seats_not_negative'), type_='check')
        batch_op.drop_constraint(op.f('ck_event_confirmed_within_capacity'), type_='check')
        batch_op.create_check_constraint(
            'confirmed_within_capacity', sa.text('capacity IS NULL OR confirmed_count <= capacity')
        )
        batch_op.drop_column('protocol_seats')
