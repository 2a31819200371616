"""Mailouts that change registrations: the waiting list moved into new seats, and an
organiser's action on many registrations, done by the job queue a batch at a time

Revision ID: e2b7c4d9a816
Revises: a1fcb31882c4
Create Date: 2026-12-06 23:20:00.000000

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'e2b7c4d9a816'
down_revision = 'a1fcb31882c4'
branch_labels = None
depends_on = None

BEFORE = ('follow_up', 'event_changed', 'event_cancelled', 'mailing')
AFTER = BEFORE + ('promotion', 'registration_action')


def _kinds(kinds: tuple[str, ...]) -> None:
    # The kind is a VARCHAR with a named CHECK (app/models/enums.py: enum_type); SQLite
    # changes a CHECK only by copying the table, which batch mode does.
    listed = ", ".join(f"'{kind}'" for kind in kinds)
    with op.batch_alter_table('mailout', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_mailout_kind'), type_='check')
        batch_op.create_check_constraint(op.f('ck_mailout_kind'), f"kind IN ({listed})")


def upgrade():
    _kinds(AFTER)


def downgrade():
    op.execute(f"DELETE FROM mailout WHERE kind IN ('promotion', 'registration_action')")
    _kinds(BEFORE)
