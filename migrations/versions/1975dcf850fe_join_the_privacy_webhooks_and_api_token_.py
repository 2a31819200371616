"""Join the privacy, webhooks and API token migrations

Revision ID: 1975dcf850fe
Revises: 06273e6fdac5, a7c3e91d2b40, b617a934cdfe
Create Date: 2026-11-23 07:20:49.463099

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '1975dcf850fe'
down_revision = ('06273e6fdac5', 'a7c3e91d2b40', 'b617a934cdfe')
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
