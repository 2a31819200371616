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


def test_the_emails_stored_before_keep_no_personal_link(tmp_path):
    """fe965a831249: what older versions stored in clear loses its links; a sent email's MIME
    keeps its headers, one still to send keeps its bytes."""
    from email.message import EmailMessage

    from app.models import Message, MessageContent

    link = "http://127.0.0.1:5000/registrations/manage/WzEsImFiYyJd.Sig-na_ture"
    invitation = "https://plenary.example.org/console/invitation/AbC-dEf_123"
    email = EmailMessage()
    email["Subject"], email["Message-ID"] = "Registration confirmed", "<1@plenary.example.org>"
    email.set_content(f"Manage it here:\n{link}\n")
    mime = email.as_bytes()
    app = make_app(tmp_path)
    with app.app_context():
        drop_everything()
        try:
            flask_migrate.upgrade(directory=MIGRATIONS, revision="d4b2e6a9c1f3")
            with db.engine.begin() as connection:
                for number, status in ((1, "sent"), (2, "queued")):
                    connection.execute(
                        sa.insert(Message.__table__).values(
                            id=number,
                            kind="registration_confirmed",
                            to_address="amina.yusuf@example.org",
                            subject="Registration confirmed",
                            message_id=f"<{number}@plenary.example.org>",
                            status=status,
                        )
                    )
                    connection.execute(
                        sa.insert(MessageContent.__table__).values(
                            message_id=number,
                            body_text=f"Manage it here:\n{link}\nOr accept {invitation}.",
                            body_html=f'<a href="{link}">{link}</a>',
                            attachments=[
                                {"filename": "a.txt", "content_type": "text/plain", "content": link}
                            ],
                            mime=mime,
                        )
                    )
            flask_migrate.upgrade(directory=MIGRATIONS)
            with db.engine.connect() as connection:
                rows = connection.execute(
                    sa.select(MessageContent.__table__).order_by(MessageContent.message_id)
                ).all()
            placeholder = "[personal link removed]"
            for row in rows:
                assert row.body_text == f"Manage it here:\n{placeholder}\nOr accept {placeholder}."
                assert row.body_html == f'<a href="{placeholder}">{placeholder}</a>'
                assert row.attachments[0]["content"] == placeholder
            sent, queued = rows
            assert bytes(sent.mime) == mime[: mime.index(b"\n\n") + 1] and b"manage" not in bytes(sent.mime)
            assert bytes(queued.mime) == mime  # still to be sent as it is
        finally:
            db.session.remove()
            drop_everything()
            db.engine.dispose()


def test_the_events_with_attendance_are_published_by_the_upgrade(tmp_path):
    """e7c4a2d9b5f1: today's public figures do not go blank: every event that has attendance
    is marked as published (its figures counted when first read, or by the worker)."""
    from datetime import UTC, datetime, timedelta

    from app.models import Attendance, Event, PublishedFigures
    from app.services.reporting import summaries

    app = make_app(tmp_path)
    with app.app_context():
        drop_everything()
        try:
            flask_migrate.upgrade(directory=MIGRATIONS, revision="a1fcb31882c4")
            start = datetime(2026, 11, 3, 9, tzinfo=UTC)
            with db.engine.begin() as connection:
                # The table as it was at that revision: the model's later columns are not there yet.
                then = sa.Table("event", sa.MetaData(), autoload_with=connection)
                defaults = {
                    column.name: column.default.arg
                    for column in Event.__table__.columns
                    if column.name in then.c
                    and column.default is not None
                    and not callable(column.default.arg)
                }
                for number in (1, 2):
                    connection.execute(
                        sa.insert(then).values(
                            {
                                **defaults,
                                "id": number,
                                "title": f"Webinar {number}",
                                "start_dt": start,
                                "end_dt": start + timedelta(hours=2),
                                "timezone": "Europe/Vienna",
                                "created_dt": start,
                            }
                        )
                    )
                connection.execute(
                    sa.insert(Attendance.__table__).values(
                        event_id=1, participant_key="name:amina", name="Amina", source="zoom", minutes=50
                    )
                )
            flask_migrate.upgrade(directory=MIGRATIONS)
            rows = db.session.scalars(sa.select(PublishedFigures)).all()
            assert [(row.event_id, row.figures, row.published_dt is not None) for row in rows] == [
                (1, None, True)
            ]
            assert summaries.count_figures_published_by_upgrade() == 1
            first = db.session.get(Event, 1)
            assert summaries.event_summary(first, published=True).figures.participants == 1
            assert summaries.event_summary(db.session.get(Event, 2), published=True) is None
        finally:
            db.session.remove()
            drop_everything()
            db.engine.dispose()


def test_no_upgrade_or_downgrade_loses_the_rows_of_other_tables(tmp_path):
    """On SQLite a batch rebuild drops the old table, and with foreign keys on that deletes every
    row pointing at it ON DELETE CASCADE: a migration that rebuilt `agenda_item` took the
    speakers with it, one that rebuilt `event` the registrations. Each migration since keeps them."""
    from datetime import UTC, datetime, timedelta

    from app.models import AgendaItem, Delegate, Event, Registration, Speaker

    app = make_app(tmp_path)
    with app.app_context():
        drop_everything()
        try:
            flask_migrate.upgrade(directory=MIGRATIONS, revision="b7d41e0c9a25")
            start = datetime(2026, 11, 3, 9, tzinfo=UTC)
            with db.engine.begin() as connection:
                insert_as_then(
                    connection,
                    Event,
                    id=1,
                    title="Partnership",
                    start_dt=start,
                    end_dt=start + timedelta(hours=2),
                    timezone="Europe/Vienna",
                    created_dt=start,
                )
                insert_as_then(connection, AgendaItem, id=1, event_id=1, title="Opening")
                insert_as_then(connection, Speaker, id=1, agenda_item_id=1, name="Amina")
                insert_as_then(
                    connection, Delegate, id=1, email="amina@example.org", name="Amina", created_dt=start
                )
                insert_as_then(
                    connection,
                    Registration,
                    id=1,
                    event_id=1,
                    delegate_id=1,
                    status="confirmed",
                    consent_privacy_dt=start,
                    manage_key="k" * 40,
                    created_dt=start,
                    status_changed_dt=start,
                    name="Amina",
                    answers={},
                )

            def counted() -> tuple[int, int]:
                with db.engine.connect() as connection:
                    return (
                        connection.scalar(sa.text("SELECT count(*) FROM speaker")),
                        connection.scalar(sa.text("SELECT count(*) FROM registration")),
                    )

            assert counted() == (1, 1)
            flask_migrate.upgrade(directory=MIGRATIONS)
            assert counted() == (1, 1)
            flask_migrate.downgrade(directory=MIGRATIONS, revision="b7d41e0c9a25")
            assert counted() == (1, 1)
        finally:
            db.session.remove()
            drop_everything()
            db.engine.dispose()


def insert_as_then(connection, model, **values) -> None:
    """A row of `model`'s table as the table is at the database's revision: the model's plain
    defaults for the columns there then, and `values`."""
    then = sa.Table(model.__tablename__, sa.MetaData(), autoload_with=connection)
    defaults = {}
    for column in model.__table__.columns:
        default = column.default.arg if column.default is not None else None
        if column.name in then.c and default is not None and not callable(default):
            defaults[column.name] = default.value if hasattr(default, "value") else default
    connection.execute(sa.insert(then).values({**defaults, **values}))
