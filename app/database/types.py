"""How values are stored: instants in UTC, aware in Python; text searched one way."""

from __future__ import annotations

import re
import unicodedata
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


# Letters that are not a base letter with a mark, so that NFKD leaves them whole: spelt as a
# person without them on their keyboard types them (casefold already makes ß "ss").
SPECIAL_LETTERS = str.maketrans(
    {
        "ø": "o",
        "æ": "ae",
        "œ": "oe",
        "ł": "l",
        "đ": "d",
        "ð": "d",
        "þ": "th",
        "ı": "i",
        "ħ": "h",
        "ŧ": "t",
        "ŋ": "n",
        "ĸ": "k",
        "ŀ": "l",
        "ʼ": "",
        "’": "",
        "'": "",
    }
)
# What separates words: anything but a letter, a digit, "_" or "%" (hyphens, commas, dots).
# "%" and "_" stay, so that a search for them is a search for them, as anywhere else.
NOT_WORD = re.compile(r"[^\w%]+")
# Between the fields of a folded column: below every letter and space, so that sorting by the
# column sorts by its first field first ("Li" before "Li Wei"), and never typed in a search.
FIELD_SEPARATOR = "\x1f"


def folded(text: str) -> str:
    """Text as a search compares it: case, accents and punctuation gone, special letters
    spelt in plain Latin ("Álvarez-Núñez, Søren" -> "alvarez nunez soren"). Letters of other
    scripts stay (less their vowel marks)."""
    text = unicodedata.normalize("NFKD", text.casefold()).translate(SPECIAL_LETTERS)
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return " ".join(NOT_WORD.split(text)).strip()


def folded_fields(*fields: str | None) -> str:
    """Several texts folded into one column, each field apart (a search term never spans two)."""
    return FIELD_SEPARATOR.join(folded(field or "") for field in fields)


def contains_folded(column, term: str) -> sa.ColumnElement[bool]:
    """`column` (folded when written) contains `term` folded the same way: what the search of
    people's names uses, the same on every database."""
    return column.contains(folded(term), autoescape=True)


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
