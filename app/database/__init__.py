"""Database behaviour the rest of the code relies on: the bottom layer, which imports nothing
of the application above it.

- `types`: instants are stored in UTC and always come back as aware datetimes; text is
  searched one way (`contains_text`).
- `sqlite`: on SQLite, SQLAlchemy (not the sqlite3 driver) controls transactions, so a unit
  of work that writes begins with `BEGIN IMMEDIATE`.
- `units`: units of work nest (`write_transaction()`), and work that must follow a commit
  (asking the worker to deliver mail) is registered with `on_commit()`.
- `quick_commits`: statements committed one by one on the driver, for the outbox worker.
- `base`: the SQLAlchemy object and the models' base.
"""

from .base import Base, Model, db
from .quick_commits import QuickCommits, quick_commits
from .sqlite import (
    BEGIN_IMMEDIATE,
    SQLITE_BUSY_TIMEOUT_MS,
    configure_engine,
    insert_for,
    sqlite_transaction_wrote,
)
from .types import UTCDateTime, contains_folded, contains_text, folded, folded_fields, utcnow
from .units import lock_row, on_commit, persistent, rowcount, write_transaction

__all__ = [
    "BEGIN_IMMEDIATE",
    "Base",
    "Model",
    "QuickCommits",
    "SQLITE_BUSY_TIMEOUT_MS",
    "UTCDateTime",
    "configure_engine",
    "contains_folded",
    "contains_text",
    "db",
    "folded",
    "folded_fields",
    "insert_for",
    "lock_row",
    "on_commit",
    "persistent",
    "quick_commits",
    "rowcount",
    "sqlite_transaction_wrote",
    "utcnow",
    "write_transaction",
]
