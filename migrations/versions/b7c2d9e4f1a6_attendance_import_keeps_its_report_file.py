"""An attendance import keeps its report file, to read it again from the preview

Revision ID: b7c2d9e4f1a6
Revises: e7c4a2d9b5f1
Create Date: 2026-12-06 23:30:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b7c2d9e4f1a6'
down_revision = 'e7c4a2d9b5f1'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('attendance_import', schema=None) as batch_op:
        batch_op.add_column(sa.Column('report_file', sa.LargeBinary(), nullable=True))


def downgrade():
    with op.batch_alter_table('attendance_import', schema=None) as batch_op:
        batch_op.drop_column('report_file')
