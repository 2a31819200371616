"""Each event's published figures: what the public summaries show until published again

Revision ID: e7c4a2d9b5f1
Revises: e2b7c4d9a816
Create Date: 2026-12-06 23:10:00.000000

The public summaries (pages, PDFs, API) show the figures an organiser last published, not the
live ones. So that today's public pages do not go blank, every event that has attendance now
is marked as published here; its figures are counted when first read (or by the worker's
minute job): the migration does not import the app (see env.py), and counting them needs it.
Events without attendance stay unpublished: their public pages say "Figures not yet
published" until an organiser publishes (publishing a summary's text publishes its figures).
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'e7c4a2d9b5f1'
down_revision = "e2b7c4d9a816"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'published_figures',
        sa.Column('event_id', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('figures', sa.JSON(), nullable=True),
        sa.Column('people_ids', sa.LargeBinary(), nullable=True),
        sa.Column('published_dt', sa.DateTime(timezone=True), nullable=False),
        sa.Column('account_id', sa.Integer(), nullable=True),
        sa.Column('published_by', sa.String(length=254), nullable=False),
        sa.ForeignKeyConstraint(['account_id'], ['account.id'], name=op.f('fk_published_figures_account_id_account'), ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['event_id'], ['event.id'], name=op.f('fk_published_figures_event_id_event'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('event_id', name=op.f('pk_published_figures')),
    )
    # CURRENT_TIMESTAMP: UTC on SQLite, an instant on PostgreSQL.
    op.execute(
        "INSERT INTO published_figures (event_id, published_dt, published_by) "
        "SELECT DISTINCT event_id, CURRENT_TIMESTAMP, '' FROM attendance"
    )


def downgrade():
    op.drop_table('published_figures')
