"""The version of each event's participants, kept by triggers.

The programme summary keeps each event's people and breakdowns for as long as the event's
version stays the same, so that a change recounts the event it changed and no other. For
that, every change to what the summaries read of an event -- its attendance, its
registrations, the delegates its walk-ins are known as -- gives the event a version that no
earlier state of it had. Triggers do it, so that no way of writing (the registration
service, the console, an import, erasure, retention, plain SQL) can forget to. (Only a
TRUNCATE, which no code here runs, goes unseen.)

A version is never reused, which a rollback, a deleted and re-created event (SQLite reuses
ids) or a re-created table could otherwise bring about:
- PostgreSQL: the id of the transaction that made the change (an xid8, never reused in the
  life of the cluster), written as it commits. Transactions changing one event queue on its
  row: the version is the last committer's, and names one committed state only.
- SQLite, where one connection writes at a time: one more than the highest version of any
  event. Rows are never deleted (no foreign key: a deleted event's row stays), so the
  highest never goes down; re-creating the table changes the schema version, which the
  summaries' keys include.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from ..database import UTCDateTime, utcnow
from ..database.base import Model
from ..extensions import db


class ParticipantsVersion(Model):
    """The version of one event's participants. No row, or version 0 (a row the summaries
    added to store the people of an event never changed): unchanged since the event was
    created (or since this table was)."""

    __tablename__ = "participants_version"

    event_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    version: Mapped[int] = mapped_column(sa.BigInteger, index=True)
    # The event's people as the summaries last counted them, for every process (see
    # services/reporting/summaries.py): theirs while people_version is the version. Kept on this row so
    # that they go wherever it goes: a re-created table or a TRUNCATE takes them with it.
    people_version: Mapped[int | None] = mapped_column(sa.BigInteger)
    people_ids: Mapped[bytes | None] = mapped_column(sa.LargeBinary)
    people_details: Mapped[dict | None] = mapped_column(sa.JSON)


class PublishedFigures(Model):
    """The figures of one event as its organisers last published them: what the public
    summaries (pages, PDFs, API) show, whatever was imported or checked in since. No row:
    never published, and the public pages say so."""

    __tablename__ = "published_figures"

    event_id: Mapped[int] = mapped_column(
        sa.ForeignKey("event.id", ondelete="CASCADE"), primary_key=True, autoincrement=False
    )
    # The event's figures, its top organisations and the breakdown of its people (see
    # services/reporting/summaries.py). None: published by the migration that added this
    # table, counted when first read (the figures of that moment, as they were public then).
    figures: Mapped[dict | None] = mapped_column(sa.JSON)
    # Who the people were (delegate ids, walk-ins' keyed hashes): the series and programme
    # count a person once across the events whose figures are published.
    people_ids: Mapped[bytes | None] = mapped_column(sa.LargeBinary)
    published_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    account_id: Mapped[int | None] = mapped_column(sa.ForeignKey("account.id", ondelete="SET NULL"))
    published_by: Mapped[str] = mapped_column(sa.String(254), default="")


# The columns the summaries read of each table: a change to another (a name, minutes online,
# an anonymisation date) leaves every figure as it was. The first one says which events a row
# is part of: its own, or for a delegate, those of the walk-ins known by their email.
WATCHED = {
    "attendance": (
        "event_id",
        "registration_id",
        "attended",
        "email",
        "participant_key",
        "country",
        "organisation_kind",
    ),
    "registration": ("event_id", "delegate_id", "status", "country", "organisation_kind"),
    "delegate": ("email", "country", "organisation_kind"),
}


def _new_versions(table: str, row: str, version: str) -> str:
    """The rows of participants_version (event, new version) for the events whose
    participants a row (OLD or NEW) of the table is part of."""
    if table == "delegate":
        return (
            f"SELECT DISTINCT event_id, {version} FROM attendance "  # noqa: S608 (no input in it)
            f"WHERE registration_id IS NULL AND email <> '' AND email = {row}.email"
        )
    return f"VALUES ({row}.event_id, {version})"


def sqlite_triggers() -> list[str]:
    highest = "(SELECT coalesce(max(version), 0) + 1 FROM participants_version)"

    def new_versions(table: str, row: str) -> str:
        return (
            f"INSERT INTO participants_version (event_id, version) {_new_versions(table, row, highest)} "
            "ON CONFLICT (event_id) DO UPDATE SET version = excluded.version;"
        )

    statements = []
    for table, columns in WATCHED.items():
        old, new = new_versions(table, "OLD"), new_versions(table, "NEW")
        # An update that leaves every column read as it was (the registration service's upsert
        # of the delegate sets the same address) changes no figure: no new version.
        changed = " OR ".join(f"OLD.{column} IS NOT NEW.{column}" for column in columns)
        for action, when, body in (
            ("insert", "INSERT", new),
            ("delete", "DELETE", old),
            ("update", f"UPDATE OF {', '.join(columns)}", f"{old} {new}"),
        ):
            condition = f" WHEN {changed}" if action == "update" else ""
            statements.append(
                f"CREATE TRIGGER IF NOT EXISTS participants_{table}_{action} AFTER {when} ON {table} "
                f"FOR EACH ROW{condition} BEGIN {body} END"
            )
    return statements


def postgresql_triggers() -> list[str]:
    # Deferred to the commit: the transaction takes the lock on the event's row of versions
    # last, so that it never waits for another lock while holding it (a cancellation would
    # otherwise hold it while promoting from the waiting list, and an organiser's edit of the
    # same person wait for it). Each upsert writes nothing once the transaction has given the
    # event its version: some microseconds a row in an import of thousands. (VALUES and
    # branches: a SELECT of OLD and NEW took three times as long.)
    def new_versions(table: str, row: str) -> str:
        return (
            "INSERT INTO participants_version AS known (event_id, version) "
            f"{_new_versions(table, row, 'pg_current_xact_id()::text::bigint')} "
            "ON CONFLICT (event_id) DO UPDATE SET version = excluded.version "
            "WHERE known.version IS DISTINCT FROM excluded.version;"
        )

    statements = []
    for table, columns in WATCHED.items():
        key = columns[0]  # which events a row is part of: the same after an update?
        old_row, new_row = (", ".join(f"{row}.{column}" for column in columns) for row in ("OLD", "NEW"))
        statements += [
            f"CREATE OR REPLACE FUNCTION participants_{table}_changed() RETURNS trigger "
            "LANGUAGE plpgsql AS $$ BEGIN "
            # An update that leaves every column read as it was: no new version (see above).
            f"IF TG_OP = 'UPDATE' AND ({old_row}) IS NOT DISTINCT FROM ({new_row}) THEN RETURN NULL; END IF; "
            f"IF TG_OP = 'DELETE' OR (TG_OP = 'UPDATE' AND OLD.{key} IS DISTINCT FROM NEW.{key}) THEN "
            f"{new_versions(table, 'OLD')} END IF; "
            f"IF TG_OP <> 'DELETE' THEN {new_versions(table, 'NEW')} END IF; "
            "RETURN NULL; END $$",
            f"DROP TRIGGER IF EXISTS participants_{table} ON {table}",
            f"CREATE CONSTRAINT TRIGGER participants_{table} "
            f"AFTER INSERT OR DELETE OR UPDATE OF {', '.join(columns)} ON {table} "
            f"DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION participants_{table}_changed()",
        ]
    return statements


def postgresql_drops() -> list[str]:
    """Dropping the tables drops their triggers, but not the functions they call."""
    return [f"DROP FUNCTION IF EXISTS participants_{table}_changed()" for table in WATCHED]


@sa.event.listens_for(db.metadata, "after_create")
def _create_triggers(_metadata, connection, **_kw) -> None:
    dialect = connection.dialect.name
    statements = {"sqlite": sqlite_triggers, "postgresql": postgresql_triggers}.get(dialect, list)()
    for statement in statements:
        connection.exec_driver_sql(statement)


@sa.event.listens_for(db.metadata, "after_drop")
def _drop_functions(_metadata, connection, **_kw) -> None:
    if connection.dialect.name == "postgresql":
        for statement in postgresql_drops():
            connection.exec_driver_sql(statement)
