"""Statements committed one by one, straight on the driver: for a statement run once for each
email sent."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from typing import cast

import sqlalchemy as sa
from sqlalchemy.sql.compiler import SQLCompiler

from .base import db


class QuickCommits:
    """Statements run straight on the database driver, each committed by itself.

    For a statement run once for each email sent, where SQLAlchemy's own work for an
    execution (some 60 us, more than the database's) would slow the sending down: each Core
    statement is compiled once for the dialect, and its values still go through their
    columns' types.
    """

    def __init__(self, connection: sa.Connection) -> None:
        self.dialect = connection.dialect
        dbapi_connection = connection.connection.dbapi_connection
        assert dbapi_connection is not None  # an open connection has its driver's
        self.cursor = dbapi_connection.cursor()

    def execute(self, statement: sa.ClauseElement, **values) -> int:
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

    def __init__(self, statement: sa.ClauseElement, dialect) -> None:
        # A Core statement compiled for a SQL dialect is a SQLCompiler (typed as any Compiled).
        compiled = cast(SQLCompiler, statement.compile(dialect=dialect))
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
def _driver_form(statement: sa.ClauseElement, dialect) -> _DriverForm:
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
