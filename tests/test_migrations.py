"""The migrations build exactly the schema the models describe, and undo it."""

from __future__ import annotations

from pathlib import Path

import flask_migrate
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from app.extensions import db
from tests.conftest import make_app

MIGRATIONS = str(Path(__file__).resolve().parent.parent / "migrations")


def drop_everything() -> None:
    db.drop_all()
    with db.engine.begin() as connection:
        connection.execute(sa.text("DROP TABLE IF EXISTS alembic_version"))


def test_upgrade_matches_models_and_downgrade_to_base(tmp_path):
    app = make_app(tmp_path)
    with app.app_context():
        drop_everything()
        try:
            flask_migrate.upgrade(directory=MIGRATIONS)
            with db.engine.connect() as connection:
                context = MigrationContext.configure(connection, opts={"compare_type": True})
                differences = compare_metadata(context, db.metadata)
            assert differences == []

            flask_migrate.downgrade(directory=MIGRATIONS, revision="base")
            tables = set(sa.inspect(db.engine).get_table_names())
            assert tables <= {"alembic_version"}
        finally:
            db.session.remove()
            drop_everything()
            db.engine.dispose()
