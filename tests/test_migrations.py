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


def test_the_migrations_make_the_triggers_the_models_make(tmp_path):
    """The versions of the events' participants (app/models/participation.py) are kept by
    triggers, which compare_metadata does not see. (SQLite's batch mode rebuilds a table
    without its triggers: a migration that does so must make them again.)"""
    app = make_app(tmp_path)
    with app.app_context():
        drop_everything()
        try:
            db.create_all()
            made = triggers()
            drop_everything()
            flask_migrate.upgrade(directory=MIGRATIONS)
            assert len(made) >= 3
            assert triggers() == made
        finally:
            db.session.remove()
            drop_everything()
            db.engine.dispose()


def triggers() -> dict[str, str]:
    """Each trigger's definition, with its function's on PostgreSQL."""
    if db.engine.dialect.name == "sqlite":
        query = "SELECT name, sql FROM sqlite_master WHERE type = 'trigger'"
    else:
        query = (
            "SELECT tgname, pg_get_triggerdef(pg_trigger.oid) || pg_get_functiondef(tgfoid) "
            "FROM pg_trigger WHERE NOT tgisinternal"
        )
    with db.engine.connect() as connection:
        return dict(connection.execute(sa.text(query)).all())
