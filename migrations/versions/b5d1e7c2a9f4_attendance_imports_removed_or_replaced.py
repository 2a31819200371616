"""Attendance imports can be removed or replaced by a corrected file

Revision ID: b5d1e7c2a9f4
Revises: b7c2d9e4f1a6
Create Date: 2026-12-06 23:20:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b5d1e7c2a9f4'
down_revision = 'b7c2d9e4f1a6'
branch_labels = None
depends_on = None

BEFORE = ('preview', 'importing', 'done', 'failed', 'discarded')
AFTER = (*BEFORE, 'removed', 'replaced')


def _status_check(batch_op, values):
    quoted = ", ".join(f"'{value}'" for value in values)
    batch_op.create_check_constraint('status', sa.text(f"status IN ({quoted})"))


def upgrade():
    with op.batch_alter_table('attendance_import', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_attendance_import_status'), type_='check')
        _status_check(batch_op, AFTER)
        batch_op.add_column(sa.Column('replaces_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('walk_in_count', sa.Integer(), server_default='0', nullable=False))
        batch_op.create_foreign_key(
            batch_op.f('fk_attendance_import_replaces_id_attendance_import'),
            'attendance_import',
            ['replaces_id'],
            ['id'],
            ondelete='SET NULL',
        )


def downgrade():
    # The earlier states cannot say "removed" or "replaced": such an import reads as set aside.
    op.execute(
        "UPDATE attendance_import SET status = 'discarded' WHERE status IN ('removed', 'replaced')"
    )
    with op.batch_alter_table('attendance_import', schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f('fk_attendance_import_replaces_id_attendance_import'), type_='foreignkey'
        )
        batch_op.drop_column('walk_in_count')
        batch_op.drop_column('replaces_id')
        batch_op.drop_constraint(op.f('ck_attendance_import_status'), type_='check')
        _status_check(batch_op, BEFORE)
