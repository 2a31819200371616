"""Spent form stamps

Revision ID: 739e8bf80ae1
Revises: d4b2e6a9c1f3
Create Date: 2026-12-06 19:28:45.272225

The anti-robot stamps of the public forms that a registration (or a request for links) has used,
so that the same stamp is refused when sent again; forgotten once expired.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '739e8bf80ae1'
down_revision = 'd4b2e6a9c1f3'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'spent_form_stamp',
        sa.Column('nonce', sa.String(length=32), nullable=False),
        sa.Column('expires_dt', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('nonce', name=op.f('pk_spent_form_stamp')),
    )
    with op.batch_alter_table('spent_form_stamp', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_spent_form_stamp_expires_dt'), ['expires_dt'], unique=False)


def downgrade():
    with op.batch_alter_table('spent_form_stamp', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_spent_form_stamp_expires_dt'))
    op.drop_table('spent_form_stamp')
