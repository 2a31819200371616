"""The standard fields of an intergovernmental meeting's form, and which each series or event asks

Revision ID: d4b0f2a1c3e5
Revises: b7d41e0c9a25
Create Date: 2026-12-07 01:50:00

"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = 'd4b0f2a1c3e5'
down_revision = 'f6d2b4c3e5a7'
branch_labels = None
depends_on = None

NAME_PARTS = ('salutation', 'given_name', 'family_name')
DECLARED = (
    'gender',
    'representing_country',
    'representing_organisation',
    'head_of_delegation',
    'interpretation_language',
    'accessibility_needs',
    'dietary_needs',
    'dietary_other',
    'visa_letter_needed',
)


def _name_parts():
    return [
        sa.Column('salutation', sa.String(length=16), server_default='', nullable=False),
        sa.Column('given_name', sa.String(length=100), server_default='', nullable=False),
        sa.Column('family_name', sa.String(length=100), server_default='', nullable=False),
    ]


def upgrade():
    # ALTER TABLE ... ADD COLUMN, not batch mode: rebuilding the delegate or event table would
    # drop it once, and with it, through ON DELETE CASCADE, every registration (and the
    # participants triggers of a rebuilt registration table).
    op.add_column('series', sa.Column('form_fields', sa.JSON(), nullable=True))
    op.add_column('event', sa.Column('form_fields', sa.JSON(), nullable=True))
    for table in ('delegate', 'registration'):
        for column in _name_parts():
            op.add_column(table, column)
    for column in (
        sa.Column('gender', sa.String(length=24), server_default='', nullable=False),
        sa.Column('representing_country', sa.String(length=2), server_default='', nullable=False),
        sa.Column('representing_organisation', sa.String(length=200), server_default='', nullable=False),
        sa.Column('head_of_delegation', sa.Boolean(), nullable=True),
        sa.Column('interpretation_language', sa.String(length=8), server_default='', nullable=False),
        sa.Column('accessibility_needs', sa.Text(), server_default='', nullable=False),
        sa.Column('dietary_needs', sa.String(length=24), server_default='', nullable=False),
        sa.Column('dietary_other', sa.String(length=200), server_default='', nullable=False),
        sa.Column('visa_letter_needed', sa.Boolean(), nullable=True),
    ):
        op.add_column('registration', column)


def downgrade():
    for name in DECLARED + NAME_PARTS:
        op.drop_column('registration', name)
    for name in NAME_PARTS:
        op.drop_column('delegate', name)
    op.drop_column('event', 'form_fields')
    op.drop_column('series', 'form_fields')
