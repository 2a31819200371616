"""Units of work: `write_transaction()` (they nest, as savepoints), `on_commit()` (what runs
once the outermost has committed), and the row locks they take."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import cache
from typing import Any, TypeVar, cast

import sqlalchemy as sa
from sqlalchemy.orm import Session as OrmSession
from sqlalchemy.orm import make_transient_to_detached

from .base import Base, db
from .sqlite import BEGIN_IMMEDIATE

log = logging.getLogger(__name__)

# Kept in the session's info while a unit of work is open: its (outermost) transaction.
UNIT_OF_WORK = "plenary_unit_of_work"
# Kept in the session's info: the callbacks to run once its transaction has committed.
AFTER_COMMIT = "plenary_after_commit"


# A mapped class, as the functions below take it and give it back.
M = TypeVar("M", bound=Base)


def lock_row(session: OrmSession, model: type[M], row_id: int) -> M:
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


def rowcount(result: sa.Result) -> int:
    """The rows an UPDATE or DELETE changed: its result is a CursorResult, which SQLAlchemy's
    types call any Result."""
    return cast(sa.CursorResult, result).rowcount


def persistent(session: OrmSession, model: type[M], values: dict) -> M:
    """The `model` object whose row holds `values` (every column), in the session without a
    SELECT: for a row a statement has just written or returned. Beside the ORM for speed
    only: the registration's path, where it is worth 15-19% of the journey's CPU (see
    services/registration/registrations.py)."""
    instance = model(**values)
    make_transient_to_detached(instance)  # its state is what the database holds
    return session.merge(instance, load=False)  # the session's own copy, if it had one


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
    # Our own option (read by app/database/sqlite.py), which SQLAlchemy's typed options omit.
    begin_immediate: dict[str, Any] = {BEGIN_IMMEDIATE: True}
    session.connection(execution_options=begin_immediate)
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
