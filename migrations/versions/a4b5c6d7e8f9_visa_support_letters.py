"""Visa support letters: the passport details a registrant gives, approval and sending

Revision ID: a4b5c6d7e8f9
Revises: c3a9e1f0b2d4
Create Date: 2026-12-07 02:55:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a4b5c6d7e8f9'
down_revision = 'c3a9e1f0b2d4'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('visa_letter',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('registration_id', sa.Integer(), nullable=False),
    sa.Column('passport_name', sa.String(length=200), nullable=False),
    sa.Column('passport_number', sa.String(length=40), nullable=False),
    sa.Column('nationality', sa.String(length=2), nullable=False),
    sa.Column('birth_date', sa.Date(), nullable=False),
    sa.Column('passport_issue_date', sa.Date(), nullable=False),
    sa.Column('passport_expiry_date', sa.Date(), nullable=False),
    sa.Column('given_dt', sa.DateTime(timezone=True), nullable=False),
    sa.Column('approved_dt', sa.DateTime(timezone=True), nullable=True),
    sa.Column('approved_by_id', sa.Integer(), nullable=True),
    sa.Column('sent_dt', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint('passport_expiry_date > passport_issue_date', name=op.f('ck_visa_letter_passport_dates')),
    sa.ForeignKeyConstraint(['approved_by_id'], ['account.id'], name=op.f('fk_visa_letter_approved_by_id_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['registration_id'], ['registration.id'], name=op.f('fk_visa_letter_registration_id_registration'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_visa_letter')),
    sa.UniqueConstraint('registration_id', name=op.f('uq_visa_letter_registration_id'))
    )


def downgrade():
    op.drop_table('visa_letter')
