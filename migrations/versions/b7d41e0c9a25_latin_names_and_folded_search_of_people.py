"""Latin names of people, and the folded column the search of people reads

Revision ID: b7d41e0c9a25
Revises: b5d1e7c2a9f4
Create Date: 2026-12-06 23:30:00

"""
from alembic import op
import sqlalchemy as sa

from app.database.types import folded_fields

# revision identifiers, used by Alembic.
revision = 'b7d41e0c9a25'
down_revision = 'b5d1e7c2a9f4'
branch_labels = None
depends_on = None

SEARCH_TEXT = sa.String(700).with_variant(sa.String(700, collation="C"), "postgresql")
BATCH = 2000


def upgrade():
    with op.batch_alter_table('delegate', schema=None) as batch_op:
        batch_op.add_column(sa.Column('latin_name', sa.String(length=200), server_default='', nullable=False))
    with op.batch_alter_table('registration', schema=None) as batch_op:
        batch_op.add_column(sa.Column('latin_name', sa.String(length=200), server_default='', nullable=False))
        batch_op.add_column(sa.Column('search_text', SEARCH_TEXT, server_default='', nullable=False))
    _fold_existing()
    with op.batch_alter_table('registration', schema=None) as batch_op:
        batch_op.create_index('ix_registration_event_search_text', ['event_id', 'search_text'], unique=False)


def _fold_existing():
    """The column as the application writes it (models/people.py: name, Latin name, organisation)."""
    connection = op.get_bind()
    registration = sa.table(
        'registration',
        sa.column('id', sa.Integer),
        sa.column('name', sa.String),
        sa.column('latin_name', sa.String),
        sa.column('organisation', sa.String),
        sa.column('search_text', sa.String),
    )
    update = (
        sa.update(registration)
        .where(registration.c.id == sa.bindparam('row_id'))
        .values(search_text=sa.bindparam('folded'))
    )
    last = 0
    while True:
        rows = connection.execute(
            sa.select(registration.c.id, registration.c.name, registration.c.latin_name, registration.c.organisation)
            .where(registration.c.id > last)
            .order_by(registration.c.id)
            .limit(BATCH)
        ).all()
        if not rows:
            return
        connection.execute(
            update,
            [
                {'row_id': row.id, 'folded': folded_fields(row.name, row.latin_name, row.organisation)[:700]}
                for row in rows
            ],
        )
        last = rows[-1].id


def downgrade():
    # ALTER TABLE ... DROP COLUMN (SQLite 3.35+), not batch mode: rebuilding the delegate table
    # would drop it once, and with it, through ON DELETE CASCADE, every registration (and the
    # participants triggers of a rebuilt table).
    op.drop_index('ix_registration_event_search_text', table_name='registration')
    op.drop_column('registration', 'search_text')
    op.drop_column('registration', 'latin_name')
    op.drop_column('delegate', 'latin_name')
