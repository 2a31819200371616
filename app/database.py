"""Database behaviour the rest of the code relies on.

- Instants are stored in UTC and always come back as aware datetimes.
- On SQLite, SQLAlchemy (not the sqlite3 driver) controls transactions, so a
  unit of work that writes can begin with `BEGIN IMMEDIATE` and take the write
  lock before its first read. Without this, SQLite silently ignores
  `FOR UPDATE` and concurrent registrations overbook (see STACK-NOTES).
- Units of work nest, and work that must follow a commit (asking the worker to
  deliver mail) is registered with `on_commit()`. This module is the bottom
  layer: it imports neither the job queue nor any service.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from functools import cache

import sqlalchemy as sa
from sqlalchemy import DateTime, event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session as OrmSession
from sqlalchemy.orm import make_transient_to_detached
from sqlalchemy.types import TypeDecorator

from .extensions import db

log = logging.getLogger(__name__)

BEGIN_IMMEDIATE = "plenary_begin_immediate"
# Kept on a SQLite connection's record: its count of changes when its transaction began.
CHANGES_AT_BEGIN = "plenary_changes_at_begin"
# Kept in the session's info while a unit of work is open: its (outermost) transaction.
UNIT_OF_WORK = "plenary_unit_of_work"
# Kept in the session's info: the callbacks to run once its transaction has committed.
AFTER_COMMIT = "plenary_after_commit"
SQLITE_BUSY_TIMEOUT_MS = 30_000


def utcnow() -> datetime:
    return datetime.now(UTC)


def contains_text(column, term: str) -> sa.ColumnElement[bool]:
    """The one way to search text: `column` contains `term`, ignoring case, with `%`, `_` and the
    escape character in the term taken literally (what a person typed is never a pattern)."""
    return column.icontains(term, autoescape=True)


class UTCDateTime(TypeDecorator):
    """An instant: aware in Python, UTC in the database."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given for an instant; attach a time zone")
        value = value.astimezone(UTC)
        if dialect.name == "sqlite":
            return value.replace(tzinfo=None)
        return value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def lock_row(session: OrmSession, model, row_id: int):
    """The row, fresh from the database and locked until commit (on SQLite the
    unit of work already holds the database's write lock)."""
    return session.scalars(_lock_statement(model), {"row_id": row_id}).one()


@cache
def _lock_statement(model) -> sa.Select:
    return (
        sa.select(model)
        .where(model.id == sa.bindparam("row_id"))
        .with_for_update()
        .execution_options(populate_existing=True)
    )


def persistent(session: OrmSession, model, values: dict):
    """The `model` object whose row holds `values` (every column), in the session without a
    SELECT: for a row a statement has just written or returned."""
    instance = model(**values)
    make_transient_to_detached(instance)  # its state is what the database holds
    return session.merge(instance, load=False)  # the session's own copy, if it had one


def reads_in_autocommit(session: OrmSession) -> None:
    """For a request that only reads what a single statement shows: on PostgreSQL its
    statements run in autocommit, without a BEGIN and a ROLLBACK, each a round trip to the
    server. On SQLite, whose transactions this module controls, nothing changes."""
    if not session.in_transaction() and session.get_bind().dialect.name == "postgresql":
        session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})


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
        conn.info[CHANGES_AT_BEGIN] = conn.connection.dbapi_connection.total_changes


def sqlite_transaction_wrote(conn: sa.Connection) -> bool:
    """Whether this SQLite connection's transaction has changed anything (rolled back or
    not, such changes are not in what other connections and later transactions see)."""
    return conn.connection.dbapi_connection.total_changes != conn.info.get(CHANGES_AT_BEGIN)


def on_commit(callback: Callable[[], object]) -> None:
    """Run `callback()` once the current unit of work has committed, never if it does not.

    For what must not happen before the change that causes it is committed, such as asking
    the worker to deliver the mail a registration has just queued. A callback registered
    again in the same unit (one kick for each of 50 emails) runs once, in the order first
    registered. One registered in a nested unit that fails is dropped with that unit's
    changes; all are dropped when the unit of work rolls back. Outside a unit of work
    nothing would ever run it: that is refused.
    """
    session = db.session()
    if UNIT_OF_WORK not in session.info:
        raise RuntimeError("on_commit() outside a unit of work (write_transaction())")
    session.info.setdefault(AFTER_COMMIT, {}).setdefault(callback, None)


def _drop_after_commit(session: OrmSession, kept: int) -> None:
    """Forget the callbacks registered after the first `kept`."""
    callbacks = session.info.get(AFTER_COMMIT, {})
    for callback in list(callbacks)[kept:]:
        del callbacks[callback]


def _run(callbacks) -> None:
    for callback in callbacks:
        try:
            callback()
        except Exception:  # the change is committed: what follows it must not undo its answer
            log.exception("%r failed after a commit", callback)


class QuickCommits:
    """Statements run straight on the database driver, each committed by itself.

    For a statement run once for each email sent, where SQLAlchemy's own work for an
    execution (some 60 us, more than the database's) would slow the sending down: each Core
    statement is compiled once for the dialect, and its values still go through their
    columns' types.
    """

    def __init__(self, connection: sa.Connection) -> None:
        self.dialect = connection.dialect
        self.cursor = connection.connection.dbapi_connection.cursor()

    def execute(self, statement: sa.Executable, **values) -> int:
        """Run `statement` with `values` for its bind parameters; returns the rows it changed."""
        form = _driver_form(statement, self.dialect)
        self.cursor.execute(form.sql, form.parameters(values))
        return self.cursor.rowcount

    @contextmanager
    def together(self) -> Iterator[QuickCommits]:
        """The statements run inside commit as one, or not at all."""
        self.cursor.execute("BEGIN")
        try:
            yield self
        except BaseException:
            self.cursor.execute("ROLLBACK")
            raise
        self.cursor.execute("COMMIT")


class _DriverForm:
    """A statement as the driver takes it: its SQL, the order of its parameters (for a driver
    that takes them by position), and its constants already processed by their types."""

    def __init__(self, statement: sa.Executable, dialect) -> None:
        compiled = statement.compile(dialect=dialect)
        self.sql = compiled.string
        self.order = compiled.positiontup if compiled.positional else None
        binds = {name: bind for bind, name in compiled.bind_names.items()}
        self.processors = {
            name: bind.type.dialect_impl(dialect).bind_processor(dialect) for name, bind in binds.items()
        }
        self.constants = {name: self.process(name, bind.value) for name, bind in binds.items()}

    def process(self, name: str, value):
        processor = self.processors[name]
        return processor(value) if processor else value

    def parameters(self, values: dict) -> list | dict:
        params = dict(self.constants)
        params.update((name, self.process(name, value)) for name, value in values.items())
        return [params[name] for name in self.order] if self.order else params


@cache
def _driver_form(statement: sa.Executable, dialect) -> _DriverForm:
    return _DriverForm(statement, dialect)


@contextmanager
def quick_commits() -> Iterator[QuickCommits]:
    """A connection of its own whose statements each commit by themselves.

    On PostgreSQL its commits do not wait for the disk (synchronous_commit off, for this
    connection only): each is at once seen by every other connection and survives any crash
    of ours; only a crash of the database server itself may forget the last fraction of a
    second of them (3 x wal_writer_delay at most). On SQLite the driver commits each
    statement already (see configure_engine), with WAL's synchronous=NORMAL.
    """
    with db.engine.connect() as connection:
        if connection.dialect.name != "postgresql":
            yield QuickCommits(connection)
            return
        connection.execution_options(isolation_level="AUTOCOMMIT")
        statements = QuickCommits(connection)
        statements.cursor.execute("SET synchronous_commit TO off")
        try:
            yield statements
        finally:
            try:
                statements.cursor.execute("RESET synchronous_commit")
            except connection.dialect.loaded_dbapi.Error:
                connection.invalidate()  # never back to the pool with its commits unflushed


@contextmanager
def write_transaction() -> Iterator[OrmSession]:
    """One unit of work that changes data: commit on success, roll back on error.

    The outermost unit starts a fresh transaction whose first statement takes the write
    lock on SQLite; a read-only transaction left open by the caller (a view that loaded
    the event) is ended first, as a read before BEGIN IMMEDIATE makes SQLite answer
    "database is locked" under load. It commits once, at its end, then runs what was
    registered with `on_commit()`.

    A unit opened inside another (a service that calls a service: an event's form that
    moves it and raises its capacity) does not commit: it is a SAVEPOINT within the outer
    transaction. Its error, left to propagate, rolls the whole unit back. A savepoint
    rather than simply joining, so that a caller may also catch an inner unit's refusal
    and go on (an erasure keeps a registration whose event has just started): the inner
    unit's changes and its `on_commit()` callbacks are then undone, and only them. The
    price, a SAVEPOINT and a RELEASE, is paid only where services compose.
    """
    session = db.session()
    if UNIT_OF_WORK in session.info:
        with _nested(session):
            yield session
        return
    if session.in_transaction():
        if session.new or session.dirty or session.deleted:
            raise RuntimeError("write_transaction() started with unsaved changes in the session")
        session.rollback()
    session.connection(execution_options={BEGIN_IMMEDIATE: True})
    session.info[UNIT_OF_WORK] = session.get_transaction()
    try:
        yield session
        _check_unbroken(session)
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.info.pop(UNIT_OF_WORK, None)
        callbacks = list(session.info.pop(AFTER_COMMIT, {}))
    _run(callbacks)


@contextmanager
def _nested(session: OrmSession) -> Iterator[None]:
    _check_unbroken(session)
    kept = len(session.info.get(AFTER_COMMIT, {}))
    try:
        with session.begin_nested():
            yield
    except BaseException:
        _drop_after_commit(session, kept)
        raise


def _check_unbroken(session: OrmSession) -> None:
    if session.get_transaction() is not session.info[UNIT_OF_WORK]:
        raise RuntimeError("the unit of work's transaction was ended inside it")
