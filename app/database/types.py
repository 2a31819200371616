"""How values are stored: instants in UTC, aware in Python; text searched one way."""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy import DateTime
from sqlalchemy.types import TypeDecorator


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
