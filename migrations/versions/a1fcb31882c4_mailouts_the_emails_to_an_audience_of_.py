"""Mailouts: the emails to an audience of an event, written by the job queue a batch at a time

Revision ID: a1fcb31882c4
Revises: fe965a831249
Create Date: 2026-12-06 19:57:57.253276

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a1fcb31882c4'
down_revision = 'fe965a831249'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('mailout',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('follow_up', 'event_changed', 'event_cancelled', 'mailing', name='kind', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=True),
    sa.Column('mailing_id', sa.Integer(), nullable=True),
    sa.Column('params', sa.JSON(), nullable=False),
    sa.Column('status', sa.Enum('writing', 'done', 'failed', name='status', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('total', sa.Integer(), nullable=False),
    sa.Column('written', sa.Integer(), nullable=False),
    sa.Column('cursor', sa.Integer(), nullable=False),
    sa.Column('claimed_until_dt', sa.DateTime(timezone=True), nullable=True),
    sa.Column('error', sa.Text(), nullable=False),
    sa.Column('created_dt', sa.DateTime(timezone=True), nullable=False),
    sa.Column('finished_dt', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['account_id'], ['account.id'], name=op.f('fk_mailout_account_id_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['event_id'], ['event.id'], name=op.f('fk_mailout_event_id_event'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['mailing_id'], ['mailing.id'], name=op.f('fk_mailout_mailing_id_mailing'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_mailout'))
    )
    with op.batch_alter_table('mailout', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_mailout_event_id'), ['event_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_mailout_mailing_id'), ['mailing_id'], unique=False)
        batch_op.create_index('ix_mailout_status', ['status'], unique=False)


def downgrade():
    with op.batch_alter_table('mailout', schema=None) as batch_op:
        batch_op.drop_index('ix_mailout_status')
        batch_op.drop_index(batch_op.f('ix_mailout_mailing_id'))
        batch_op.drop_index(batch_op.f('ix_mailout_event_id'))

    op.drop_table('mailout')
