"""SQLite's transaction control: SQLAlchemy, not the sqlite3 driver, begins transactions, so
a unit of work that writes begins with `BEGIN IMMEDIATE` and takes the write lock before its
first read. Without this, SQLite silently ignores `FOR UPDATE` and concurrent registrations
overbook (see STACK-NOTES). Other databases need nothing."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session as OrmSession

BEGIN_IMMEDIATE = "plenary_begin_immediate"
# Kept on a SQLite connection's record: its count of changes when its transaction began.
CHANGES_AT_BEGIN = "plenary_changes_at_begin"
SQLITE_BUSY_TIMEOUT_MS = 30_000


def insert_for(session: OrmSession):
    """The `insert` of the session's database, which knows ON CONFLICT DO NOTHING."""
    return postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert


def configure_engine(engine: Engine) -> None:
    """Install the SQLite transaction control; other databases need nothing."""
    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record):
        dbapi_conn.isolation_level = None  # we emit BEGIN ourselves
        cursor = dbapi_conn.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        # Sorts and DISTINCTs of the summaries (tens of thousands of rows) in memory, not in
        # temporary files; and a page cache that holds the registration indexes they read.
        cursor.execute("PRAGMA temp_store=MEMORY")
        cursor.execute("PRAGMA cache_size=-32000")
        if engine.url.database not in (None, "", ":memory:"):
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):
        immediate = conn.get_execution_options().get(BEGIN_IMMEDIATE)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")
        conn.info[CHANGES_AT_BEGIN] = _driver_connection(conn).total_changes


def sqlite_transaction_wrote(conn: sa.Connection) -> bool:
    """Whether this SQLite connection's transaction has changed anything (rolled back or
    not, such changes are not in what other connections and later transactions see)."""
    return _driver_connection(conn).total_changes != conn.info.get(CHANGES_AT_BEGIN)


def _driver_connection(conn: sa.Connection) -> Any:
    """The sqlite3 connection under `conn` (there is one while `conn` is open)."""
    dbapi_connection = conn.connection.dbapi_connection
    assert dbapi_connection is not None
    return dbapi_connection
